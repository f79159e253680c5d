from fastapi import APIRouter

from registry.api import (
    audit,
    backfill,
    complaints,
    handlers,
    organizations,
    ports,
    sub_ports,
    trace,
)

router = APIRouter()
for module in (organizations, handlers, ports, sub_ports, trace, audit, complaints, backfill):
    router.include_router(module.router)
