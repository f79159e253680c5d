from dataclasses import dataclass

from credit.scoring import Policy
from porttrust_shared.pii import PiiCipher


@dataclass(frozen=True)
class Credit:
    """What domain functions need besides the session: the PII cipher and the rules."""

    cipher: PiiCipher
    policy: Policy
    page_limit_max: int = 500
