"""An answer's JSON text, written as pydantic writes a `SendCheckRead` (fields in order,
UTF-8, no spaces), without building it as objects first: a batch writes a thousand.

A message that fits a template (a `Fit`) is written from that template's explanation with
only the fixed parts' places filled in: the rest of the text is the same for every message
the template fits, so it is made once per template and kept. Every other answer (a refusal
explained part by part, no template) is written by pydantic's JSON writer from `answer`'s
values. The tests hold every text to pydantic's bytes.
"""

from json.encoder import encode_basestring
from typing import Any, NamedTuple

from pydantic import TypeAdapter

from registry.service.matching import Variable
from registry.service.matching.matcher import Fit
from registry.service.monitoring import decide
from registry.service.send_check.verdict import Asked, Best, answer, masked

_BOOL = {True: "true", False: "false"}
_JSON: TypeAdapter[Any] = TypeAdapter(Any)


def _text(value: str) -> str:
    """A JSON string, as a %-format's constant part."""
    return str(encode_basestring(value)).replace("%", "%%")


def _form(fit: Fit) -> str:
    """The explanation of any message `fit`'s template fits, as a %-format of its fixed
    parts' places; made once per template of an index (rebuilt when templates change)."""
    form: str | None = fit.memo[fit.order]
    if form is None:
        ref = fit.key
        parts = [f'{{"template_id":{_text(ref.id)},"template_status":{_text(ref.status)},'
                 f'"template_kind":{_text(ref.kind)},"matched":true,"segments":['
                 '{"index":0,"part":"signature","ok":true}']
        for index, segment in enumerate(fit.template.segments, start=1):
            if isinstance(segment, Variable):
                parts.append(f',{{"index":{index},"part":"variable","ok":true,'
                             f'"name":{_text(segment.name)},"type":{_text(segment.type)}}}')
            else:
                parts.append(f',{{"index":{index},"part":"fixed","ok":true,"position":%d}}')
        form = fit.memo[fit.order] = "".join(parts) + "]}"
    return form


_REASONS: dict[tuple[str, ...], str] = {}


def _reasons(reasons: list[str]) -> str:
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
    if best.__class__ is not Fit:
        found = answer(check, phone, reasons, best, monitored=monitored)
        return Written(_JSON.dump_json(found).decode(), found["recipient"], found["allowed"],
                       found["enforced"], found["template_id"])
    fit: Fit = best
    recipient = masked(check.recipient, phone)
    allowed, enforced = decide(reasons, monitored=monitored)
    return Written(fitted(check.sub_port, recipient, allowed, enforced, reasons, fit),
                   recipient, allowed, enforced, fit.key.id)


def fitted(sub_port: str, recipient: str, allowed: bool, enforced: bool, reasons: list[str],
           fit: Fit) -> str:
    """The answer's text for a message that fits its template (`fit`)."""
    return (f'{{"sub_port":{encode_basestring(sub_port)},'
            f'"recipient":{encode_basestring(recipient)},"allowed":{_BOOL[allowed]},'
            f'"enforced":{_BOOL[enforced]},"reasons":{_reasons(reasons)},'
            f'"template_id":{encode_basestring(fit.key.id)},'
            f'"explanation":{_form(fit) % fit.positions}}}')


def batch_text(texts: list[str]) -> str:
    """A `SendCheckBatchRead` of written answers."""
    return '{"results":[' + ",".join(texts) + "]}"
