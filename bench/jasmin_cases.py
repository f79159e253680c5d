"""Jasmin with PortTrust's MT interceptor vs the same Jasmin without it: what the check adds to
each message a real gateway accepts.

Both gateways run side by side (own ports, Redis, RabbitMQ vhost) and forward to one minimal
SMSC; the load is Jasmin's HTTP API `GET /send` with the same body on both sides, a message
that fits the sub-port's approved template. PortTrust runs as the four real services on
PostgreSQL. Needs `integrations/jasmin/bin/setup` (Jasmin's own environment), RabbitMQ and
`redis-server` on the machine.
"""

from __future__ import annotations

import secrets
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench import harness
from bench.cases import Context, case
from bench.harness import Request, Verdict
from porttrust_dev.stack import SERVICES, Stack, service_ports
from porttrust_jasmin.gateway import PortTrustAccess
from porttrust_jasmin.rig import Rig, rig
from porttrust_jasmin.smsc import Smsc
from tests.helpers_flows import (
    Api,
    approved_template,
    created,
    password_token,
    register_active,
    second_admin,
)

ROOT = Path(__file__).resolve().parent.parent
JASMIN_PYTHON = ROOT / "integrations" / "jasmin" / ".venv" / "bin" / "python"
# No budget was set for this figure: it is measured so an operator can size a gateway. The
# guard catches a regression of the kind that costs a round trip per message (a token fetch).
BUDGET = 25.0
TEMPLATE = "【好物商城】会员{name:text:10}您好，积分{points:digits}即将到期，回T退订"
MESSAGE = "【好物商城】会员小王您好，积分320即将到期，回T退订"
PHONE = "13912345678"


@contextmanager
def porttrust(work_dir: Path, urls: dict[str, str], password: str) -> Iterator[Stack]:
    stack = Stack(var_dir=work_dir / "porttrust", database_urls=urls, admin_password=password,
                  ports=service_ports(),
                  extra_env={f"{s.upper()}_LOG_LEVEL": "WARNING" for s in SERVICES})
    try:
        stack.start_all()
        yield stack
    finally:
        stack.stop_all()


def marketing_sub_port(stack: Stack, password: str) -> tuple[str, dict[str, str]]:
    """A sub-port with an approved template, and a gateway client's credentials."""
    admin = Api(stack, password_token(stack, "admin", password))
    reviewer = second_admin(stack)  # a second, independent person (four eyes)
    shop = register_active(admin, 901, business_type="marketing")
    approved_template(admin, reviewer, shop.sub_port, TEMPLATE, "marketing")
    client = created(admin.post("identity", "/v1/clients", {
        "name": "bench-jasmin", "roles": ["gateway"], "province": "HQ"}))
    return shop.sub_port, client


def send_request(gateway: Rig, sub_port: str) -> Request:
    user, password = gateway.gateway.customer
    query = urllib.parse.urlencode({
        "username": user, "password": password, "to": PHONE, "from": sub_port, "coding": 8,
        "hex-content": MESSAGE.encode("utf-16-be").hex()})
    return Request("GET", f"http://127.0.0.1:{gateway.gateway.ports['http']}/send?{query}")


@case("jasmin_interceptor",
      "Jasmin HTTP /send with PortTrust's MT interceptor vs the same Jasmin without it")
async def jasmin_interceptor(ctx: Context) -> list[Verdict]:
    if not JASMIN_PYTHON.exists():
        raise RuntimeError("Jasmin's environment is missing: run integrations/jasmin/bin/setup")
    password, names = "bench-" + secrets.token_urlsafe(12), {}
    for service in SERVICES:
        names[service] = harness.asyncpg_url(
            await harness.fresh_postgres(f"pt_bench_jasmin_{service}"))
    try:
        with ExitStack() as running:
            stack = running.enter_context(porttrust(ctx.work_dir, names, password))
            sub_port, client = marketing_sub_port(stack, password)
            access = PortTrustAccess(
                identity_url=stack.url("identity"), registry_url=stack.url("registry"),
                whitelist_url=stack.url("whitelist"), client_id=client["client_id"],
                client_secret=client["client_secret"], timeout_seconds=2.0)
            smsc = Smsc().start()
            running.callback(smsc.stop)
            checked = running.enter_context(rig(ctx.work_dir / "with", JASMIN_PYTHON, access,
                                                smsc=smsc))
            bare = running.enter_context(rig(ctx.work_dir / "without", JASMIN_PYTHON, access,
                                             intercept=False, smsc=smsc))
            candidate, baseline = await harness.generate_pair(
                send_request(checked, sub_port), send_request(bare, sub_port), ctx.load)
    finally:
        for service in SERVICES:
            await harness.drop_postgres(f"pt_bench_jasmin_{service}")
    return [harness.judge("jasmin_interceptor", candidate, baseline, budget=BUDGET)]
