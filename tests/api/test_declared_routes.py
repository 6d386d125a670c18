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


def _references(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        found = {schema["$ref"]} if isinstance(schema.get("$ref"), str) else set()
        return found.union(*(_references(v) for v in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_references(v) for v in schema))
    return set()


def test_every_body_is_declared_and_resolves(client) -> None:  # type: ignore[no-untyped-def]
    """The hot routes (api/lean.py) validate their bodies themselves; their documents must still say
    what body they take, as a declared one would: a reference to the model, which resolves, with the
    model's own required fields, and every reference inside it resolving too."""
    from api.capacity.schemas import CapacityReportIn
    from api.match.schemas import MatchIn

    document = client.get("/openapi.json").json()
    components = document["components"]["schemas"]
    for path, method, model in (
        ("/v1/match", "post", MatchIn),
        ("/v1/capacity/{capacity_id}", "put", CapacityReportIn),
    ):
        body = document["paths"][path][method]["requestBody"]
        assert body["required"] is True
        assert body["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model.__name__}"}
        schema = components[model.__name__]
        required = {name for name, field in model.model_fields.items() if field.is_required()}
        assert set(schema.get("required", ())) == required and required
        pending, seen = _references(schema), set()
        while pending:
            reference = pending.pop()
            seen.add(reference)
            name = reference.removeprefix("#/components/schemas/")
            assert name in components, f"{path}: {reference} does not resolve"
            pending |= _references(components[name]) - seen
    # Every operation's body, hot or not, resolves.
    for operations in document["paths"].values():
        for operation in operations.values():
            for reference in _references(operation.get("requestBody", {})):
                assert reference.removeprefix("#/components/schemas/") in components, reference
