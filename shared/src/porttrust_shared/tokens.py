"""ES256 access tokens: issuing (identity, test helpers) and hardened verification (everyone)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwk, jwt
from jose.exceptions import JOSEError

from porttrust_shared.errors import DependencyUnavailable, Forbidden, Unauthorized

ALGORITHM = "ES256"
MAX_LIFETIME_SECONDS = 15 * 60
ROLES = frozenset(
    {"hq_admin", "province_operator", "gateway", "enforcement", "whitelist_admin", "auditor",
     "service"}
)
HQ = "HQ"
# The order of P-256's base point. An ECDSA signature (r, s) verifies as (r, n - s) too; only
# the low-S one of the pair is issued or accepted, so a token has exactly one valid spelling.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@dataclass(frozen=True)
class Principal:
    """Who is calling: the verified claims of an access token."""

    sub: str
    roles: frozenset[str]
    province: str
    jti: str = ""
    exp: int = 0
    audience: tuple[str, ...] = field(default_factory=tuple)
    # The root person behind the caller (claim `owner`): an identity created by someone counts
    # as that someone for every two-person rule. Tokens of other issuers may lack it.
    owner: str | None = None

    @property
    def person(self) -> str:
        """Who the two-person rules compare: the root person, else the subject itself."""
        return self.owner or self.sub

    @property
    def is_hq(self) -> bool:
        return self.province == HQ

    @property
    def province_scope(self) -> str | None:
        """None when the caller sees every province, else its two-digit code."""
        return None if self.is_hq else self.province

    def has_any(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    def require(self, *roles: str) -> Principal:
        if not self.has_any(*roles):
            raise Forbidden("This action needs one of the roles: " + ", ".join(sorted(roles)))
        return self


# ---------------------------------------------------------------- signing keys


def generate_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def private_key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def load_private_key(pem: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def _b64(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).rstrip(b"=").decode()


def public_jwk(key: ec.EllipticCurvePrivateKey, kid: str) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": _b64(numbers.x), "y": _b64(numbers.y),
            "kid": kid, "alg": ALGORITHM, "use": "sig"}


def issue_token(
    key: ec.EllipticCurvePrivateKey,
    *,
    kid: str,
    issuer: str,
    subject: str,
    audience: Iterable[str],
    roles: Iterable[str],
    province: str,
    lifetime: int = MAX_LIFETIME_SECONDS,
    now: int | None = None,
    owner: str | None = None,
) -> str:
    issued = int(time.time()) if now is None else now
    claims = {
        "iss": issuer, "sub": subject, "aud": sorted(audience), "iat": issued, "nbf": issued,
        "exp": issued + min(lifetime, MAX_LIFETIME_SECONDS), "jti": uuid.uuid4().hex,
        "roles": sorted(roles), "province": province,
    }
    if owner is not None:
        claims["owner"] = owner
    token = str(jwt.encode(claims, private_key_pem(key), algorithm=ALGORITHM,
                           headers={"kid": kid}))
    return low_s(token)


def _signature(token: str) -> tuple[str, bytes]:
    """The token up to its signature, and the signature's raw r || s bytes."""
    signed, _, encoded = token.rpartition(".")
    return signed, base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))


