"""Is a recipient's reply an opt-out? Rules in `opt_out_rules` (data), applied here.

The rule, in order:
1. An opt-out phrase anywhere, not negated → opt-out ("请不要再发了 退订").
2. A phrase after an unclear word ("还没退订?") → undecided, for a person.
3. No keyword token outside a negation → not an opt-out ("不退订", "don't stop", "好的").
4. Keyword tokens with nothing beside them but filler → opt-out ("T", "回复TD", "STOP please").
5. A keyword token among other words ("N 我再想想", "see you at the end") or beside a negated
   phrase ("不退订 T") → undecided.
"""

import re
from dataclasses import dataclass
from typing import Literal

from registry.service.matching import opt_out_rules as rules
from registry.service.matching.normalize import normalize

Outcome = Literal["opt_out", "not_opt_out", "undecided"]
_TOKEN = re.compile(r"[a-z0-9']+|[\u3400-\u9fff]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_FILLER_CJK = sorted((f for f in rules.FILLER if _CJK.match(f)), key=len, reverse=True)
_NEGATION_EN = re.compile(r"(?:^|[^a-z'])(?:" + "|".join(
    re.escape(n) for n in rules.NEGATIONS_EN) + r")\s*$")


@dataclass(frozen=True, slots=True)
class ReplyDecision:
    outcome: Outcome
    rule: str | None  # the keyword or phrase that decided it (≤ 16 characters)


def fold(text: str) -> str:
    return normalize(text).replace("’", "'").replace("‘", "'").casefold()


def _before_is(before: str, words: tuple[str, ...]) -> bool:
    before = before.rstrip()
    return any(before.endswith(word) for word in words if _CJK.match(word))


def _negated(before: str) -> bool:
    return _before_is(before, rules.NEGATIONS_ZH) or _NEGATION_EN.search(before) is not None


def _phrase_hits(folded: str) -> list[tuple[str, str]]:
    """(phrase, what stands right before it) for every occurrence of every phrase."""
    hits = []
    for phrase in rules.PHRASES:
        for found in re.finditer(re.escape(phrase), folded):
            if not phrase.isascii() or _word_edges(folded, found.start(), found.end()):
                hits.append((phrase, folded[:found.start()]))
    return hits


def _word_edges(text: str, start: int, end: int) -> bool:
    """An English phrase is not part of a longer word ("unsubscribed" still counts)."""
    return start == 0 or not text[start - 1].isalnum()


def _strip_filler(token: str) -> str:
    if not _CJK.match(token):
        return "" if token in rules.FILLER else token
    for filler in _FILLER_CJK:
        token = token.replace(filler, "")
    return token


def _keywords(folded: str) -> tuple[list[str], list[str]]:
    """Keyword tokens not negated, and the other (non-filler) tokens."""
    keywords, others = [], []
    for found in _TOKEN.finditer(folded):
        word = _strip_filler(found.group())
        if word in rules.KEYWORDS:
            if not _negated(folded[:found.start()]):
                keywords.append(word)
        elif word:
            others.append(word)
    return keywords, others


def classify_reply(text: str) -> ReplyDecision:
    folded = fold(text)
    hits = _phrase_hits(folded)
    clear = [phrase for phrase, before in hits if not _negated(before)
             and not _before_is(before, rules.UNCLEAR_ZH)]
    if clear:
        return ReplyDecision("opt_out", clear[0])
    if any(_before_is(before, rules.UNCLEAR_ZH) for _, before in hits):
        return ReplyDecision("undecided", hits[0][0])
    keywords, others = _keywords(folded)
    if not keywords:
        return ReplyDecision("not_opt_out", None)
    # A keyword beside other words, or beside a negated phrase ("不退订 T"), is unclear.
    return ReplyDecision("undecided" if others or hits else "opt_out", keywords[0])
