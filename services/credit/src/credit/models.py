from sqlalchemy.orm import DeclarativeBase

from porttrust_shared.audit import AuditEventMixin
from porttrust_shared.db import new_metadata
from porttrust_shared.idempotency import IdempotencyRecordMixin
from porttrust_shared.outbox import InboxEventMixin, OutboxEventMixin


class Base(DeclarativeBase):
    metadata = new_metadata()


class AuditEvent(AuditEventMixin, Base):
    __tablename__ = "audit_events"


class IdempotencyRecord(IdempotencyRecordMixin, Base):
    __tablename__ = "idempotency_records"


class OutboxEvent(OutboxEventMixin, Base):
    __tablename__ = "outbox_events"


class InboxEvent(InboxEventMixin, Base):
    __tablename__ = "inbox_events"
