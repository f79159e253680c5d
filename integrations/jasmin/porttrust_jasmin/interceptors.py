"""The two decisions Jasmin asks of PortTrust: may this MT go out, and what did this MO say.

`mt(routable)` and `mo(routable)` return Jasmin's `(smpp_status, http_status)`: `(None, None)`
lets the message through unchanged. The interceptor scripts in `scripts/` are two lines that
call these, because Jasmin runs a script flat with `eval` and copies it into its store when it
is added: the logic lives here, installed in Jasmin's environment, and is updated by a plain
`pip install`, without re-adding the scripts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from dataclasses import dataclass
from typing import Any

from porttrust_jasmin.client import Client, Config, Refused, Unavailable, log
from porttrust_jasmin.content import address, message_of
from porttrust_jasmin.whitelist import WhitelistCopy

ESME_RSUBMITFAIL = 0x45
ESME_RX_T_APPN = 0x64  # "temporary application error": the SMSC delivers the MO again later
HTTP_FORBIDDEN = 403
HTTP_UNAVAILABLE = 503
PASS: tuple[int | None, int | None] = (None, None)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[str, ...]
    by: str  # porttrust | whitelist_copy | fail_closed | fail_open | multipart


@dataclass
class Runtime:
    config: Config
    client: Client
    whitelist: WhitelistCopy


_runtime: Runtime | None = None


def runtime() -> Runtime:
    """Built once per interceptor daemon from its environment (the token and copy are kept)."""
    global _runtime
    if _runtime is None:
        config = Config.from_env()
        client = Client(config)
        seed = tuple(n for n in os.environ.get("PORTTRUST_WHITELIST_NUMBERS", "").split(",") if n)
        _runtime = Runtime(config, client, WhitelistCopy(
            client, path=config.whitelist_file, refresh_seconds=config.whitelist_refresh,
            seed=seed))
    return _runtime


def masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def decide(rt: Runtime, *, sub_port: str, recipient: str, pdu: Any) -> Decision:
    message = message_of(pdu)
    rt.whitelist.seen(sub_port)
    if message.part is not None and rt.config.multipart == "refuse":
        return Decision(False, ("multipart_not_checkable",), "multipart")
    try:
        answer = rt.client.post(rt.config.registry_url + "/v1/send-checks", {
            "sub_port": sub_port, "recipient": recipient, "content": message.text})
    except Refused as refused:
        return Decision(False, (f"request_refused_{refused.status}",), "porttrust")
    except Unavailable as down:
        if rt.whitelist.covers(sub_port):
            return Decision(True, ("porttrust_unavailable", str(down)), "whitelist_copy")
        return Decision(rt.config.fail_open, ("porttrust_unavailable", str(down)),
                        "fail_open" if rt.config.fail_open else "fail_closed")
    return Decision(bool(answer.get("allowed")), tuple(answer.get("reasons") or ()), "porttrust")


def mt(routable: Any) -> tuple[int | None, int | None]:
    """MT interceptor: PortTrust's send check; refused → ESME_RSUBMITFAIL / HTTP 403."""
    params = routable.pdu.params
    sub_port, recipient = address(params.get("source_addr")), address(
        params.get("destination_addr"))
    started = time.perf_counter()
    decision = decide(runtime(), sub_port=sub_port, recipient=recipient, pdu=routable.pdu)
    log.info("porttrust mt %s from %s to %s by %s reasons=%s in %.1f ms",
             "allowed" if decision.allowed else "refused", sub_port, masked(recipient),
             decision.by, ",".join(decision.reasons) or "-",
             (time.perf_counter() - started) * 1000)
    return PASS if decision.allowed else (ESME_RSUBMITFAIL, HTTP_FORBIDDEN)


def idempotency_key(routable: Any, text: str) -> str:
    params, connector = routable.pdu.params, getattr(routable, "connector", None)
    parts = [str(getattr(connector, "cid", "")), str(getattr(routable.pdu, "seqNum", "")),
             address(params.get("source_addr")), address(params.get("destination_addr")), text]
    return "jasmin-mo-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def is_receipt(params: dict[str, Any]) -> bool:
    esm = params.get("esm_class")
    kind = getattr(getattr(esm, "type", None), "name", "")
    return "receipted_message_id" in params or kind.endswith("DELIVERY_RECEIPT")


def mo(routable: Any) -> tuple[int | None, int | None]:
    """MO interceptor: every reply goes to PortTrust, so an opt-out reaches the next check.

    PortTrust unreachable → a temporary error to the SMSC, which delivers the reply again:
    an opt-out is never dropped. A reply PortTrust refuses as invalid passes on (logged)."""
    params = routable.pdu.params
    if is_receipt(params):
        return PASS
    rt, text = runtime(), message_of(routable.pdu).text
    sender, sub_port = address(params.get("source_addr")), address(params.get("destination_addr"))
    body = {"sub_port": sub_port, "sender": sender, "text": text,
            "received_at": dt.datetime.now(dt.UTC).isoformat()}
    try:
        rt.client.post(rt.config.registry_url + "/v1/mo-messages", body,
                       headers={"Idempotency-Key": idempotency_key(routable, text)})
    except Refused as refused:
        log.warning("porttrust mo to %s from %s refused HTTP %s: passed on",
                    sub_port, masked(sender), refused.status)
        return PASS
    except Unavailable as down:
        log.warning("porttrust mo to %s from %s not delivered (%s): SMSC asked to retry",
                    sub_port, masked(sender), down)
        return ESME_RX_T_APPN, HTTP_UNAVAILABLE
    log.info("porttrust mo to %s from %s recorded", sub_port, masked(sender))
    return PASS
