"""PortTrust over HTTP from inside Jasmin's interceptor daemon: standard library only.

The daemon runs interceptor scripts one at a time on Twisted's reactor thread, so every call
here is synchronous and bounded by short timeouts; module state (the token, the whitelist copy)
lives as long as the daemon does.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

# A child of Jasmin's interceptor logger, so decisions land in interceptor.log beside Jasmin's;
# Jasmin's own lines there stay at WARNING (they carry numbers in clear), these at INFO.
log = logging.getLogger("jasmin-interceptor-pb.porttrust")
log.setLevel(logging.INFO)


class Unavailable(Exception):
    """PortTrust did not give an answer that can be acted on (network, timeout, 5xx, 401)."""


@dataclass(frozen=True)
class Config:
    token_url: str
    registry_url: str
    whitelist_url: str
    client_id: str
    client_secret: str
    timeout: float = 0.5
    fail_open: bool = False
    whitelist_file: str = ""
    whitelist_refresh: float = 60.0
    multipart: str = "refuse"  # or "per_part"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if env is None else env)
        identity = env.get("PORTTRUST_IDENTITY_URL", "http://127.0.0.1:8000").rstrip("/")
        policy = env.get("PORTTRUST_FAIL_POLICY", "closed")
        if policy not in ("closed", "open"):
            raise ValueError("PORTTRUST_FAIL_POLICY must be closed or open")
        multipart = env.get("PORTTRUST_MULTIPART", "refuse")
        if multipart not in ("refuse", "per_part"):
            raise ValueError("PORTTRUST_MULTIPART must be refuse or per_part")
        return cls(
            token_url=env.get("PORTTRUST_TOKEN_URL", identity + "/v1/token"),
            registry_url=env.get("PORTTRUST_REGISTRY_URL", "http://127.0.0.1:8001").rstrip("/"),
            whitelist_url=env.get("PORTTRUST_WHITELIST_URL", "http://127.0.0.1:8003").rstrip("/"),
            client_id=env.get("PORTTRUST_CLIENT_ID", ""),
            client_secret=env.get("PORTTRUST_CLIENT_SECRET", ""),
            timeout=float(env.get("PORTTRUST_TIMEOUT_SECONDS", "0.5")),
            fail_open=policy == "open",
            whitelist_file=env.get("PORTTRUST_WHITELIST_FILE", ""),
            whitelist_refresh=float(env.get("PORTTRUST_WHITELIST_REFRESH_SECONDS", "60")),
            multipart=multipart)


@dataclass
class Client:
    config: Config
    _token: str = ""
    _token_until: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def token(self) -> str:
        """A cached client-credentials token, renewed a minute before it expires."""
        with self._lock:
            if self._token and time.monotonic() < self._token_until:
                return self._token
            form = urllib.parse.urlencode({
                "grant_type": "client_credentials", "client_id": self.config.client_id,
                "client_secret": self.config.client_secret}).encode()
            try:
                body = self._send(urllib.request.Request(
                    self.config.token_url, data=form, method="POST",
                    headers={"Content-Type": "application/x-www-form-urlencoded"}))
            except (_Rejected, Refused) as error:
                raise Unavailable(f"token: {error}") from None
            self._token = str(body["access_token"])
            self._token_until = time.monotonic() + max(float(body.get("expires_in", 300)) - 60, 5)
            return self._token

    def post(self, url: str, payload: dict[str, Any], *,
             headers: dict[str, str] | None = None) -> dict[str, Any]:
        for attempt in (1, 2):
            request = urllib.request.Request(
                url, data=json.dumps(payload).encode(), method="POST",
                headers={"Content-Type": "application/json",
                         "Authorization": "Bearer " + self.token(), **(headers or {})})
            try:
                return self._send(request)
            except _Rejected as rejected:
                if rejected.status != 401 or attempt == 2:
                    raise Unavailable(f"HTTP {rejected.status}") from None
                self.forget_token()  # identity rotated keys or the token expired early
        raise AssertionError("unreachable")

    def get(self, url: str) -> dict[str, Any]:
        request = urllib.request.Request(
            url, headers={"Authorization": "Bearer " + self.token()})
        try:
            return self._send(request)
        except _Rejected as rejected:
            raise Unavailable(f"HTTP {rejected.status}") from None

    def forget_token(self) -> None:
        with self._lock:
            self._token, self._token_until = "", 0.0

    def _send(self, request: urllib.request.Request) -> dict[str, Any]:
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:
                loaded: dict[str, Any] = json.loads(response.read() or b"{}")
                return loaded
        except urllib.error.HTTPError as error:
            status = error.code
            error.close()
            if status >= 500 or status in (401, 403, 429):
                raise _Rejected(status) from None
            raise Refused(status) from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise Unavailable(type(error).__name__) from None


class _Rejected(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class Refused(Exception):
    """PortTrust answered the request as invalid (4xx other than auth and rate limits)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
