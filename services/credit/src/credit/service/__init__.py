"""Credit's domain: subjects, credit events and scores, the blacklist and its sanctions,
listing proposals, fraud cases, and the reads (the bulk check, listings, a subject's record).

Functions take the session first and keyword-only arguments, flush and never commit, raise
`Problem`s, and import no FastAPI. What they need besides the session is one `Credit`: the
cipher and the rules (`Policy`).

Modules import downwards only (README: layout): `scoring` (pure) and `views` (rows as shown,
an entry's state) at the bottom; `subjects` over them; `blacklist` (listing, widening,
lifting, expiry) over that; `proposals` (people decide) and `credit_events` (recorded, then
listed at once or proposed) over it; `fraud` on top; `lookups` (the reads) needs only the
bottom three.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from credit.settings import Settings
from porttrust_shared.pii import PiiCipher


@dataclass(frozen=True)
class Policy:
    """The scoring and automatic-blacklisting rules, read from settings once."""

    weights: Mapping[str, float]
    recovery_per_30_days: float
    blacklist_below: float
    blacklisting_types: frozenset[str]

    @classmethod
    def from_settings(cls, settings: Settings) -> "Policy":
        return cls(weights=dict(settings.event_weights),
                   recovery_per_30_days=settings.recovery_points_per_30_days,
                   blacklist_below=settings.blacklist_score_threshold,
                   blacklisting_types=frozenset(settings.blacklist_event_types))


@dataclass(frozen=True)
class Credit:
    """What domain functions need besides the session: the PII cipher and the rules."""

    cipher: PiiCipher
    policy: Policy
    # cipher.blind_index(value, field="id_number"), faster for the bulk check
    # (`subjects.IdNumberIndex`).
    id_number_index: Callable[[str], str]
    page_limit_max: int = 500
