"""Events other services push here through their outbox; each is applied once."""

from porttrust_shared.outbox import Handler

HANDLERS: dict[str, Handler] = {}
