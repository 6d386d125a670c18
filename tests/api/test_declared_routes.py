"""Declared answers: the OpenAPI document names a schema for every route's success answer.

A schema that is only `{}` or a bare object says nothing a client generator can use. The routes
below still answer that way (HSDS objects are built as dicts by catalog/serialize.py; the gap map and
the import summary have no model yet); this list may only shrink, and a new route must declare its
answer.
"""

from __future__ import annotations

from typing import Any

NOT_YET_DECLARED = {
    ("get", "/v1/services"), ("get", "/v1/services/{service_id}"), ("patch", "/v1/services/{service_id}"),
    ("get", "/v1/service_at_locations"), ("get", "/v1/service_at_locations/{service_at_location_id}"),
    ("get", "/v1/organizations"), ("get", "/v1/organizations/{organization_id}"),
    ("get", "/v1/taxonomies"), ("get", "/v1/taxonomies/{taxonomy_id}"),
    ("get", "/v1/taxonomy_terms"), ("get", "/v1/taxonomy_terms/{term_id}"),
    ("get", "/v1/gaps"), ("get", "/v1/gaps/sim"), ("post", "/v1/import/hsds"),
}


def _says_something(schema: dict[str, Any] | None) -> bool:
    if not schema:
        return False
    if "$ref" in schema or schema.get("type") in ("string", "number", "integer", "boolean"):
        return True
    extra = schema.get("additionalProperties")
    return schema.get("type") == "object" and isinstance(extra, dict) and _says_something(extra) \
        or schema.get("type") == "array" and _says_something(schema.get("items"))


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
    assert undeclared == NOT_YET_DECLARED
