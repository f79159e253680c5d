from fastapi import APIRouter

from registry.api import (
    agreements,
    audit,
    backfill,
    complaints,
    gateway_violations,
    handlers,
    imports,
    inaccuracies,
    mo_messages,
    numbers,
    organizations,
    ports,
    progress,
    reports,
    self_check,
    send_checks,
    signatures,
    sub_ports,
    templates,
    trace,
)

router = APIRouter()
# One flat list of routes, not a router of routers: FastAPI matches an included router's
# routes through a wrapper per level, which cost more than the rest of a GET's routing.
# The modules' routers carry no prefix or dependencies of their own (their tags are set on
# each route when it is declared), so their routes are taken as they are.
# imports first: its /v1/sub-ports/export must win over /v1/sub-ports/{number}. sub-ports next,
# as routes are tried in order and its GET is the busiest (no later path overlaps its own).
for module in (imports, sub_ports, organizations, handlers, ports, trace, audit, reports,
               complaints, backfill, templates, send_checks, mo_messages, signatures,
               self_check, agreements, inaccuracies, gateway_violations, progress, numbers):
    router.routes.extend(module.router.routes)
