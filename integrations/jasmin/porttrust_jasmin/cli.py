"""`jasmin-up` / `jasmin-down`: one Jasmin gateway with PortTrust's interceptors.

PortTrust is reached with the same variables the interceptors read (PORTTRUST_IDENTITY_URL,
PORTTRUST_REGISTRY_URL, PORTTRUST_WHITELIST_URL, PORTTRUST_CLIENT_ID, PORTTRUST_CLIENT_SECRET,
PORTTRUST_TIMEOUT_SECONDS, PORTTRUST_FAIL_POLICY, ...); see integrations/jasmin/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from porttrust_jasmin.client import Config
from porttrust_jasmin.gateway import DEFAULT_PORTS, Gateway, PortTrustAccess, Upstream


def _host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host or "127.0.0.1", int(port)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jasmin-up", description=__doc__.splitlines()[0])
    p.add_argument("command", choices=["up", "down"])
    p.add_argument("--home", type=Path, default=Path("var/jasmin"),
                   help="configs, logs, store, locks and pids of this gateway")
    p.add_argument("--upstream", type=_host_port, help="the SMSC to bind to, HOST:PORT")
    p.add_argument("--smsc-system-id", default="porttrust")
    p.add_argument("--smsc-password", default="pt-smsc")
    p.add_argument("--customer", default="customer:cust-pw",
                   help="USER:PASSWORD of the gateway's SMPP/HTTP customer (password ≤ 8)")
    listeners = ", ".join(f"{k}={v}" for k, v in DEFAULT_PORTS.items())
    p.add_argument("--port", action="append", default=[], metavar="NAME=NUMBER",
                   help="move a listener: " + listeners)
    p.add_argument("--redis", default="127.0.0.1:6379/0", help="HOST:PORT/DB for Jasmin")
    p.add_argument("--vhost", default="porttrust-jasmin", help="RabbitMQ vhost (made, dropped)")
    p.add_argument("--no-intercept", action="store_true",
                   help="no PortTrust interceptors (a baseline for the bench)")
    return p


def gateway_from(args: argparse.Namespace) -> Gateway:
    config = Config.from_env()
    ports = dict(DEFAULT_PORTS)
    for item in args.port:
        name, _, number = item.partition("=")
        if name not in ports:
            raise SystemExit(f"unknown listener {name!r}")
        ports[name] = int(number)
    redis_at, _, db = args.redis.partition("/")
    user, _, password = args.customer.partition(":")
    host, port = args.upstream or ("127.0.0.1", 2776)
    upstream = Upstream(host, port, system_id=args.smsc_system_id, password=args.smsc_password)
    return Gateway(
        home=args.home.resolve(), python=Path(sys.executable),
        porttrust=PortTrustAccess(
            identity_url=os.environ.get("PORTTRUST_IDENTITY_URL", "http://127.0.0.1:8000"),
            registry_url=config.registry_url, whitelist_url=config.whitelist_url,
            client_id=config.client_id, client_secret=config.client_secret,
            timeout_seconds=config.timeout, fail_policy="open" if config.fail_open else "closed",
            whitelist_refresh_seconds=config.whitelist_refresh, multipart=config.multipart),
        upstream=upstream,
        ports=ports, customer=(user, password), redis=(*_host_port(redis_at), int(db or 0)),
        vhost=args.vhost, intercept=not args.no_intercept)


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    gateway = gateway_from(args)
    if args.command == "down":
        gateway.stop()
        print(f"Jasmin in {gateway.home} stopped; vhost {gateway.vhost} dropped")
        return
    gateway.start()
    print(json.dumps(gateway.describe(), indent=2))


if __name__ == "__main__":
    main()
