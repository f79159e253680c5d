"""An answer's JSON text, written as pydantic writes a `SendCheckRead` (fields in order,
UTF-8, no spaces), without building it as objects first: a batch writes a thousand.

A message that fits a template (a `Fit`) is written from that template's explanation with
only the fixed parts' places filled in: the rest of the text is the same for every message
the template fits, so it is made once per template and kept. A refusal is written part by
part from its `Miss` (the places found, where the walk stopped, the variables' reasons); one
that stopped before any part (another signature, the first fixed part) is explained by the
same text every time, also kept per template. The tests hold every text to pydantic's bytes
of `verdict.answer`'s values.
"""

from json.encoder import encode_basestring
from typing import Any, NamedTuple

from pydantic import TypeAdapter

from registry.service.matching import Variable
from registry.service.matching.matcher import Fit, Miss
from registry.service.monitoring import decide
from registry.service.send_check.verdict import Asked, Best, masked

_BOOL = {True: "true", False: "false"}
_JSON: TypeAdapter[Any] = TypeAdapter(Any)


def _form(fit: Fit) -> tuple[str, ...]:
    """The end of the answer to any message `fit`'s template fits, from its template id on,
    as the texts between its fixed parts' places; made once per template of an index (rebuilt
    when templates change)."""
    form: tuple[str, ...] | None = fit.memo[fit.order]
    if form is None:
        ref = fit.key
        text = (f',"template_id":{encode_basestring(ref.id)},"explanation":'
                f'{{"template_id":{encode_basestring(ref.id)},'
                f'"template_status":{encode_basestring(ref.status)},'
                f'"template_kind":{encode_basestring(ref.kind)},"matched":true,"segments":['
                '{"index":0,"part":"signature","ok":true}')
        pieces = []
        for index, segment in enumerate(fit.template.segments, start=1):
            if isinstance(segment, Variable):
                text += (f',{{"index":{index},"part":"variable","ok":true,'
                         f'"name":{encode_basestring(segment.name)},'
                         f'"type":{encode_basestring(segment.type)}}}')
            else:
                pieces.append(text + f',{{"index":{index},"part":"fixed","ok":true,"position":')
                text = "}"
        pieces.append(text + "]}}")
        form = fit.memo[fit.order] = tuple(pieces)
    return form


_REASONS: dict[tuple[str, ...], str] = {}


def reasons_text(reasons: list[str]) -> str:
    """The reasons as JSON text, as pydantic writes them."""
    key = tuple(reasons)
    text = _REASONS.get(key)
    if text is None:
        text = _JSON.dump_json(reasons).decode()
        if len(_REASONS) < 4096:  # reason codes are a closed set: a few dozen lists in all
            _REASONS[key] = text
    return text


class Written(NamedTuple):
    """An answer's text, and what the send log keeps of it."""

    text: str
    recipient: str
    allowed: bool
    enforced: bool
    template_id: str | None


def written(check: Asked, phone: str | None, reasons: list[str], best: Best | None, *,
            monitored: bool) -> Written:
    """The answer `verdict.answer` gives, written."""
    recipient = masked(check.recipient, phone)
    allowed, enforced = decide(reasons, monitored=monitored)
    if isinstance(best, Fit):
        return Written(fitted(check.sub_port, recipient, allowed, enforced, reasons, best),
                       recipient, allowed, enforced, best.key.id)
    return Written(missed(check.sub_port, recipient, allowed, enforced, reasons, best),
                   recipient, allowed, enforced, None)


def fitted(sub_port: str, recipient: str, allowed: bool, enforced: bool, reasons: list[str],
           fit: Fit) -> str:
    """The answer's text for a message that fits its template (`fit`)."""
    return fitted_text(encode_basestring(sub_port), recipient, allowed, enforced,
                       reasons_text(reasons), fit)


