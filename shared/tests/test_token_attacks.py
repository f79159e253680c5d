"""Every forged, stale or misdirected token answers 401 problem+json with WWW-Authenticate."""

import base64
import hashlib
import hmac
import json
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from jose import jwt

from porttrust_dev.testing import TEST_ISSUER, TEST_KID
from porttrust_shared.tokens import generate_private_key, issue_token, private_key_pem


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**overrides):
    now = int(time.time())
    claims = {"iss": TEST_ISSUER, "sub": "mallory", "aud": ["demo"], "iat": now, "nbf": now,
              "exp": now + 300, "jti": "j1", "roles": ["hq_admin"], "province": "HQ"}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _unsigned(header, claims, signature=b""):
    head = _b64(json.dumps(header).encode())
    body = _b64(json.dumps(claims).encode())
    return f"{head}.{body}.{_b64(signature)}"


def _hs256(secret: bytes, claims) -> str:
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": TEST_KID}).encode())
    body = _b64(json.dumps(claims).encode())
    sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(sig)}"


def _es256(signing_key, claims, **headers) -> str:
    headers.setdefault("kid", TEST_KID)
    return jwt.encode(claims, private_key_pem(signing_key), algorithm="ES256", headers=headers)


async def _whoami(client, token):
    return await client.get("/v1/whoami", headers={"Authorization": f"Bearer {token}".encode()})


def _is_401_problem(response) -> bool:
    return (response.status_code == 401
            and response.headers["content-type"] == "application/problem+json"
            and response.headers["www-authenticate"].startswith("Bearer")
            and response.json()["status"] == 401)


async def test_valid_token_is_accepted(client, token):
    response = await _whoami(client, token("auditor", province="44", sub="alice"))
    assert response.status_code == 200
    assert response.json() == {"sub": "alice", "roles": ["auditor"], "province": "44"}


async def test_alg_none_is_rejected(client):
    forged = _unsigned({"alg": "none", "typ": "JWT", "kid": TEST_KID}, _claims())
    assert _is_401_problem(await _whoami(client, forged))


async def test_alg_none_with_a_signature_is_rejected(client):
    forged = _unsigned({"alg": "none", "kid": TEST_KID}, _claims(), signature=b"x" * 64)
    assert _is_401_problem(await _whoami(client, forged))


async def test_hs256_signed_with_the_public_key_pem_is_rejected(client, signing_key):
    pem = signing_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert _is_401_problem(await _whoami(client, _hs256(pem, _claims())))


async def test_hs256_signed_with_the_public_key_der_is_rejected(client, signing_key):
    der = signing_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert _is_401_problem(await _whoami(client, _hs256(der, _claims())))


async def test_expired_token_is_rejected(client, signing_key):
    old = int(time.time()) - 3600
    expired = issue_token(signing_key, kid=TEST_KID, issuer=TEST_ISSUER, subject="bob",
                          audience=["demo"], roles=["auditor"], province="HQ", lifetime=600,
                          now=old)
    assert _is_401_problem(await _whoami(client, expired))


async def test_token_not_yet_valid_is_rejected(client, signing_key):
    later = int(time.time()) + 3600
    early = issue_token(signing_key, kid=TEST_KID, issuer=TEST_ISSUER, subject="bob",
                        audience=["demo"], roles=["auditor"], province="HQ", now=later)
    assert _is_401_problem(await _whoami(client, early))


async def test_token_with_nbf_in_the_future_is_rejected(client, signing_key):
    forged = _es256(signing_key, _claims(nbf=int(time.time()) + 600))
    assert _is_401_problem(await _whoami(client, forged))


async def test_token_without_aud_is_rejected(client, signing_key):
    assert _is_401_problem(await _whoami(client, _es256(signing_key, _claims(aud=None))))


async def test_token_for_another_service_is_rejected(client, token_factory):
    other = token_factory("hq_admin", audience=["registry", "credit"])
    assert _is_401_problem(await _whoami(client, other))


async def test_token_from_another_issuer_is_rejected(client, signing_key):
    forged = _es256(signing_key, _claims(iss="https://evil.example"))
    assert _is_401_problem(await _whoami(client, forged))


@pytest.mark.parametrize("claim", ["exp", "iss", "sub", "iat"])
async def test_token_missing_a_required_claim_is_rejected(client, signing_key, claim):
    forged = _es256(signing_key, _claims(**{claim: None}))
    assert _is_401_problem(await _whoami(client, forged))


