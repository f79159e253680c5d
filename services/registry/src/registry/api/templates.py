from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from porttrust_shared.deps import SessionDep
from porttrust_shared.idempotency import IdempotencyDep
from porttrust_shared.pagination import Page
from registry.deps import Cursor, Limit, SettingsDep, StatusReader, Writer
from registry.schemas.messaging import ApproveIn, RejectIn, TemplateCreate, TemplateRead
from registry.service import templates as svc
from registry.service.matching import TemplateRules

router = APIRouter(tags=["templates"])
Status = Literal["pending", "approved", "rejected"]


def _rules(settings: SettingsDep) -> TemplateRules:
    return TemplateRules(min_fixed_chars=settings.template_min_fixed_chars,
                         min_fixed_share=settings.template_min_fixed_share)


RulesDep = Annotated[TemplateRules, Depends(_rules)]


@router.post("/v1/sub-ports/{number}/templates", status_code=201, response_model=TemplateRead)
async def register_template(number: str, data: TemplateCreate, session: SessionDep,
                            actor: Writer, rules: RulesDep,
                            idem: IdempotencyDep) -> JSONResponse:
    """Register a message template for a sub-port; it starts pending."""

    async def produce() -> TemplateRead:
        row = await svc.register_template(session, number=number, data=data, actor=actor,
                                          rules=rules)
        return svc.to_read(row)

    return await idem.run(produce)


@router.get("/v1/sub-ports/{number}/templates")
async def list_templates(number: str, session: SessionDep, actor: StatusReader,
                         settings: SettingsDep, limit: Limit = None, cursor: Cursor = None,
                         status: Status | None = None) -> Page[TemplateRead]:
    """A sub-port's templates, optionally by status."""
    rows, after = await svc.list_templates(session, number=number, actor=actor, status=status,
                                           limit=limit, cursor=cursor,
                                           max_limit=settings.page_limit_max)
    return Page(items=[svc.to_read(r) for r in rows], next_cursor=after)


@router.get("/v1/templates/{template_id}")
async def get_template(template_id: str, session: SessionDep,
                       actor: StatusReader) -> TemplateRead:
    """One template with its signature, variables and decision."""
    return svc.to_read(await svc.get_template(session, template_id=template_id, actor=actor))


@router.post("/v1/templates/{template_id}/approve")
async def approve_template(template_id: str, session: SessionDep, actor: Writer,
                           data: ApproveIn | None = None) -> TemplateRead:
    """Approve a pending template; its author cannot."""
    row = await svc.decide_template(session, template_id=template_id, approve=True,
                                    reason=(data or ApproveIn()).reason, actor=actor)
    return svc.to_read(row)


@router.post("/v1/templates/{template_id}/reject")
async def reject_template(template_id: str, data: RejectIn, session: SessionDep,
                          actor: Writer) -> TemplateRead:
    """Reject a pending template, with a reason; its author cannot."""
    row = await svc.decide_template(session, template_id=template_id, approve=False,
                                    reason=data.reason, actor=actor)
    return svc.to_read(row)
