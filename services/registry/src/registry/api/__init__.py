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
# Routes are tried in order: the send checks first (every SMS a gateway sends crosses them; no
# other path overlaps theirs), then imports (its /v1/sub-ports/export must win over
# /v1/sub-ports/{number}), then sub-ports, whose GET is the busiest read.
for module in (send_checks, imports, sub_ports, organizations, handlers, ports, trace, audit,
               reports, complaints, backfill, templates, mo_messages, signatures,
               self_check, agreements, inaccuracies, gateway_violations, progress, numbers):
    router.routes.extend(module.router.routes)
