"""The general path's pure steps (compiled: registry.compiled), for the checks the usual pass
(lane.py) leaves: each check's reasons found one by one (verdict.py), then its answer written
(render.py) and its log row made. The package's `_explained` runs the two around the one step
that may read the database (template monitoring decides which refusals are waived).
"""

import datetime as dt
from collections.abc import Sequence

from porttrust_shared.pii import PiiCipher
from registry.service.opt_outs import PHONE
from registry.service.send_check.keyed import keyed
from registry.service.send_check.lane import ROW, Answered, plain_mobile
from registry.service.send_check.render import written
from registry.service.send_check.verdict import Asked, Best, Snapshot, recipient_phone, verdict
from registry.service.send_log import CONTENT_FIELD
from registry.service.send_log_writer import LogRow

Found = tuple[list[str | None], list[str | None], list[tuple[list[str], Best | None]]]


def verdicts(snapshot: Snapshot, checks: Sequence[Asked], cipher: PiiCipher,
             texts: Sequence[str] | None = None) -> Found:
    """Each check's phone (None: not a mainland mobile), its blind index, and its verdict
    (`texts`: the checks' contents already normalised, if they are)."""
    phones = keyed(cipher, PHONE)
    found = [check.recipient if plain_mobile(check.recipient)
             else recipient_phone(check.recipient) for check in checks]
    indexes = [phones.hex(phone) if phone else None for phone in found]
    normalized: Sequence[str | None] = [None] * len(checks) if texts is None else texts
    return found, indexes, [verdict(snapshot, check, phone, index, text) for check, phone, index,
                            text in zip(checks, found, indexes, normalized, strict=True)]


def answers(snapshot: Snapshot, checks: Sequence[Asked], found: Found, waived: set[str], *,
            now: dt.datetime, actor: str, cipher: PiiCipher) -> list[Answered]:
    """Each check's answer as text, and its log row (`waived`: the sub-ports in template
    monitoring)."""
    contents, subs, answered = keyed(cipher, CONTENT_FIELD), snapshot.subs, []
    for check, phone, index, (reasons, best) in zip(checks, *found, strict=True):
        text, recipient, allowed, enforced, template = written(
            check, phone, reasons, best, monitored=check.sub_port in waived)
        sub = subs.get(check.sub_port)
        answered.append((text, ROW((
            now, check.sub_port, sub.province if sub else None, index, recipient, allowed,
            enforced, reasons, template, actor, contents.hex(check.content),
            len(check.content)))))
    return answered


def unanswered(answered: Sequence[Answered | None]) -> list[int]:
    """Where the usual pass left a check to the general path."""
    return [n for n in range(len(answered)) if answered[n] is None]


def split(answered: Sequence[Answered | None]) -> tuple[list[str], list[LogRow]]:
    """Every check's answer text and log row, in order (each check answered)."""
    texts, rows = [], []
    for found in answered:
        assert found is not None
        texts.append(found[0])
        rows.append(found[1])
    return texts, rows
