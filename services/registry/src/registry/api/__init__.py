from fastapi import APIRouter

from registry.api import (
    audit,
    backfill,
    complaints,
    handlers,
    imports,
    mo_messages,
    organizations,
    ports,
    reports,
    send_checks,
    sub_ports,
    templates,
    trace,
)

router = APIRouter()
# imports first: its /v1/sub-ports/export must win over /v1/sub-ports/{number}.
for module in (imports, organizations, handlers, ports, sub_ports, trace, audit, reports,
               complaints, backfill):
    router.include_router(module.router)
for module in (templates, send_checks, mo_messages):
    router.include_router(module.router)
