"""The shared machinery's tables, declared on a service's `Base` in one line each:

    AuditEvent = tables.audit(Base)
    IdempotencyRecord = tables.idempotency(Base)
    OutboxEvent, InboxEvent = tables.outbox(Base)  # a service that sends and takes events

Each is its mixin (`audit.AuditEventMixin`, `idempotency.IdempotencyRecordMixin`,
`outbox.OutboxEventMixin`, `outbox.InboxEventMixin`) mapped under the mixin's `__tablename__`,
as a class of the mixin's name less "Mixin" in the service's models module."""

from __future__ import annotations

from typing import TypeVar, cast

from sqlalchemy.orm import DeclarativeBase

from porttrust_shared.audit import AuditEventMixin
from porttrust_shared.idempotency import IdempotencyRecordMixin
from porttrust_shared.outbox import InboxEventMixin, OutboxEventMixin

M = TypeVar("M")


def audit(base: type[DeclarativeBase]) -> type[AuditEventMixin]:
    return _mapped(AuditEventMixin, base)


def idempotency(base: type[DeclarativeBase]) -> type[IdempotencyRecordMixin]:
    return _mapped(IdempotencyRecordMixin, base)


def outbox(base: type[DeclarativeBase]) -> tuple[type[OutboxEventMixin], type[InboxEventMixin]]:
    return _mapped(OutboxEventMixin, base), _mapped(InboxEventMixin, base)


def _mapped(mixin: type[M], base: type[DeclarativeBase]) -> type[M]:
    name = mixin.__name__.removesuffix("Mixin")
    return cast("type[M]", type(name, (mixin, base), {"__module__": base.__module__}))
