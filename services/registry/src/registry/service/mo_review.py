"""Replies the rules could not decide, decided by a person; a phone's opt-outs (R5, R8)."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.errors import Conflict, NotFound
from porttrust_shared.pagination import Keyset
from porttrust_shared.pii import PiiCipher, mask_phone, scrub
from porttrust_shared.tokens import Principal
from registry.models import AuditEvent, MoMessage, OptOut, SubPort
from registry.schemas.consent import MoDecisionIn, MoMessageItem, OptOutItem
from registry.service.opt_outs import PHONE, TEXT, remember_opt_out
from registry.service.scope import visible

DECIDED_BY_PERSON = "person"


def to_item(mo: MoMessage, cipher: PiiCipher) -> MoMessageItem:
    return MoMessageItem(
        id=mo.id, sub_port=mo.sub_port_number,
        sender=mask_phone(cipher.decrypt(mo.phone_enc, field=PHONE)),
        text=scrub(cipher.decrypt(mo.text_enc, field=TEXT)), opt_out=mo.opt_out,
        undecided=mo.undecided, rule=mo.rule, received_at=mo.received_at,
        decided_by=mo.decided_by, decided_at=mo.decided_at)


async def list_mo_messages(session: AsyncSession, *, actor: Principal, cipher: PiiCipher,
                           undecided: bool | None, sub_port: str | None, limit: int | None,
                           cursor: str | None, max_limit: int,
                           ) -> tuple[list[MoMessageItem], str | None]:
    """Replies in the caller's province, by id; reading them is audited (R8)."""
    query = select(MoMessage)
    if actor.province_scope is not None:
        query = query.where(MoMessage.province == actor.province_scope)
    if undecided is not None:
        query = query.where(MoMessage.undecided.is_(undecided))
    if sub_port:
        query = query.where(MoMessage.sub_port_number == sub_port)
    page, after = await Keyset(MoMessage.id).page(session, query, cursor=cursor, limit=limit,
                                                  max_limit=max_limit)
    await append_audit(session, AuditEvent, actor=actor.sub, action="mo_messages.viewed",
                       entity="mo_message", entity_id="list", province=actor.province_scope,
                       data={"ids": [mo.id for mo in page]})
    return [to_item(mo, cipher) for mo in page], after


async def decide_mo_message(session: AsyncSession, *, mo_id: str, data: MoDecisionIn,
                            actor: Principal, cipher: PiiCipher) -> MoMessage:
    """A person's reading of an unclear reply; an opt-out takes effect at once."""
    mo = await session.get(MoMessage, mo_id, with_for_update=True)
    if mo is None or not visible(actor, mo.province):
        raise NotFound("No such reply.")
    if not mo.undecided:
        raise Conflict("This reply was decided already.", code="already_decided")
    mo.undecided, mo.opt_out = False, data.opt_out
    mo.decided_by, mo.decided_at = actor.sub, utcnow()
    phone = mask_phone(cipher.decrypt(mo.phone_enc, field=PHONE))
    await append_audit(session, AuditEvent, actor=actor.sub, action="mo_message.decided",
                       entity="mo_message", entity_id=mo.id, province=mo.province,
                       data={"sub_port": mo.sub_port_number, "phone": phone,
                             "opt_out": data.opt_out, "rule": mo.rule,
                             "reason": None if data.reason is None else scrub(data.reason)})
    if data.opt_out:
        await remember_opt_out(session, mo, DECIDED_BY_PERSON, actor.sub, phone)
    await session.flush()
    return mo


async def search_opt_outs(session: AsyncSession, *, phone: str, actor: Principal,
                          cipher: PiiCipher) -> list[OptOutItem]:
    """Every sub-port (in the caller's province) this phone opted out of; the search is
    audited with the phone masked."""
    query = (select(OptOut, SubPort.province)
             .join(SubPort, SubPort.number == OptOut.sub_port_number)
             .where(OptOut.phone_index == cipher.blind_index(phone, field=PHONE))
             .order_by(OptOut.created_at, OptOut.id))
    if actor.province_scope is not None:
        query = query.where(SubPort.province == actor.province_scope)
    rows = (await session.execute(query)).all()
    await append_audit(session, AuditEvent, actor=actor.sub, action="opt_out.searched",
                       entity="opt_out", entity_id=mask_phone(phone),
                       province=actor.province_scope, data={"found": len(rows)})
    return [OptOutItem(sub_port=o.sub_port_number, province=province, phone=mask_phone(phone),
                       keyword=o.keyword, received_at=o.received_at, created_at=o.created_at)
            for o, province in rows]
