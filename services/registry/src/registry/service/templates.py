"""Templates: registration rules, four-eyes decisions, and the compiled form checks use (R4-R6)."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.errors import Conflict, NotFound, Unprocessable
from porttrust_shared.tokens import Principal
from registry.models import AuditEvent, MessageTemplate, SubPort
from registry.schemas.messaging import TemplateCreate, TemplateRead, VariableRead
from registry.service.matching import (
    CompiledTemplate,
    TemplateRules,
    TemplateSyntaxError,
    compile_template,
    rule_violations,
)
from registry.service.scope import ensure_other_person, keyset_page, visible
from registry.service.signatures import ensure_registered
from registry.service.sub_ports import get_sub_port

ENTITY = "template"


def compiled(row: Any) -> CompiledTemplate:
    """A MessageTemplate, or any row with its text and allowed_domains."""
    return compile_template(row.text, tuple(row.allowed_domains or ()))


def to_read(row: MessageTemplate) -> TemplateRead:
    template = compiled(row)
    return TemplateRead(
        id=row.id, sub_port=row.sub_port_number, text=row.text, kind=row.kind,
        signature=template.signature, fixed_chars=template.fixed_chars,
        variables=[VariableRead(name=v.name, type=v.type, max=v.max)
                   for v in template.variables],
        allowed_domains=list(row.allowed_domains or []), status=row.status,
        created_by=row.created_by, created_at=row.created_at, decided_by=row.decided_by,
        decided_at=row.decided_at, decision_reason=row.decision_reason, version=row.version)


def _problems(sub: SubPort, data: TemplateCreate, rules: TemplateRules) -> list[str]:
    try:
        template = compile_template(data.text, tuple(data.allowed_domains))
    except TemplateSyntaxError as exc:
        return [exc.code]
    # R4: one sub-port, one purpose; a service port never registers marketing text.
    fits = data.kind == sub.business_type
    return ([] if fits else ["kind_mismatch"]) + rule_violations(template, kind=data.kind,
                                                                 rules=rules)


async def _audit(session: AsyncSession, row: MessageTemplate, actor: Principal,
                 action: str) -> None:
    await append_audit(session, AuditEvent, actor=actor.sub, action=action, entity=ENTITY,
                       entity_id=row.id, province=row.province,
                       data={"sub_port": row.sub_port_number, "kind": row.kind,
                             "status": row.status, "version": row.version,
                             "reason": row.decision_reason})


async def register_template(session: AsyncSession, *, number: str, data: TemplateCreate,
                            actor: Principal, rules: TemplateRules) -> MessageTemplate:
    """A new template starts pending; someone other than its author decides on it."""
    sub = await get_sub_port(session, number=number, actor=actor)
    if sub.status == "cancelled":
        raise Conflict("A cancelled sub-port registers no templates.", code="sub_port_cancelled")
    if problems := _problems(sub, data, rules):
        raise Unprocessable("The template breaks these rules: " + ", ".join(problems) + ".",
                            code=problems[0], problems=problems)
    await ensure_registered(
        session, sub, compile_template(data.text, tuple(data.allowed_domains)).signature)
    now = utcnow()
    row = MessageTemplate(sub_port_number=sub.number, province=sub.province, text=data.text,
                          kind=data.kind, allowed_domains=sorted(set(data.allowed_domains)),
                          status="pending", created_by=actor.sub, created_person=actor.person,
                          version=1, created_at=now,
                          updated_at=now)
    session.add(row)
    await session.flush()
    await _audit(session, row, actor, "template.registered")
    return row


async def get_template(session: AsyncSession, *, template_id: str,
                       actor: Principal) -> MessageTemplate:
    row = await session.get(MessageTemplate, template_id)
    if row is None or not visible(actor, row.province):
        raise NotFound("No such template.")
    return row


async def decide_template(session: AsyncSession, *, template_id: str, approve: bool,
                          reason: str | None, actor: Principal) -> MessageTemplate:
    row = await get_template(session, template_id=template_id, actor=actor)
    ensure_other_person(actor, row.created_by, row.created_person, "template")
    if row.status != "pending":
        raise Conflict("This template was decided already.", code="already_decided",
                       current_status=row.status)
    if approve:  # the unit may have changed, or the signature been rejected, since
        sub = await session.get(SubPort, row.sub_port_number)
        if sub is not None:
            await ensure_registered(session, sub, compiled(row).signature)
    row.status = "approved" if approve else "rejected"
    row.decided_by, row.decided_at, row.decision_reason = actor.sub, utcnow(), reason
    row.version += 1
    row.updated_at = row.decided_at
    await session.flush()
    await _audit(session, row, actor, f"template.{row.status}")
    return row


async def list_templates(session: AsyncSession, *, number: str, actor: Principal,
                         status: str | None, limit: int | None, cursor: str | None,
                         max_limit: int = 500) -> tuple[list[MessageTemplate], str | None]:
    sub = await get_sub_port(session, number=number, actor=actor)
    # Visibility was settled by get_sub_port above: no further province filter.
    return await keyset_page(session, MessageTemplate, key="id", actor=None,
                             filters={"sub_port_number": sub.number, "status": status},
                             cursor=cursor, limit=limit, max_limit=max_limit)
