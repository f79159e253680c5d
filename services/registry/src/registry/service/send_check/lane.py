"""The usual check in one pass: most of a gateway's traffic is a plain mobile number, an
active sub-port the caller may see, and a message that fits one of its approved templates
(opted out or not), with no promotion on a service port. Such a message is answered here,
with what the general path (verdict.py, render.py) answers for it but without its steps:
no reason lists built part by part, no answer values to write. Every other message is left
to the general path (None), which explains refusals part by part. The tests hold the two
paths to the same answers and the same log rows.
"""

import datetime as dt
from collections.abc import Sequence

from porttrust_shared.pii import PiiCipher, mask_phone
from porttrust_shared.validators import PortClass, port_class
from registry.service.matching.keywords import marketing_wording
from registry.service.matching.normalize import normalize, split_normalized
from registry.service.opt_outs import PHONE
from registry.service.send_check.render import fitted
from registry.service.send_check.state import phone_key
from registry.service.send_check.verdict import Asked, Snapshot
from registry.service.send_log import content_digest
from registry.service.send_log_writer import LogRow

Answered = tuple[str, LogRow]


def plain_mobile(raw: str) -> bool:
    """`check_mobile(raw) == raw`, decided without it: 11 ASCII digits, 1 then 3-9."""
    return len(raw) == 11 and raw.isascii() and raw.isdigit() and raw[0] == "1" \
        and raw[1] in "3456789"


def usual(snapshot: Snapshot, checks: Sequence[Asked], *, now: dt.datetime, actor: str,
          cipher: PiiCipher) -> list[Answered | None]:
    """Per check, its answer's text and log row when it is the usual case, else None."""
    subs, templates, opted = snapshot.subs, snapshot.templates, snapshot.opted
    found: list[Answered | None] = [None] * len(checks)
    # Sub-port by sub-port: each one's matcher and opt-outs are fetched from memory once.
    for at in sorted(range(len(checks)), key=lambda n: checks[n].sub_port):
        check = checks[at]
        number, recipient, content = check.sub_port, check.recipient, check.content
        sub = subs.get(number)
        if sub is None or sub.status != "active" or not plain_mobile(recipient) \
                or port_class(number) is PortClass.M2M:
            continue
        normalized = normalize(content)
        signature, body = split_normalized(normalized)
        index = templates.get(number)
        fit = index.fitting(signature, body) if index is not None and signature is not None \
            else None
        if fit is None or fit.key.status != "approved" or (
                sub.business_type != "marketing"
                and (fit.key.kind == "marketing" or marketing_wording(normalized))):
            continue
        phone_index = cipher.blind_index(recipient, field=PHONE)
        reasons = ["recipient_opted_out"] if phone_key(phone_index) in opted.get(number, ()) \
            else []
        masked = mask_phone(recipient)
        allowed = not reasons
        found[at] = (fitted(number, masked, allowed, True, reasons, fit), LogRow(
            now, number, sub.province, phone_index, masked, allowed, True, reasons,
            fit.key.id, actor, content_digest(content, cipher), len(content)))
    return found
