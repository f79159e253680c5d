"""Agreements (R3, R4). A holder's supplementary agreement with the operator obliges it to
report true user units; a user unit's service agreement with the holder of its port forbids
transfer, renting, subletting and out-of-scope use and obliges it to keep its sending logs.
The user of a port must be its contract signer: a sub-port is complete only when its user
unit holds a service agreement with its port's holder (`service_agreement()`)."""

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.errors import Unprocessable
from porttrust_shared.pagination import Keyset
from porttrust_shared.tokens import Principal
from registry.models import Agreement, AuditEvent, Organization, Port, SubPort
from registry.schemas.records import AgreementIn
from registry.service.organizations import get_organization
from registry.service.scope import nameable_organization

SUPPLEMENTARY, SERVICE = "holder_supplementary", "service"
REQUIRED_CLAUSES = {
    SUPPLEMENTARY: ("report_true_user_units",),
    SERVICE: ("no_transfer", "no_rent", "no_sublet", "no_out_of_scope", "retain_logs"),
}


def service_agreement() -> ColumnElement[bool]:
    """SQL, over SubPort: its user unit has a service agreement with its port's holder."""
    return exists(select(Agreement.id).join(Port, Port.holder_uscc == Agreement.counterparty_uscc)
                  .where(Port.number == SubPort.port_number,
                         Agreement.organization_uscc == SubPort.user_unit_uscc,
                         Agreement.kind == SERVICE))


async def with_service_agreement(session: AsyncSession, numbers: list[str]) -> set[str]:
    """The sub-ports among `numbers` whose user unit signed with their port's holder."""
    if not numbers:
        return set()
    query = select(SubPort.number).where(SubPort.number.in_(numbers), service_agreement())
    return set((await session.execute(query)).scalars())


def _check(org: Organization, data: AgreementIn) -> None:
    if data.kind == SUPPLEMENTARY and data.counterparty_uscc is not None:
        raise Unprocessable("A supplementary agreement is with the operator: no "
                            "counterparty_uscc.", code="counterparty_not_allowed")
    if data.kind == SERVICE and data.counterparty_uscc in (None, org.uscc):
        raise Unprocessable("A service agreement names the holder of the unit's port in "
                            "counterparty_uscc.", code="counterparty_required")
    missing = [c for c in REQUIRED_CLAUSES[data.kind] if c not in data.clauses]
    if missing:
        raise Unprocessable("The agreement lacks required clauses: " + ", ".join(missing),
                            code="clauses_missing", missing_clauses=missing)


async def record_agreement(session: AsyncSession, *, uscc: str, data: AgreementIn,
                           actor: Principal) -> Agreement:
    """Keep a signed agreement of the organization `uscc` (any time after registration)."""
    org = await get_organization(session, uscc=uscc, actor=actor)
    _check(org, data)
    if data.counterparty_uscc:
        await nameable_organization(session, actor, data.counterparty_uscc,
                                    "counterparty_uscc", national_holders=True)
    agreement = Agreement(organization_uscc=org.uscc, province=org.province, kind=data.kind,
                          counterparty_uscc=data.counterparty_uscc, signed_at=data.signed_at,
                          document_ref=data.document_ref, document_sha256=data.document_sha256,
                          clauses=sorted(set(data.clauses)), actor=actor.sub,
                          created_at=utcnow())
    return await _keep(session, agreement)


async def _keep(session: AsyncSession, agreement: Agreement) -> Agreement:
    session.add(agreement)
    await session.flush()
    await append_audit(session, AuditEvent, actor=agreement.actor, action="agreement.recorded",
                       entity="organization", entity_id=agreement.organization_uscc,
                       province=agreement.province,
                       data={"agreement": agreement.id, "kind": agreement.kind,
                             "counterparty_uscc": agreement.counterparty_uscc,
                             "signed_at": agreement.signed_at.isoformat(),
                             "clauses": agreement.clauses})
    return agreement


async def record_port_agreement(session: AsyncSession, *, port: Port, actor: str) -> None:
    """`agreement_signed_at` given with a port: its holder's supplementary agreement."""
    if port.agreement_signed_at is None:
        return
    holder = await session.get(Organization, port.holder_uscc)
    await _keep(session, Agreement(
        organization_uscc=port.holder_uscc, province=holder.province if holder else port.province,
        kind=SUPPLEMENTARY, counterparty_uscc=None, signed_at=port.agreement_signed_at,
        document_ref=f"port registration {port.number}",
        clauses=list(REQUIRED_CLAUSES[SUPPLEMENTARY]), actor=actor, created_at=utcnow()))


async def list_agreements(
    session: AsyncSession, *, uscc: str, actor: Principal, kind: str | None,
    limit: int | None, cursor: str | None, max_limit: int = 500,
) -> tuple[list[Agreement], str | None]:
    """The organization's agreements (as either party), oldest first."""
    org = await get_organization(session, uscc=uscc, actor=actor)
    query = select(Agreement).where((Agreement.organization_uscc == org.uscc)
                                    | (Agreement.counterparty_uscc == org.uscc))
    if kind:
        query = query.where(Agreement.kind == kind)
    return await _OLDEST_FIRST.page(session, query, cursor=cursor, limit=limit,
                                    max_limit=max_limit)


_OLDEST_FIRST = Keyset(Agreement.created_at, Agreement.id)
