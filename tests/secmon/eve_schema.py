"""A small checker for the Suricata EVE JSON schema: every field must be declared, with its type.

jsonschema is not a project dependency; this covers what the EVE schema uses (type, properties,
additionalProperties, items, $ref), which is what "the fields validate against the schema" means.
"""

from __future__ import annotations

from typing import Any

_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/"), ref
        node: Any = root
        for part in ref[2:].split("/"):
            node = node[part]
        schema = node
    return schema


def violations(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str = "") -> list[str]:
    """Every undeclared field or wrong type under `value`, as 'path: problem' strings."""
    schema = _resolve(schema, root)
    found: list[str] = []
    declared = schema.get("type")
    if declared is not None:
        names = declared if isinstance(declared, list) else [declared]
        if not any(_TYPES[name](value) for name in names):
            return [f"{path or '<root>'}: {type(value).__name__} is not {declared}"]
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key in properties:
                found += violations(item, properties[key], root, where)
            elif extra is False:
                found.append(f"{where}: not in the schema")
            elif isinstance(extra, dict):
                found += violations(item, extra, root, where)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            found += violations(item, schema["items"], root, f"{path}[{index}]")
    return found