async def test_token_living_longer_than_fifteen_minutes_is_rejected(client, signing_key):
    now = int(time.time())
    assert _is_401_problem(await _whoami(client, _es256(signing_key, _claims(exp=now + 7200))))


async def test_token_with_unknown_kid_is_rejected(client):
    stranger = generate_private_key()
    forged = issue_token(stranger, kid="someone-elses-key", issuer=TEST_ISSUER, subject="x",
                         audience=["demo"], roles=["hq_admin"], province="HQ")
    assert _is_401_problem(await _whoami(client, forged))


async def test_token_signed_by_another_key_under_our_kid_is_rejected(client):
    forged = _es256(generate_private_key(), _claims())
    assert _is_401_problem(await _whoami(client, forged))


async def test_token_without_kid_is_rejected(client, signing_key):
    forged = jwt.encode(_claims(), private_key_pem(signing_key), algorithm="ES256")
    assert _is_401_problem(await _whoami(client, forged))


async def test_token_with_unknown_crit_header_is_rejected(client, signing_key):
    forged = _es256(signing_key, _claims(), crit=["exp-v2"], **{"exp-v2": True})
    assert _is_401_problem(await _whoami(client, forged))


async def test_token_without_roles_or_province_is_rejected(client, signing_key):
    assert _is_401_problem(await _whoami(client, _es256(signing_key, _claims(province=None))))


@pytest.mark.parametrize("garbage", [
    "not-a-token", "a.b.c", "....", "eyJ.eyJ.sig", "\u00e9t\u00e9.x.y",
    _unsigned(["alg", "ES256"], {"sub": "x"}), _unsigned({"alg": "ES256", "kid": TEST_KID}, ["x"]),
    _unsigned({"alg": "ES256", "kid": 7}, {"sub": "x"}), "x" * 5000,
])
async def test_malformed_token_is_rejected(client, garbage):
    assert _is_401_problem(await _whoami(client, garbage))


async def test_tampered_payload_is_rejected(client, token):
    head, _, sig = token("auditor").split(".")
    body = _b64(json.dumps(_claims(roles=["hq_admin"])).encode())
    assert _is_401_problem(await _whoami(client, f"{head}.{body}.{sig}"))


async def test_missing_token_is_rejected(client):
    response = await client.get("/v1/whoami")
    assert _is_401_problem(response)


@pytest.mark.parametrize("value", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "token abc"])
async def test_non_bearer_authorization_is_rejected(client, value):
    response = await client.get("/v1/whoami", headers={"Authorization": value})
    assert _is_401_problem(response)


async def test_token_in_the_query_string_is_ignored(client, token):
    response = await client.get("/v1/whoami", params={"access_token": token("hq_admin")})
    assert _is_401_problem(response)


async def test_a_missing_token_gets_a_challenge_without_an_error_code(client):
    response = await client.get("/v1/whoami")
    assert response.headers["www-authenticate"] == 'Bearer realm="porttrust"'


async def test_a_bad_token_gets_invalid_token(client):
    response = await _whoami(client, "not-a-token")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


# The order n of P-256, written out here (not taken from the code under test).
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _twin(token: str) -> tuple[str, int, int]:
    """The other spelling of a token's ECDSA signature: (r, n - s); and r, s of the twin."""
    head, body, signature = token.split(".")
    raw = base64.urlsafe_b64decode(signature + "==")
    r, s = int.from_bytes(raw[:32], "big"), N - int.from_bytes(raw[32:], "big")
    return f"{head}.{body}.{_b64(raw[:32] + s.to_bytes(32, 'big'))}", r, s


def test_the_twin_signature_is_mathematically_valid(signing_key, token):
    twin, r, s = _twin(token("auditor"))
    head, body, _ = twin.split(".")
    signing_key.public_key().verify(encode_dss_signature(r, s), f"{head}.{body}".encode(),
                                    ec.ECDSA(hashes.SHA256()))
    assert s > N // 2


async def test_the_high_s_twin_of_a_valid_token_is_refused(client, token):
    original = token("auditor", sub="alice")
    assert (await _whoami(client, original)).status_code == 200
    assert _is_401_problem(await _whoami(client, _twin(original)[0]))


def test_issued_tokens_carry_the_low_s_signature(signing_key):
    for _ in range(64):
        issued = issue_token(signing_key, kid=TEST_KID, issuer=TEST_ISSUER, subject="a",
                             audience=["demo"], roles=["auditor"], province="HQ")
        signature = base64.urlsafe_b64decode(issued.split(".")[2] + "==")
        assert int.from_bytes(signature[32:], "big") <= N // 2
