"""Events other services push here through their outbox; each is applied once."""

from porttrust_shared.outbox import Handler
from whitelist.service import combing, review, status

HANDLERS: dict[str, Handler] = {
    "combing.candidate": combing.candidate_from_registry,
    "sub_port.business_type_changed": review.business_type_changed,
    "sub_port.units": status.sub_port_units,
}
