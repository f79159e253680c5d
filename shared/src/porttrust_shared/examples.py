"""An example value for a JSON Schema, so every operation in the documents shows one.

Explicit `examples` on a model or field win; otherwise the value is made from the schema:
the first enum member, a valid instance of a known domain pattern (USCC, port number...),
a well-formed date-time, one item per array. Made values are well formed, not meaningful:
a made-up USCC is valid but names no organisation.
"""

from __future__ import annotations

from typing import Any

from porttrust_shared import fields

_FORMATS = {
    "date-time": "2026-01-01T08:00:00Z", "date": "2026-01-01", "time": "08:00:00",
    "uri": "https://example.org/evidence/1", "uuid": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "email": "ops@example.org", "duration": "P1D", "binary": "",
}
_MAX_DEPTH = 6


def example_for(schema: dict[str, Any], components: dict[str, Any], *, name: str = "",
                depth: int = 0) -> Any:
    """A value that validates against `schema` (refs resolved in `components`)."""
    if depth > _MAX_DEPTH:
        return None
    schema = _resolve(schema, components)
    for key in ("example", "default", "const"):
        if key in schema and schema[key] is not None:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [s for s in schema.get(key, []) if _resolve(s, components).get("type") != "null"]
        if options:
            return example_for(options[0], components, name=name, depth=depth + 1)
    return _by_type(schema, components, name, depth)


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    return schema


def _by_type(schema: dict[str, Any], components: dict[str, Any], name: str,
             depth: int) -> Any:
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object":
        props = schema.get("properties", {})
        return {key: example_for(sub, components, name=key, depth=depth + 1)
                for key, sub in props.items()}
    if kind == "array":
        item = example_for(schema.get("items", {}), components, name=name, depth=depth + 1)
        return [item] * max(1, schema.get("minItems", 1))
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        return max(1, int(low) + (1 if "exclusiveMinimum" in schema else 0))
    if kind == "boolean":
        return False
    return _string(schema, name)


def _string(schema: dict[str, Any], name: str) -> str:
    pattern = schema.get("pattern")
    if pattern in fields.EXAMPLES:
        return fields.EXAMPLES[pattern]
    if schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]]
    value = name.replace("_", " ") if name else "text"
    least = int(schema.get("minLength", 1))
    value = value.ljust(least, "x")
    return value[: int(schema.get("maxLength", len(value)))]
