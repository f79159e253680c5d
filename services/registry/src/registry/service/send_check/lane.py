"""The usual check in one pass: most of a gateway's traffic is a plain mobile number, an
active sub-port the caller may see, and a message that fits one of its approved templates
(opted out or not), with no promotion on a service port. Such a message is answered here,
with what the general path (verdict.py, render.py) answers for it but without its steps:
no reason lists built part by part, no answer values to write. Every other message is left
to the general path (None), which explains refusals part by part. The tests hold the two
paths to the same answers and the same log rows.

Compiled with mypyc (registry.compiled): what it calls per message is kept in compiled
modules, or is one call into the standard library.
"""

import datetime as dt
from collections.abc import Callable, Container, Sequence
from functools import partial
from json.encoder import encode_basestring
from typing import Any

from porttrust_shared.pii import PiiCipher
from porttrust_shared.validators import PortClass, port_class
from registry.service.matching.kept import Kept
from registry.service.matching.keywords import marketing_suspects, marketing_wording
from registry.service.matching.normalize import normalize_all, split_raw
from registry.service.opt_outs import PHONE
from registry.service.send_check.keyed import keyed
from registry.service.send_check.phone_keys import phone_key
from registry.service.send_check.render import fitted_text, reasons_text
from registry.service.send_check.verdict import Asked, Snapshot
from registry.service.send_log import CONTENT_FIELD
from registry.service.send_log_writer import LogRow

Answered = tuple[str, LogRow]
# A log row made as a plain tuple of its fields (a NamedTuple's own constructor is Python).
ROW: Callable[[tuple[Any, ...]], LogRow] = partial(tuple.__new__, LogRow)
_NOTHING: Container[int] = frozenset()
# The two lists of reasons a usual check answers, and their JSON: shared by its log rows (no
# one changes a row's reasons once made).
_OPTED_OUT: list[str] = ["recipient_opted_out"]
_NONE: list[str] = []
_OPTED_OUT_TEXT, _NONE_TEXT = reasons_text(_OPTED_OUT), reasons_text(_NONE)


def _m2m(number: str) -> bool:
    return port_class(number) is PortClass.M2M


# Whether a sub-port number is an M2M port's (`port_class`, a call into Python), remembered:
# a gateway sends for the same sub-ports over and over.
_M2M: Kept[bool] = Kept(_m2m, 65536)


def plain_mobile(raw: str) -> bool:
    """`check_mobile(raw) == raw`, decided without it: 11 ASCII digits, 1 then 3-9."""
    return len(raw) == 11 and raw.isascii() and raw.isdigit() and raw[0] == "1" \
        and raw[1] in "3456789"


def masked_mobile(phone: str) -> str:
    """`mask_phone(phone)` of a plain mobile (11 characters)."""
    return phone[:3] + "****" + phone[7:]


def usual(snapshot: Snapshot, checks: Sequence[Asked], *, now: dt.datetime, actor: str,
          cipher: PiiCipher, texts: list[str] | None = None) -> list[Answered | None]:
    """Per check, its answer's text and log row when it is the usual case, else None."""
    subs, templates, opted = snapshot.subs, snapshot.templates, snapshot.opted
    found: list[Answered | None] = [None] * len(checks)
    phones, contents = keyed(cipher, PHONE), keyed(cipher, CONTENT_FIELD)
    if texts is None:  # each check's content normalised (`normalize_all`)
        texts = normalize_all([check.content for check in checks])
    suspects = marketing_suspects(texts)
    last: str | None = None
    province, index, keys, service, written = "", None, _NOTHING, False, ""
    # Sub-port by sub-port: each one's state, matcher and opt-outs are looked up once.
    numbers = [check.sub_port for check in checks]
    for at in sorted(range(len(checks)), key=numbers.__getitem__):
        check = checks[at]
        number, recipient, content = check.sub_port, check.recipient, check.content
        if number != last:
            last, sub = number, subs.get(number)
            if sub is None or sub.status != "active" or _M2M.get(number):
                index = None
            else:
                province, index = sub.province, templates.get(number)
                written = encode_basestring(number)
                keys = opted.get(number, _NOTHING)
                service = sub.business_type != "marketing"
        if index is None or not plain_mobile(recipient):
            continue
        normalized = texts[at]
        signature, body = split_raw(normalized)
        fit = index.fitting_raw(signature, body) if signature is not None else None
        if fit is None or fit.key.status != "approved" or (
                service and (fit.key.kind == "marketing" or (
                    (suspects is None or at in suspects) and marketing_wording(normalized)))):
            continue
        phone_index = phones.hex(recipient)
        opted_out = phone_key(phone_index) in keys
        masked = masked_mobile(recipient)
        text = fitted_text(written, masked, not opted_out, True,
                           _OPTED_OUT_TEXT if opted_out else _NONE_TEXT, fit)
        found[at] = (text, ROW((
            now, number, province, phone_index, masked, not opted_out, True,
            _OPTED_OUT if opted_out else _NONE,
            fit.key.id, actor, contents.hex(content),
            len(content))))
    return found
