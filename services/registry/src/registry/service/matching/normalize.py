"""One normal form for templates and messages alike, so width and spacing never decide a match."""

import re
import unicodedata

WHITESPACE = re.compile(r"\s+")
SIGNATURE = re.compile(r"^\s*【([^【】]*)】")


def normalize(text: str) -> str:
    """NFKC folds full-width letters, digits and punctuation to half width; 【】 survive it."""
    return unicodedata.normalize("NFKC", text)


def squeeze(text: str) -> str:
    """Whitespace is not significant anywhere in fixed text."""
    return WHITESPACE.sub("", normalize(text))


def split_signature(text: str) -> tuple[str | None, str]:
    """`【顺丰速运】您的…` → (`顺丰速运`, `您的…`); no leading 【…】 → (None, text)."""
    return split_normalized(normalize(text))


def split_normalized(text: str) -> tuple[str | None, str]:
    """`split_signature` of a text `normalize` has already been applied to."""
    found = SIGNATURE.match(text)
    if found is None:
        return None, text
    return squeeze(found.group(1)), text[found.end():]
