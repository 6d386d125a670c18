"""Declared answers: the OpenAPI document names a schema for every route's success answer.

A schema that is only `{}` or a bare object says nothing a client generator can use; every route,
old or new, must declare its answer. (The HSDS reads and the gap map are written without validation
for speed and declare their model with `responses=`; tests/api/test_hsds_declared.py and
tests/gaps/test_gap_declared_answers.py validate real answers against those models.)
"""

from __future__ import annotations

from typing import Any


def _says_something(schema: dict[str, Any] | None) -> bool:
    if not schema:
        return False
    if "$ref" in schema or schema.get("type") in ("string", "number", "integer", "boolean"):
        return True
    extra = schema.get("additionalProperties")
    return (
        schema.get("type") == "object"
        and isinstance(extra, dict)
        and _says_something(extra)
        or schema.get("type") == "array"
        and _says_something(schema.get("items"))
    )


def test_every_success_answer_is_declared(client) -> None:  # type: ignore[no-untyped-def]
    undeclared = set()
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        for method, operation in operations.items():
            code = next(c for c in operation["responses"] if c.startswith("2"))
            if code == "204":
                continue
            schema = operation["responses"][code].get("content", {}).get("application/json", {}).get("schema")
            if not _says_something(schema):
                undeclared.add((method, path))
    assert undeclared == set()
