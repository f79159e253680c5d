"""Registered signatures (签名报备, R5): who may sign as whom, decided by a second person."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.errors import Conflict, NotFound, Unprocessable
from porttrust_shared.pagination import Keyset
from porttrust_shared.tokens import Principal
from registry.models import AuditEvent, Signature, SubPort
from registry.schemas.consent import SignatureCreate, SignatureRead
from registry.service.matching.normalize import squeeze
from registry.service.organizations import get_organization
from registry.service.scope import ensure_other_person, visible

ENTITY = "signature"
MIN_LEN, MAX_LEN = 2, 20  # as a template's 【signature】


class SignatureNotRegistered(Unprocessable):
    """A template's 【signature】 that is not an approved signature of its sub-port's unit."""

    def __init__(self) -> None:
        super().__init__("The template's 【signature】 is not an approved signature of the "
                         "sub-port's user unit; register it first "
                         "(POST /v1/organizations/{uscc}/signatures).",
                         code="signature_not_registered",
                         problems=["signature_not_registered"])


def names_unit(text: str, unit_name: str) -> bool:
    """The signature is (part of) the unit's registered name, width and case aside."""
    return squeeze(text).casefold() in squeeze(unit_name).casefold()


def _clean(text: str) -> str:
    text = squeeze(text)
    if "【" in text or "】" in text or not MIN_LEN <= len(text) <= MAX_LEN:
        raise Unprocessable(f"A signature is {MIN_LEN}-{MAX_LEN} characters, without 【】.",
                            code="signature_syntax")
    return text


def to_read(row: Signature) -> SignatureRead:
    return SignatureRead.model_validate(row, from_attributes=True)


async def _audit(session: AsyncSession, row: Signature, actor: Principal, action: str) -> None:
    await append_audit(session, AuditEvent, actor=actor.sub, action=action, entity=ENTITY,
                       entity_id=row.id, province=row.province,
                       data={"organization_uscc": row.organization_uscc, "text": row.text,
                             "status": row.status, "names_unit": row.names_unit})


async def register_signature(session: AsyncSession, *, uscc: str, data: SignatureCreate,
                             actor: Principal) -> Signature:
    """A new signature starts pending; a short name or brand needs its evidence."""
    org = await get_organization(session, uscc=uscc, actor=actor)
    text = _clean(data.text)
    own = names_unit(text, org.name)
    if not own and data.evidence_ref is None:
        raise Unprocessable("A signature that is not part of the unit's name needs "
                            "evidence_ref (trademark, licence or authorisation).",
                            code="evidence_required")
    if await _live(session, org.uscc, text) is not None:
        raise Conflict("This signature is registered already.", code="signature_exists")
    row = Signature(organization_uscc=org.uscc, province=org.province, text=text,
                    names_unit=own, evidence_ref=data.evidence_ref, status="pending",
                    created_by=actor.sub, created_person=actor.person, created_at=utcnow())
    session.add(row)
    await session.flush()
    await _audit(session, row, actor, "signature.registered")
    return row


async def _live(session: AsyncSession, uscc: str, text: str) -> Signature | None:
    return (await session.execute(select(Signature).where(
        Signature.organization_uscc == uscc, Signature.text == text,
        Signature.status.in_(("pending", "approved"))).limit(1))).scalar_one_or_none()


async def decide_signature(session: AsyncSession, *, signature_id: str, approve: bool,
                           reason: str | None, actor: Principal) -> Signature:
    row = await session.get(Signature, signature_id, with_for_update=True)
    if row is None or not visible(actor, row.province):
        raise NotFound("No such signature.")
    ensure_other_person(actor, row.created_by, row.created_person, "signature")
    if row.status != "pending":
        raise Conflict("This signature was decided already.", code="already_decided",
                       current_status=row.status)
    row.status = "approved" if approve else "rejected"
    row.decided_by, row.decided_at, row.decision_reason = actor.sub, utcnow(), reason
    await session.flush()
    await _audit(session, row, actor, f"signature.{row.status}")
    return row


async def list_signatures(session: AsyncSession, *, uscc: str, actor: Principal,
                          status: str | None, limit: int | None, cursor: str | None,
                          max_limit: int) -> tuple[list[Signature], str | None]:
    org = await get_organization(session, uscc=uscc, actor=actor)
    query = select(Signature).where(Signature.organization_uscc == org.uscc)
    if status:
        query = query.where(Signature.status == status)
    return await Keyset(Signature.id).page(session, query, cursor=cursor, limit=limit,
                                           max_limit=max_limit)


async def approved_signatures(session: AsyncSession, uscc: str | None) -> set[str]:
    if uscc is None:
        return set()
    return set((await session.execute(select(Signature.text).where(
        Signature.organization_uscc == uscc, Signature.status == "approved"))).scalars())


async def ensure_registered(session: AsyncSession, sub: SubPort, signature: str) -> None:
    """Refuse a template whose 【signature】 its sub-port's user unit has not registered."""
    if signature not in await approved_signatures(session, sub.user_unit_uscc):
        raise SignatureNotRegistered()

