"""Credit's domain: subjects, credit events and scores, the blacklist and its sanctions,
listing proposals, fraud cases, and the reads (the bulk check, listings, a subject's record).

Functions take the session first and keyword-only arguments, flush and never commit, raise
`Problem`s, and import no FastAPI. What they need besides the session is one `Credit`.

Modules import downwards only (README: layout): `scoring` (pure) and `views` (rows as shown,
an entry's state) at the bottom; `subjects` over them; `blacklist` (listing, widening,
lifting, expiry); `proposals`, then `credit_events` over it; `fraud` on top; `lookups` (the
reads) needs only the bottom three.
"""

from collections.abc import Callable
from dataclasses import dataclass

from credit.service.scoring import Policy
from porttrust_shared.pii import PiiCipher


@dataclass(frozen=True)
class Credit:
    """What domain functions need besides the session: the PII cipher and the rules."""

    cipher: PiiCipher
    policy: Policy
    # cipher.blind_index(value, field="id_number"), faster for the bulk check
    # (`subjects.IdNumberIndex`).
    id_number_index: Callable[[str], str]
    page_limit_max: int = 500
