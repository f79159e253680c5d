from typing import Any

from porttrust_shared.errors import Forbidden, Problem


class InvalidClient(Problem, problem=("invalid-client", "Client authentication failed", 401)):
    def __init__(self) -> None:
        super().__init__("Unknown client or wrong secret.", error="invalid_client",
                         headers={"WWW-Authenticate": 'Basic realm="porttrust"'})


class InvalidGrant(Problem, problem=("invalid-grant", "Wrong username or password", 401)):
    def __init__(self) -> None:
        super().__init__("Unknown user or wrong password.", error="invalid_grant",
                         headers={"WWW-Authenticate": 'Bearer error="invalid_grant"'})


class InvalidRequest(Problem, problem=("invalid-request", "Incomplete token request", 400)):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, error="invalid_request")


class UnsupportedGrant(Problem, problem=("unsupported-grant-type", "Unsupported grant type", 400)):
    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, error="unsupported_grant_type", **extra)


class InvalidAudience(Problem, problem=("invalid-audience", "Unknown audience", 400)):
    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, error="invalid_target", **extra)


class TooManyAttempts(Problem, problem=("too-many-attempts", "Too many failed sign-ins", 429)):
    def __init__(self, *, retry_after: int) -> None:
        super().__init__("Too many failed attempts; try again later.", error="slow_down",
                         headers={"Retry-After": str(retry_after)})


class SignInBusy(Problem, problem=("sign-in-busy", "Too many sign-ins at once", 429)):
    def __init__(self, *, retry_after: int) -> None:
        super().__init__("Too many sign-ins are being checked; try again shortly.",
                         error="temporarily_unavailable",
                         headers={"Retry-After": str(retry_after)})


class SamePerson(Forbidden, problem=(
        "dual-approval-required", "Approver must be another person than the requester", 403)):
    """A grant decided by the person who asked for it (or an identity that person made)."""