def _b64_raw(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def is_high_s(token: str) -> bool:
    """Whether the token's ES256 signature has s above n/2 (ValueError when unreadable)."""
    raw = _signature(token)[1]
    if len(raw) != 64:
        raise ValueError("an ES256 signature is 64 bytes")
    return int.from_bytes(raw[32:], "big") > P256_ORDER // 2


def low_s(token: str) -> str:
    """The token with its signature's s replaced by n - s when it is the high one."""
    if not is_high_s(token):
        return token
    signed, raw = _signature(token)
    s = P256_ORDER - int.from_bytes(raw[32:], "big")
    return signed + "." + _b64_raw(raw[:32] + s.to_bytes(32, "big"))


# ---------------------------------------------------------------- verification


class TokenVerifier:
    """The one place tokens are checked. Every failure is a 401, never a 500."""

    def __init__(
        self,
        *,
        audience: str,
        issuer: str,
        jwks_url: str | None = None,
        jwks_file: Path | None = None,
        jwks: dict[str, Any] | None = None,
        cache_seconds: int = 300,
        leeway: int = 5,
        http: httpx.AsyncClient | None = None,
        key_source: Callable[[], Awaitable[dict[str, Any]]] | None = None,
        refresh_floor: float = 10.0,
    ) -> None:
        self.audience, self.issuer, self.leeway = audience, issuer, leeway
        self._jwks_url, self._jwks_file, self._cache_seconds = jwks_url, jwks_file, cache_seconds
        self._http, self._source, self._refresh_floor = http, key_source, refresh_floor
        self._keys: dict[str, Any] = {}
        self._keys_loaded_at = 0.0
        self._fetched_at = -refresh_floor
        self._verified: OrderedDict[str, Principal] = OrderedDict()
        if jwks is not None:
            self._install(jwks)

    async def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None and cached.exp > time.time():
            return cached
        principal = await self._verify_uncached(token)
        self._remember(token, principal)
        return principal

    def _remember(self, token: str, principal: Principal) -> None:
        self._verified[token] = principal
        if len(self._verified) > 10_000:
            self._verified.popitem(last=False)

    async def _verify_uncached(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except (JOSEError, ValueError, TypeError, AttributeError) as exc:
            raise Unauthorized("The token is malformed.") from exc
        if not isinstance(header, dict):
            raise Unauthorized("The token is malformed.")
        if header.get("alg") != ALGORITHM:
            raise Unauthorized("The token's algorithm is not accepted.")
        if "crit" in header:
            raise Unauthorized("The token has unknown critical header parameters.")
        self._refuse_high_s(token)
        key = await self._key_for(header.get("kid"))
        claims = self._decode(token, key)
        return self._principal(claims)

    @staticmethod
    def _refuse_high_s(token: str) -> None:
        try:
            high = is_high_s(token)
        except (ValueError, TypeError) as exc:
            raise Unauthorized("The token is malformed.") from exc
        if high:
            raise Unauthorized("The token's signature is not in its canonical (low-S) form.")

    def _decode(self, token: str, key: Any) -> dict[str, Any]:
        options = {"require_exp": True, "require_aud": True, "require_iss": True,
                   "require_sub": True, "require_iat": True, "leeway": self.leeway}
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=[ALGORITHM], audience=self.audience, issuer=self.issuer,
                options=options,
            )
        except (JOSEError, ValueError, TypeError, KeyError) as exc:
            raise Unauthorized("The token is not valid for this service.") from exc
        if int(claims["exp"]) - int(claims["iat"]) > MAX_LIFETIME_SECONDS + self.leeway:
            raise Unauthorized("The token lives longer than allowed.")
        if int(claims["iat"]) > time.time() + self.leeway:
            raise Unauthorized("The token is not yet valid.")
        return claims

    @staticmethod
    def _principal(claims: dict[str, Any]) -> Principal:
        roles, province = claims.get("roles", []), claims.get("province")
        if not isinstance(roles, list) or not isinstance(province, str):
            raise Unauthorized("The token lacks roles or province.")
        aud, owner = claims["aud"], claims.get("owner")
        return Principal(
            sub=str(claims["sub"]), roles=frozenset(str(r) for r in roles) & ROLES,
            province=province, jti=str(claims.get("jti", "")), exp=int(claims["exp"]),
            audience=tuple(aud) if isinstance(aud, list) else (str(aud),),
            owner=owner if isinstance(owner, str) and owner else None,
        )

    async def _key_for(self, kid: Any) -> Any:
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("The token names no key.")
        if kid not in self._keys or self._stale():
            await self._refresh()
        key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("The token was signed with an unknown key.")
        return key

    def _stale(self) -> bool:
        return time.monotonic() - self._keys_loaded_at > self._cache_seconds

    async def _refresh(self) -> None:
        # An unknown kid refetches at most once per refresh_floor, so a stream of garbage kids
        # cannot hammer identity; a genuinely new key is seen within that floor.
        if self._keys and time.monotonic() - self._fetched_at < self._refresh_floor:
            return
        self._fetched_at = time.monotonic()
        try:
            self._install(await self._fetch())
        except (httpx.HTTPError, OSError, ValueError, TypeError, AttributeError, JOSEError) as exc:
            if not self._keys:
                # The token may well be good: 503 (try again), not 401 (get another one).
                raise DependencyUnavailable("Signing keys are not available; try again.") \
                    from exc

    async def _fetch(self) -> dict[str, Any]:
        if self._source is not None:
            return await self._source()
        if self._jwks_file is not None:
            data: dict[str, Any] = json.loads(self._jwks_file.read_text())
            return data
        if not self._jwks_url:
            raise ValueError("no JWKS source configured")
        http = self._http or httpx.AsyncClient(timeout=5)
        try:
            response = await http.get(self._jwks_url)
            response.raise_for_status()
            fetched: dict[str, Any] = response.json()
            return fetched
        finally:
            if self._http is None:
                await http.aclose()

    def _install(self, jwks: dict[str, Any]) -> None:
        keys = {}
        for item in jwks.get("keys", []):
            if item.get("kty") == "EC" and item.get("crv") == "P-256" and item.get("kid"):
                keys[item["kid"]] = jwk.construct(item, ALGORITHM)
        self._keys, self._keys_loaded_at = keys, time.monotonic()


def utc_from_timestamp(ts: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, dt.UTC)
