from typing import Any

from porttrust_shared.errors import Conflict, Problem

T = "https://porttrust.dev/problems/"


class Incomplete(Conflict):
    type, title = T + "incomplete", "The sub-port record is not complete"

    def __init__(self, missing: list[str]) -> None:
        super().__init__("Complete these before activation: " + ", ".join(missing),
                         code="incomplete", missing=missing)


class Blacklisted(Conflict):
    type, title = T + "blacklisted", "A subject is blacklisted or restricted"

    def __init__(self, subjects: list[dict[str, Any]]) -> None:
        super().__init__("The holder, user unit or handler may not register or activate.",
                         code="blacklisted", subjects=subjects)


class InvalidTransition(Conflict):
    type, title = T + "invalid-transition", "This lifecycle step is not allowed now"

    def __init__(self, status: str, action: str) -> None:
        super().__init__(f"A {status} sub-port cannot {action}.", code="invalid_transition",
                         current_status=status)


class SubPortTaken(Conflict):
    type, title = T + "sub-port-taken", "One sub-port serves one user unit for one purpose"

    def __init__(self) -> None:
        super().__init__("This sub-port already serves another user unit.",
                         code="mixed_sub_port_use")


class UnsupportedMediaType(Problem, problem=("unsupported-media-type", "Unsupported media type",
                                             415)):
    """An import whose Content-Type is neither CSV nor NDJSON (and no ?format=)."""


class TooManyImports(Problem, problem=("too-many-imports", "Too many imports at once", 429)):
    """One import more than REGISTRY_IMPORT_MAX_CONCURRENT of one client at once."""

    def __init__(self, *, retry_after: int) -> None:
        super().__init__("This client already runs as many imports as allowed; retry later.",
                         headers={"Retry-After": str(retry_after)})
