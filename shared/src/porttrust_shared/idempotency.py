"""Idempotency-Key on creating POSTs: a retried request gets the first answer, not a twin."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import JSON, Integer, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from porttrust_shared.audit import canonical
from porttrust_shared.db import UTCDateTime, utcnow
from porttrust_shared.deps import PrincipalDep, SessionDep
from porttrust_shared.errors import Conflict, Unprocessable
from porttrust_shared.openapi import declare_statuses
from porttrust_shared.state import ServiceState
from porttrust_shared.tokens import Principal


class IdempotencyRecordMixin:
    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    principal: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(128))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (UniqueConstraint("principal", "key"),)

    if TYPE_CHECKING:  # mapped subclasses accept their columns as keywords

        def __init__(self, **kwargs: Any) -> None: ...


Produce = Callable[[], Awaitable[Any]]


class Idempotency:
    def __init__(self, session: AsyncSession, model: type[IdempotencyRecordMixin] | None,
                 principal: Principal, key: str | None, fingerprint: str) -> None:
        self.session, self.model, self.principal = session, model, principal
        self.key, self.fingerprint = key, fingerprint

    async def run(self, produce: Produce, *, status: int = 201,
                  redact: tuple[str, ...] = ()) -> JSONResponse:
        """Run `produce` once per key; replay its stored answer for a repeat.

        Fields in `redact` (a secret shown once) are not stored, so a replay omits them.
        """
        if self.key is None or self.model is None:
            return JSONResponse(jsonable_encoder(await produce()), status_code=status)
        model = self.model
        found = (await self.session.execute(
            select(model).where(model.principal == self.principal.sub, model.key == self.key)
        )).scalar_one_or_none()
        if found is not None:
            if found.fingerprint != self.fingerprint:
                raise Conflict("This Idempotency-Key was used for a different request.")
            return JSONResponse(found.body, status_code=found.status,
                                headers={"Idempotent-Replayed": "true"})
        body = jsonable_encoder(await produce())
        stored = {k: v for k, v in body.items() if k not in redact} if redact else body
        self.session.add(model(principal=self.principal.sub, key=self.key,
                               fingerprint=self.fingerprint, status=status, body=stored))
        await self.session.flush()
        return JSONResponse(body, status_code=status)


async def _idempotency(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> Idempotency:
    if idempotency_key is not None and not idempotency_key.strip():
        raise Unprocessable("Idempotency-Key must not be blank.")
    body = await request.body()
    digest = hashlib.sha256(canonical([request.method, request.url.path]) + body).hexdigest()
    model = ServiceState.of(request.app).idempotency_model
    return Idempotency(session, model, principal, idempotency_key, digest)


# 409: the key was used for a different request; 422: a blank key.
IdempotencyDep = Annotated[Idempotency, Depends(declare_statuses(_idempotency, 409, 422))]


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
