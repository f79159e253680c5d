"""TokenVerifier: keys from a JWKS URL or a file, refetched on an unknown kid, results cached."""

import json

import httpx
import pytest

from porttrust_shared import tokens as tokens_module
from porttrust_shared.errors import DependencyUnavailable, Forbidden, Unauthorized
from porttrust_shared.tokens import (
    Principal,
    TokenVerifier,
    generate_private_key,
    issue_token,
    public_jwk,
)

ISSUER = "https://identity.example.org"
JWKS_URL = "https://identity.example.org/.well-known/jwks.json"


class Identity:
    """Stands in for identity's JWKS endpoint; counts how often it is asked."""

    def __init__(self) -> None:
        self.keys = {"k1": generate_private_key()}
        self.fetches = 0
        self.up = True

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        if not self.up:
            raise httpx.ConnectError("identity is down", request=request)
        return httpx.Response(200, json={"keys": [public_jwk(k, kid)
                                                  for kid, k in self.keys.items()]})

    def token(self, kid: str = "k1", audience=("registry",), **kw) -> str:
        return issue_token(self.keys[kid], kid=kid, issuer=ISSUER, subject="svc-1",
                           audience=audience, roles=["service"], province="HQ", **kw)


@pytest.fixture
def identity() -> Identity:
    return Identity()


@pytest.fixture
def verifier(identity: Identity) -> TokenVerifier:
    http = httpx.AsyncClient(transport=httpx.MockTransport(identity.handler))
    return TokenVerifier(audience="registry", issuer=ISSUER, jwks_url=JWKS_URL, http=http,
                         refresh_floor=0)


async def test_keys_are_fetched_from_the_jwks_url(verifier, identity):
    principal = await verifier.verify(identity.token())
    assert principal.sub == "svc-1"
    assert principal.roles == frozenset({"service"})


async def test_jwks_is_cached_between_tokens(verifier, identity):
    await verifier.verify(identity.token())
    await verifier.verify(identity.token())
    assert identity.fetches == 1


async def test_an_unknown_kid_refreshes_the_jwks(verifier, identity):
    await verifier.verify(identity.token("k1"))
    identity.keys["k2"] = generate_private_key()
    principal = await verifier.verify(identity.token("k2"))
    assert principal.sub == "svc-1"
    assert identity.fetches == 2


async def test_unknown_kids_refetch_at_most_once_per_floor(identity):
    http = httpx.AsyncClient(transport=httpx.MockTransport(identity.handler))
    verifier = TokenVerifier(audience="registry", issuer=ISSUER, jwks_url=JWKS_URL, http=http,
                             refresh_floor=60)
    await verifier.verify(identity.token("k1"))
    stranger = issue_token(generate_private_key(), kid="garbage", issuer=ISSUER, subject="x",
                           audience=["registry"], roles=["service"], province="HQ")
    for _ in range(5):
        with pytest.raises(Unauthorized):
            await verifier.verify(stranger)
    assert identity.fetches == 1


async def test_unreachable_jwks_is_503_not_401_nor_500(verifier, identity):
    # The token may be good: the caller should retry, not fetch another token.
    identity.up = False
    with pytest.raises(DependencyUnavailable):
        await verifier.verify(identity.token())


async def test_jwks_that_is_not_a_key_set_is_503(identity):
    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=["not", "a", "jwks"])

    http = httpx.AsyncClient(transport=httpx.MockTransport(broken))
    verifier = TokenVerifier(audience="registry", issuer=ISSUER, jwks_url=JWKS_URL, http=http)
    with pytest.raises(DependencyUnavailable):
        await verifier.verify(identity.token())


async def test_known_keys_keep_working_while_identity_is_down(verifier, identity):
    await verifier.verify(identity.token())
    identity.up = False
    assert (await verifier.verify(identity.token())).sub == "svc-1"


async def test_keys_can_come_from_a_configured_file(tmp_path, identity):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [public_jwk(identity.keys["k1"], "k1")]}))
    verifier = TokenVerifier(audience="registry", issuer=ISSUER, jwks_file=path)
    assert (await verifier.verify(identity.token())).sub == "svc-1"


async def test_a_verified_token_is_not_decoded_again(verifier, identity, monkeypatch):
    calls = []
    real_decode = tokens_module.jwt.decode
    monkeypatch.setattr(tokens_module.jwt, "decode",
                        lambda *a, **kw: calls.append(1) or real_decode(*a, **kw))
    token = identity.token()
    first = await verifier.verify(token)
    second = await verifier.verify(token)
    assert second == first
    assert len(calls) == 1


async def test_a_token_for_several_services_is_accepted_by_each(identity):
    token = identity.token(audience=["registry", "credit"])
    http = httpx.AsyncClient(transport=httpx.MockTransport(identity.handler))
    credit = TokenVerifier(audience="credit", issuer=ISSUER, jwks_url=JWKS_URL, http=http)
    assert (await credit.verify(token)).audience == ("credit", "registry")


async def test_unknown_roles_in_a_token_are_dropped(verifier, identity):
    token = issue_token(identity.keys["k1"], kid="k1", issuer=ISSUER, subject="s",
                        audience=["registry"], roles=["gateway", "root"], province="44")
    assert (await verifier.verify(token)).roles == frozenset({"gateway"})


def test_issued_tokens_never_live_longer_than_fifteen_minutes(identity):
    token = identity.token(lifetime=86400)
    claims = tokens_module.jwt.get_unverified_claims(token)
    assert claims["exp"] - claims["iat"] == 900


def test_principal_province_scope_is_none_for_hq():
    assert Principal(sub="a", roles=frozenset(), province="HQ").province_scope is None
    assert Principal(sub="a", roles=frozenset(), province="44").province_scope == "44"


def test_principal_require_refuses_missing_roles():
    principal = Principal(sub="a", roles=frozenset({"auditor"}), province="HQ")
    with pytest.raises(Forbidden):
        principal.require("hq_admin")
    assert principal.require("hq_admin", "auditor") is principal


async def test_a_cached_token_is_refused_once_it_expires(verifier, identity, monkeypatch):
    import datetime as dt

    import jose.jwt

    token = identity.token(lifetime=60)
    await verifier.verify(token)
    shift = dt.timedelta(seconds=120)

    class Later(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime.now(tz) + shift

    real_time = tokens_module.time.time
    monkeypatch.setattr(tokens_module.time, "time", lambda: real_time() + 120)
    monkeypatch.setattr(jose.jwt, "datetime", Later)
    with pytest.raises(Unauthorized):
        await verifier.verify(token)
