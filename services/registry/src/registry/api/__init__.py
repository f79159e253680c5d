from fastapi import APIRouter

from registry.api import (
    audit,
    backfill,
    complaints,
    handlers,
    mo_messages,
    organizations,
    ports,
    send_checks,
    sub_ports,
    templates,
    trace,
)

router = APIRouter()
for module in (organizations, handlers, ports, sub_ports, trace, audit, complaints, backfill):
    router.include_router(module.router)
for module in (templates, send_checks, mo_messages):
    router.include_router(module.router)
