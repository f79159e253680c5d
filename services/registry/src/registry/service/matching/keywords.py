"""Opt-out instructions and marketing markers (R5, R4); replies: `replies.py`."""

import re
from bisect import bisect_left
from itertools import accumulate

from registry.service.matching.normalize import normalize

_REPLY_WORDS = "(?:回复|回|reply|text|send)"
_OPT_WORDS = "(?:td|t|r|n|stop|unsubscribe|cancel|end|quit|退订|拒收|取消)"
# "回T退订", "退订回T", "拒收请回复R", "reply STOP": a reply verb, then the keyword to send.
OPT_OUT_INSTRUCTION = re.compile(
    _REPLY_WORDS + r"\s*[\"'“”‘’「」]?\s*" + _OPT_WORDS + r"(?![a-z])")
# Conservative on purpose: words that only promotions use, so a notification is not refused
# for saying "优惠" in an order summary; an opt-out instruction is itself a marketing marker.
_OPT_OUT_WORDING = re.compile(r"退订|拒收|unsubscribe|stop|opt.?out")
_MARKER_WORDS = ("优惠券", "促销", "特价", "限时抢购", "秒杀", "满减", "领券", "大促", "低至",
                 "折起", "清仓", "免费领", "抽奖")
MARKETING_MARKERS = re.compile(
    "|".join(_MARKER_WORDS) + r"|\bsale\b|\bdiscount\b|\d+%\s*off\b")
# Every marker holds one of these plain strings, which one fast scan finds (the markers'
# own pattern, with its \b and \d, tries each alternative at every character: ten times
# slower). A text without any of them, nearly every notification, is no promotion.
MARKER_CLUES = re.compile("|".join((*_MARKER_WORDS, "sale", "discount", "%")))
# Either clue or the opt-out wording, found in a batch's texts joined by NUL (which no
# alternative matches: each match lies inside one text).
_SUSPECT = re.compile(MARKER_CLUES.pattern + "|" + _OPT_OUT_WORDING.pattern.replace(
    "opt.?out", "opt[^\x00]?out"))


def has_opt_out_instruction(text: str) -> bool:
    return OPT_OUT_INSTRUCTION.search(normalize(text).casefold()) is not None


def looks_like_marketing(text: str) -> bool:
    return marketing_wording(normalize(text))


def marketing_wording(normalized: str) -> bool:
    """`looks_like_marketing` of a text `normalize` has already been applied to."""
    folded = normalized.casefold()
    if MARKER_CLUES.search(folded) and MARKETING_MARKERS.search(folded):
        return True
    # The wording first: rarer, and cheaper than reading the instruction.
    return _OPT_OUT_WORDING.search(folded) is not None and has_opt_out_instruction(folded)


def marketing_suspects(normalized: list[str]) -> set[int] | None:
    """The positions of the texts `marketing_wording` may find promotion in (of the others it
    finds none): those whose folded text holds a clue or the opt-out wording, found in one
    scan of all of them. None when a text holds NUL: ask `marketing_wording` of each."""
    folded = "\x00".join(normalized).casefold()
    if folded.count("\x00") != max(0, len(normalized) - 1):
        return None
    found = set()
    ends: list[int] | None = None
    for match in _SUSPECT.finditer(folded):
        if ends is None:  # where each folded text ends (casefold may change lengths)
            ends = list(accumulate(len(text) + 1 for text in folded.split("\x00")))
        found.add(bisect_left(ends, match.start() + 1))
    return found
