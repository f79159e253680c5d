"""Recipients' replies (mo messages) and the opt-outs they make (R5): honoured at once."""

import contextlib
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.pii import PiiCipher, mask_phone
from porttrust_shared.tokens import Principal
from registry.models import AuditEvent, MoMessage, OptOut, SubPort
from registry.schemas.messaging import MoMessageIn
from registry.service.matching.replies import ReplyDecision, classify_reply
from registry.service.scope import ensure_visible

PHONE = "phone"  # the cipher field every service uses for phones, so indexes agree
TEXT = "mo_text"


async def remember_opt_out(session: AsyncSession, mo: MoMessage, keyword: str,
                           actor: str, phone_masked: str) -> None:
    """The opt-out a reply makes (the first one per sub-port and phone is kept), audited."""
    known = (await session.execute(select(OptOut.id).where(
        OptOut.sub_port_number == mo.sub_port_number,
        OptOut.phone_index == mo.phone_index))).first()
    if known is None:
        await _keep_first(session, OptOut(
            sub_port_number=mo.sub_port_number, phone_index=mo.phone_index,
            phone_enc=mo.phone_enc, keyword=keyword, mo_message_id=mo.id,
            received_at=mo.received_at, created_at=utcnow()))
    await append_audit(session, AuditEvent, actor=actor, action="opt_out.recorded",
                       entity="opt_out", entity_id=mo.id, province=mo.province,
                       data={"sub_port": mo.sub_port_number, "phone": phone_masked,
                             "keyword": keyword})
    await session.flush()


async def _keep_first(session: AsyncSession, opt_out: OptOut) -> None:
    """A reply from the same phone racing this one may have made the opt-out meanwhile: the
    first is kept, and this reply is still recorded (not a 409 from the unique key)."""
    with contextlib.suppress(IntegrityError):
        async with session.begin_nested():
            session.add(opt_out)


async def record_mo_message(session: AsyncSession, *, data: MoMessageIn, actor: Principal,
                            cipher: PiiCipher) -> tuple[MoMessage, ReplyDecision]:
    """Keep the reply; an opt-out stops that sub-port messaging that phone, an unclear
    reply waits for a person (`GET /v1/mo-messages?undecided=true`)."""
    sub = await session.get(SubPort, data.sub_port)
    sub = ensure_visible(actor, sub, sub.province if sub else None, "sub-port")
    decision = classify_reply(data.text)
    mo = MoMessage(sub_port_number=sub.number, province=sub.province,
                   phone_index=cipher.blind_index(data.sender, field=PHONE),
                   phone_enc=cipher.encrypt(data.sender, field=PHONE),
                   text_enc=cipher.encrypt(data.text, field=TEXT),
                   opt_out=decision.outcome == "opt_out",
                   undecided=decision.outcome == "undecided", rule=decision.rule,
                   received_at=data.received_at, actor=actor.sub, created_at=utcnow())
    session.add(mo)
    await session.flush()
    if mo.opt_out and decision.rule is not None:
        await remember_opt_out(session, mo, decision.rule, actor.sub, mask_phone(data.sender))
    return mo, decision


async def opted_out(session: AsyncSession, *, numbers: Iterable[str],
                    phone_indexes: Iterable[str]) -> set[tuple[str, str]]:
    """(sub-port, phone index) pairs with an opt-out, among those asked about."""
    numbers, phone_indexes = set(numbers), set(phone_indexes)
    if not numbers or not phone_indexes:
        return set()
    rows = await session.execute(select(OptOut.sub_port_number, OptOut.phone_index).where(
        OptOut.sub_port_number.in_(numbers), OptOut.phone_index.in_(phone_indexes)))
    return {(row[0], row[1]) for row in rows}
