"""Outbound HTTP: service tokens from identity and a base for each typed client."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from porttrust_shared.errors import DependencyUnavailable


class ServiceTokens:
    """Client-credentials tokens from identity, one per audience, reused until near expiry."""

    def __init__(self, *, identity_url: str, client_id: str, client_secret: str,
                 http: httpx.AsyncClient) -> None:
        self._url = identity_url.rstrip("/") + "/v1/token"
        self._id, self._secret, self._http = client_id, client_secret, http
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = asyncio.Lock()

    async def token_for(self, audience: str) -> str:
        cached = self._cache.get(audience)
        if cached and cached[1] > time.monotonic() + 30:
            return cached[0]
        async with self._lock:
            form = {"grant_type": "client_credentials", "client_id": self._id,
                    "client_secret": self._secret, "audience": audience}
            try:
                response = await self._http.post(self._url, data=form)
            except httpx.HTTPError as exc:
                raise DependencyUnavailable("identity cannot be reached",
                                            service="identity") from exc
            if response.status_code != 200:
                raise DependencyUnavailable("identity refused this service's credentials",
                                            service="identity")
            try:
                body = response.json()
                token, lifetime = str(body["access_token"]), int(body.get("expires_in", 60))
            except (ValueError, KeyError, TypeError) as exc:
                raise DependencyUnavailable("identity answered an unreadable token response",
                                            service="identity") from exc
            self._cache[audience] = (token, time.monotonic() + lifetime)
            return token


class ServiceClient:
    """Base for the typed client of one remote service. Network trouble becomes a 503."""

    service: str = "service"

    def __init__(self, *, base_url: str, tokens: ServiceTokens | None, http: httpx.AsyncClient,
                 timeout: float = 5.0) -> None:
        self.base_url, self.tokens, self.http = base_url.rstrip("/"), tokens, http
        self.timeout = timeout

    async def call(self, method: str, path: str, *, json: Any = None,
                   params: dict[str, Any] | None = None) -> httpx.Response:
        headers = {}
        if self.tokens is not None:
            headers["Authorization"] = "Bearer " + await self.tokens.token_for(self.service)
        try:
            response = await self.http.request(method, self.base_url + path, json=json,
                                               params=params, headers=headers,
                                               timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise DependencyUnavailable(f"{self.service} cannot be reached",
                                        service=self.service) from exc
        if response.status_code >= 500 or response.status_code in (401, 403):
            raise DependencyUnavailable(f"{self.service} answered {response.status_code}",
                                        service=self.service)
        return response
