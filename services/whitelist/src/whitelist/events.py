"""Events other services push here through their outbox; each is applied once."""

from porttrust_shared.outbox import Handler
from whitelist.service import combing

HANDLERS: dict[str, Handler] = {
    "combing.candidate": combing.candidate_from_registry,
}
