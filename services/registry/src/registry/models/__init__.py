"""Registry tables, one module per domain thing. Importing the package registers every
table in `Base.metadata` (migrations, tests); take the tables from here."""

from registry.models.base import (
    AuditEvent,
    Base,
    EntityVersion,
    IdempotencyRecord,
    InboxEvent,
    OutboxEvent,
)
from registry.models.complaints import Complaint, ComplaintReview
from registry.models.imports import ImportJob, ImportRowError
from registry.models.messaging import (
    GatewayViolation,
    MessageTemplate,
    MoMessage,
    OptOut,
    SendLogEntry,
    Signature,
)
from registry.models.organizations import Handler, Organization
from registry.models.ports import (
    BackfillCampaign,
    Port,
    Restriction,
    SanctionReview,
    SubPort,
    SubPortTransition,
    WhitelistEntry,
)
from registry.models.records import Agreement, Inaccuracy, ProgressSnapshot

__all__ = [
    "Agreement", "AuditEvent", "BackfillCampaign", "Base", "Complaint", "ComplaintReview",
    "EntityVersion", "GatewayViolation", "Handler", "IdempotencyRecord", "ImportJob",
    "ImportRowError", "Inaccuracy", "InboxEvent", "MessageTemplate", "MoMessage", "OptOut",
    "Organization", "OutboxEvent", "Port", "ProgressSnapshot", "Restriction", "SanctionReview",
    "SendLogEntry", "Signature", "SubPort", "SubPortTransition", "WhitelistEntry",
]