def fitted_text(sub_port: str, recipient: str, allowed: bool, enforced: bool, reasons: str,
                fit: Fit) -> str:
    """`fitted`, the sub-port and the reasons already written as JSON (`encode_basestring`,
    `reasons_text`)."""
    texts = [f'{{"sub_port":{sub_port},'
             f'"recipient":{encode_basestring(recipient)},"allowed":{_BOOL[allowed]},'
             f'"enforced":{_BOOL[enforced]},"reasons":{reasons}']
    pieces, positions = _form(fit), fit.positions
    for at in range(len(positions)):  # a place after each piece but the last
        texts.append(pieces[at])
        texts.append(str(positions[at]))
    texts.append(pieces[-1])
    return "".join(texts)


def missed(sub_port: str, recipient: str, allowed: bool, enforced: bool, reasons: list[str],
           miss: Miss | None) -> str:
    """The answer's text for a message no template fits (`miss`: the template that explains
    why; None: the check never reached the templates, or there are none)."""
    return (f'{{"sub_port":{encode_basestring(sub_port)},'
            f'"recipient":{encode_basestring(recipient)},"allowed":{_BOOL[allowed]},'
            f'"enforced":{_BOOL[enforced]},"reasons":{reasons_text(reasons)},'
            '"template_id":null,'
            f'"explanation":{"null" if miss is None else _explanation(miss)}}}')


def _explanation(miss: Miss) -> str:
    if miss.positions or miss.checks:
        return _explained(miss)
    # Stopping before any part is reached (another signature, the first fixed part not
    # found) explains every such message alike: its text is made once per template and kept.
    kept: dict[int | None, str] | None = miss.memo[miss.order]
    if kept is None:
        kept = miss.memo[miss.order] = {}
    text = kept.get(miss.stop)
    if text is None:
        text = kept[miss.stop] = _explained(miss)
    return text


def _explained(miss: Miss) -> str:
    ref = miss.key
    return (f'{{"template_id":{encode_basestring(ref.id)},'
            f'"template_status":{encode_basestring(ref.status)},'
            f'"template_kind":{encode_basestring(ref.kind)},"matched":false,"segments":['
            + ",".join(_parts(miss)) + "]}")


_SIGNATURE = {True: '{"index":0,"part":"signature","ok":true}',
              False: '{"index":0,"part":"signature","ok":false,"reason":"signature_mismatch",'
                     '"position":0}'}


def _parts(miss: Miss) -> list[str]:
    """`miss.segment_dicts()`, each as JSON text."""
    stop, positions, checks = miss.stop, miss.positions, miss.checks
    parts = [_SIGNATURE[stop != 0]]
    fixed = reached = 0
    for index, segment in enumerate(miss.template.segments, start=1):
        if isinstance(segment, Variable):
            ok = _ok(checks[reached]) if reached < len(checks) else "null"
            reached += 1
            parts.append(f'{{"index":{index},"part":"variable","ok":{ok},'
                         f'"name":{encode_basestring(segment.name)},'
                         f'"type":{encode_basestring(segment.type)}}}')
        elif fixed < len(positions):
            parts.append(f'{{"index":{index},"part":"fixed","ok":true,'
                         f'"position":{positions[fixed]}}}')
            fixed += 1
        else:
            parts.append(_fixed(index, miss))
    if stop == len(miss.template.segments) + 1:
        parts.append(_fixed(stop, miss))
    return parts


def _ok(reason: str | None) -> str:
    return "true" if reason is None else f'false,"reason":{encode_basestring(reason)}'


def _fixed(index: int, miss: Miss) -> str:
    """A fixed part not found: the one that failed, or one after it."""
    if index != miss.stop:
        return f'{{"index":{index},"part":"fixed","ok":null}}'
    return (f'{{"index":{index},"part":"fixed","ok":false,"reason":"fixed_text_mismatch",'
            f'"position":{miss.at}}}')


def batch_text(texts: list[str]) -> str:
    """A `SendCheckBatchRead` of written answers."""
    return '{"results":[' + ",".join(texts) + "]}"
