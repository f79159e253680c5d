"""One normal form for templates and messages alike, so width and spacing never decide a match."""

import re
import unicodedata

from registry.service.matching.kept import Kept

WHITESPACE = re.compile(r"\s+")
SIGNATURE = re.compile(r"^\s*【([^【】]*)】")


# Full-width ASCII (U+FF01-U+FF5E) and the ideographic space: NFKC maps each to one ASCII
# character, which nothing composes with.
_WIDE = re.compile("[\uff01-\uff5e\u3000]")
_NARROW = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "}


def normalize(text: str) -> str:
    """NFKC folds full-width letters, digits and punctuation to half width; 【】 survive it.

    Chinese text is mostly NFKC already but for its full-width punctuation, which CPython's
    NFKC handles a character at a time (several microseconds a message): those characters are
    replaced by their NFKC forms first (NFKC of the result is NFKC of the text), and a text
    that is then NFKC already is the answer, without normalising it again."""
    if text.isascii():
        return text
    text = _narrowed(text)
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


def _narrowed(text: str) -> str:
    """Each wide character replaced by its NFKC form: one `replace` per distinct one, found
    by searching on from the last (no list of every occurrence made)."""
    found = _WIDE.search(text)
    while found is not None:
        wide = found.group()
        at = found.start()
        text = text.replace(wide, _NARROW[wide])
        found = _WIDE.search(text, at)
    return text


def normalize_all(texts: list[str]) -> list[str]:
    """`[normalize(text) for text in texts]`, a batch's messages together: the wide
    characters found and replaced, and the result checked for NFKC, once over all of them
    joined by NUL (a character NFKC leaves alone and nothing composes with across, so the
    whole is NFKC exactly when each part is). A text holding NUL, or a batch that is not NFKC
    once its wide characters are replaced, is normalised text by text."""
    joined = "\x00".join(texts)
    if joined.isascii() and "\x00" not in joined:  # nothing to do (a text may be empty)
        return texts
    if joined.count("\x00") != len(texts) - 1:
        return [normalize(text) for text in texts]
    joined = _narrowed(joined)
    if not unicodedata.is_normalized("NFKC", joined):
        return [normalize(text) for text in texts]
    return joined.split("\x00")


def unspaced(text: str) -> bool:
    """True only when `text` holds no whitespace (nothing `\\s` matches): every whitespace
    character but the space is unprintable. (An unprintable character that is not whitespace
    also answers False: the caller then takes the way that allows for whitespace.)"""
    return " " not in text and text.isprintable()


def squeeze(text: str) -> str:
    """Whitespace is not significant anywhere in fixed text."""
    return WHITESPACE.sub("", normalize(text))


def split_signature(text: str) -> tuple[str | None, str]:
    """`【顺丰速运】您的…` → (`顺丰速运`, `您的…`); no leading 【…】 → (None, text)."""
    return split_normalized(normalize(text))


def split_normalized(text: str) -> tuple[str | None, str]:
    """`split_signature` of a text `normalize` has already been applied to."""
    raw, body = split_raw(text)
    return (None if raw is None else _SIGNATURES.get(raw)), body


def split_raw(text: str) -> tuple[str | None, str]:
    """`split_normalized`, its signature as written (`signature_of` it to compare it with a
    template's). Where it equals a template's signature as it stands, it is that signature
    already: a template's is squeezed, so then squeezing it changes nothing."""
    if text[:1] == "【":  # most messages: SIGNATURE's match, found by two finds
        end = text.find("】", 1)
        if end > 0 and text.find("【", 1, end) < 0:
            return text[1:end], text[end + 1:]
    found = SIGNATURE.match(text)
    if found is None:
        return None, text
    return found.group(1), text[found.end():]


def signature_of(raw: str) -> str:
    """A signature as `split_raw` found it, squeezed as templates' are (kept: a gateway's
    messages carry a few signatures, over and over)."""
    return _SIGNATURES.get(raw)


# Each signature squeezed once (`signature_of`).
_SIGNATURES: Kept[str] = Kept(squeeze, 4096)
