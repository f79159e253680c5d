from porttrust_shared.errors import Problem

T = "https://porttrust.dev/problems/"


class InvalidClient(Problem):
    type, title, status = T + "invalid-client", "Client authentication failed", 401

    def __init__(self) -> None:
        super().__init__("Unknown client or wrong secret.", error="invalid_client",
                         headers={"WWW-Authenticate": "Basic"})


class InvalidGrant(Problem):
    type, title, status = T + "invalid-grant", "Wrong username or password", 401

    def __init__(self) -> None:
        super().__init__("Unknown user or wrong password.", error="invalid_grant",
                         headers={"WWW-Authenticate": 'Bearer error="invalid_grant"'})


class UnsupportedGrant(Problem):
    type, title, status = T + "unsupported-grant-type", "Unsupported grant type", 400


class InvalidAudience(Problem):
    type, title, status = T + "invalid-audience", "Unknown audience", 400
