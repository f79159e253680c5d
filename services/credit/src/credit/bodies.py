"""The check's request body, read by pydantic straight from the bytes (porttrust_shared.bodies):
the same `BlacklistCheck` rules and 422 problem, and the same request body in OpenAPI."""

from fastapi import Request
from pydantic import TypeAdapter

from credit.schemas import BlacklistCheck
from porttrust_shared.bodies import body_doc, json_body

_CHECK = TypeAdapter(BlacklistCheck)
CHECK_BODY_DOC = body_doc(_CHECK)


async def check_body(request: Request) -> BlacklistCheck:
    return await json_body(request, _CHECK)
