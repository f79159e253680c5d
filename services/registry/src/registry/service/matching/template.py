"""Template text → segments: 【signature】, then fixed text and `{name:type[:max]}` variables."""

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from registry.service.matching.keywords import has_opt_out_instruction, looks_like_marketing
from registry.service.matching.normalize import split_signature, squeeze

if TYPE_CHECKING:
    from registry.service.matching.matcher import Whole

VARIABLE_TYPES = ("digits", "text", "amount", "date", "url", "phone")
DEFAULT_MAX = 30
MAX_LIMIT = 500
MAX_VARIABLES = 10
_TOKEN = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")


class TemplateSyntaxError(ValueError):
    """The text is not a template; `code` says why, for a problem response."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Fixed:
    text: str  # squeezed: no whitespace, width-folded
    pattern: re.Pattern[str] = field(compare=False, repr=False)
    tail: re.Pattern[str] = field(compare=False, repr=False)  # the same, ending the message


@dataclass(frozen=True)
class Variable:
    name: str
    type: str
    max: int


Segment = Fixed | Variable


@dataclass(frozen=True)
class CompiledTemplate:
    signature: str
    segments: tuple[Segment, ...]
    allowed_domains: tuple[str, ...] = ()
    wording: str = ""  # the body as written, variables blanked: where instructions are read

    @cached_property
    def variables(self) -> tuple[Variable, ...]:
        return tuple(s for s in self.segments if isinstance(s, Variable))

    @cached_property
    def whole(self) -> "Whole":
        """The body as one pattern (matcher.fit), made on first use."""
        from registry.service.matching.matcher import whole  # matcher reads this module

        return whole(self.segments, self.allowed_domains)

    @property
    def fixed_chars(self) -> int:
        return sum(len(s.text) for s in self.segments if isinstance(s, Fixed))


class Shared(list):  # type: ignore[type-arg]
    """A list a weak reference can name: what indexes share is held in one (index.py), so the
    table that finds it forgets it once no index holds it (a compiled class cannot be named
    by a weak reference; this module is not compiled)."""

    __slots__ = ("__weakref__",)


@dataclass(frozen=True)
class TemplateRules:
    """A template is 'mostly fixed text' when either bound holds (configurable in Settings)."""

    min_fixed_chars: int = 15
    min_fixed_share: float = 0.5


def fixed(text: str) -> Fixed:
    """Fixed text matches with any whitespace between its characters."""
    squeezed = squeeze(text)
    source = r"\s*" + r"\s*".join(re.escape(c) for c in squeezed)
    return Fixed(squeezed, re.compile(source), re.compile(source + r"\s*\Z"))


def _variable(spec: str) -> Variable:
    parts = [p.strip() for p in spec.split(":")]
    if len(parts) not in (2, 3) or not _NAME.match(parts[0]):
        raise TemplateSyntaxError("variable_syntax", "Variables are {name:type} or "
                                  "{name:type:max}, name in letters, digits and _.")
    if parts[1] not in VARIABLE_TYPES:
        raise TemplateSyntaxError("variable_type_unknown", "Variable types are: "
                                  + ", ".join(VARIABLE_TYPES) + ".")
    if len(parts) == 3 and not (parts[2].isdigit() and 1 <= int(parts[2]) <= MAX_LIMIT):
        raise TemplateSyntaxError("variable_max", f"A variable's max is 1 to {MAX_LIMIT}.")
    return Variable(parts[0], parts[1], int(parts[2]) if len(parts) == 3 else DEFAULT_MAX)


def _segments(body: str) -> tuple[Segment, ...]:
    segments: list[Segment] = []
    position = 0
    for token in _TOKEN.finditer(body):
        if squeeze(body[position:token.start()]):
            segments.append(fixed(body[position:token.start()]))
        elif segments and isinstance(segments[-1], Variable):
            raise TemplateSyntaxError("adjacent_variables", "Two variables need fixed text "
                                      "between them, or no message could be split.")
        segments.append(_variable(token.group(1)))
        position = token.end()
    if squeeze(body[position:]):
        segments.append(fixed(body[position:]))
    if any(c in s.text for s in segments if isinstance(s, Fixed) for c in "{}"):
        raise TemplateSyntaxError("variable_syntax", "Unbalanced { or } in the template.")
    return tuple(segments)


def _check_names(segments: tuple[Segment, ...]) -> None:
    names = [s.name for s in segments if isinstance(s, Variable)]
    if len(names) > MAX_VARIABLES:
        raise TemplateSyntaxError("too_many_variables", f"At most {MAX_VARIABLES} variables.")
    if len(set(names)) != len(names):
        raise TemplateSyntaxError("duplicate_variable", "Each variable name appears once.")


# Large enough for every template a registry process checks against (50,000 in the send-check
# bench): when the send check reads the database (listener down, or its memory cannot be
# proven fresh), it rebuilds its matchers from compiled templates instead of compiling again.
@lru_cache(maxsize=65536)
def compile_template(text: str, allowed_domains: tuple[str, ...] = ()) -> CompiledTemplate:
    """Parse once; the cache is keyed by the text itself, so an edited template recompiles."""
    signature, body = split_signature(text)
    if signature is None:
        raise TemplateSyntaxError("signature_missing", "A template starts with 【signature】.")
    if not 2 <= len(signature) <= 20:
        raise TemplateSyntaxError("signature_length", "The signature inside 【】 is 2 to 20 "
                                  "characters naming the company.")
    if "{" in signature or "【" in body or "】" in body:
        raise TemplateSyntaxError("signature_syntax", "One 【signature】, at the start, "
                                  "with no variable in it.")
    segments = _segments(body)
    _check_names(segments)
    domains = tuple(sorted({d.strip().lower().strip(".") for d in allowed_domains}))
    return CompiledTemplate(signature, segments, domains, _TOKEN.sub(" … ", body))


def rule_violations(compiled: CompiledTemplate, *, kind: str, rules: TemplateRules) -> list[str]:
    """Codes of the registration rules a well-formed template still breaks."""
    problems = []
    room = compiled.fixed_chars + sum(v.max for v in compiled.variables)
    share = compiled.fixed_chars / room if room else 0.0
    if compiled.fixed_chars < rules.min_fixed_chars and share < rules.min_fixed_share:
        problems.append("not_mostly_fixed")
    if kind == "marketing" and not has_opt_out_instruction(compiled.wording):
        problems.append("opt_out_instruction_missing")
    if kind != "marketing" and looks_like_marketing(compiled.wording):
        problems.append("marketing_wording")  # R4: service ports send no promotions
    if compiled.allowed_domains and not any(v.type == "url" for v in compiled.variables):
        problems.append("allowed_domains_without_url")
    return problems
