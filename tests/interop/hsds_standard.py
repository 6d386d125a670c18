"""The Open Referral HSDS 3.1 standard's own files, as its validators read them.

Everything here is the standard's, copied under tests/data/interop (see the SOURCE.md files there): the
compiled JSON Schemas, the offline OpenAPI description and the tabular datapackage descriptor. The
tests judge divert's output with these files and general validators (jsonschema, openapi-core,
frictionless), never with divert's own reading of the standard.
"""

from __future__ import annotations

import copy
import json
import pathlib
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

INTEROP = pathlib.Path(__file__).resolve().parents[1] / "data" / "interop"
SCHEMA_DIR = INTEROP / "hsds-3.1-schema"
EXAMPLES_DIR = INTEROP / "hsds-3.1-examples"
SAMPLE_REGION = pathlib.Path(__file__).resolve().parents[2] / "data" / "sample" / "king-county.json"

OFFICIAL_EXAMPLES = (
    "service_full.json",
    "organization_full.json",
    "service_at_location_full.json",
    "service_list.json",
)


def load(name: str) -> Any:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


@cache
def compiled_validator(name: str) -> Draft202012Validator:
    """A Draft 2020-12 validator of a compiled schema, with format checking (as the standard's CI)."""
    schema = load(f"compiled/{name}")
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _closed(schema: Any) -> Any:
    """The schema with `additionalProperties: false` on every object that lists its properties, as
    the standard's strict pass (`--set-additional-properties-false-everywhere`)."""
    if isinstance(schema, dict):
        out = {k: _closed(v) for k, v in schema.items()}
        if isinstance(out.get("properties"), dict):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


@cache
def strict_validator(name: str) -> Draft202012Validator:
    schema = _closed(load(f"compiled/{name}"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(name: str, record: Any) -> list[str]:
    """Every error of one record against a compiled schema, as `path: message` lines."""
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message[:200]}"
        for e in compiled_validator(name).iter_errors(record)
    ]


# ---- the tabular descriptor, with its two broken resources rebuilt (SOURCE.md) -------------------

_TABLE_TYPES = {"string": "string", "number": "number", "integer": "integer", "boolean": "boolean"}


def _field_from_property(name: str, prop: dict[str, Any]) -> dict[str, Any]:
    field: dict[str, Any] = {"name": name, "description": prop.get("description", "")}
    fmt = prop.get("format")
    kind = prop.get("type")
    if fmt == "date-time":
        field["type"] = "datetime"
    elif fmt == "date":
        field["type"] = "date"
    elif fmt == "uuid":
        field["type"] = "string"
        field["format"] = "uuid"
    else:
        field["type"] = _TABLE_TYPES.get(kind if isinstance(kind, str) else "string", "string")
    return field


def _rebuilt_resource(resource: dict[str, Any], object_schema: str, required: list[str]) -> dict[str, Any]:
    """A resource's fields from the object's JSON Schema: its scalar properties, in their order."""
    schema = load(object_schema)
    fields = []
    for name, prop in schema["properties"].items():
        if prop.get("type") in ("array", "object") or "$ref" in prop:
            continue
        field = _field_from_property(name, prop)
        if name in required:
            field["constraints"] = {"required": True}
        fields.append(field)
    out = copy.deepcopy(resource)
    out["schema"] = {**out.get("schema", {}), "fields": fields, "primaryKey": "id"}
    return out


@cache
def official_datapackage() -> dict[str, Any]:
    """The standard's datapackage.json with `service_capacity` and `unit` rebuilt from their schemas."""
    package = load("datapackage.json")
    resources = []
    for resource in package["resources"]:
        if resource["name"] == "service_capacity":
            resource = _rebuilt_resource(
                resource, "service_capacity.json", ["id", "service_id", "unit_id", "available", "updated"]
            )
        elif resource["name"] == "unit":
            resource = _rebuilt_resource(resource, "unit.json", ["id", "name"])
        resources.append(resource)
    return {**package, "resources": resources}


# ---- the offline OpenAPI description ------------------------------------------------------------


@cache
def official_openapi():  # type: ignore[no-untyped-def]
    """openapi-core over `openapi_local.json` (relative `$ref`s resolved from its folder).

    The description's own validity is not re-judged here (it has 5 duplicate operationIds upstream,
    SOURCE.md); responses are judged by its schemas, with the format checks of OpenAPI 3.1.
    """
    from openapi_core import Config, OpenAPI

    path = SCHEMA_DIR / "openapi_local.json"
    return OpenAPI.from_file_path(str(path), config=Config(spec_validator_cls=None))


def openapi_errors(method: str, path: str, params: dict[str, Any], status: int, body: bytes) -> list[str]:
    """The standard's verdict on one answer of the read API (`path` without divert's `/v1` base)."""
    from openapi_core.testing import MockRequest, MockResponse

    request = MockRequest("http://localhost", method.lower(), path, args=params)
    response = MockResponse(body, status_code=status, content_type="application/json")
    result = official_openapi().unmarshal_response(request, response)
    out = []
    for error in result.errors:
        out.append(f"{type(error).__name__}: {str(error)[:200]}")
        inner = error.__cause__ or error
        for cause in (getattr(inner, "schema_errors", None) or [])[:5]:
            where = "/".join(str(p) for p in cause.absolute_path)
            out.append(f"  {where}: {cause.message[:200]}")
    return out


# ---- frictionless over an exported package ---------------------------------------------------------

# Columns divert writes beyond the standard: the diversion profile's (CONTRACT §3.4) only.
PROFILE_COLUMNS = {"service_capacity": ["waitlist", "reserved_for", "location_id"]}


def package_errors(folder: pathlib.Path) -> tuple[list[str], dict[str, list[str]]]:
    """frictionless's verdict on the CSVs of `folder` read by the standard's descriptor.

    Columns beyond the standard's are added to its schema as strings (they must sit after the
    official ones); returns (errors, those extra columns by resource) so a test can hold them to the
    profile's list.
    """
    import csv

    from frictionless import Package

    descriptor = copy.deepcopy(official_datapackage())
    extras: dict[str, list[str]] = {}
    for resource in descriptor["resources"]:
        file = folder / resource["path"]
        if not file.exists():
            continue
        with file.open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f), [])
        fields = resource["schema"]["fields"]
        official = [f["name"] for f in fields]
        extra = [c for c in header if c not in official]
        if extra:
            extras[resource["name"]] = extra
            fields += [{"name": c, "type": "string"} for c in extra]
    descriptor["resources"] = [r for r in descriptor["resources"] if (folder / r["path"]).exists()]
    present = {r["name"] for r in descriptor["resources"]}
    for resource in descriptor["resources"]:
        keys = resource["schema"].get("foreignKeys") or []
        resource["schema"]["foreignKeys"] = [k for k in keys if k["reference"]["resource"] in present]
    package = Package(descriptor, basepath=str(folder))
    report = package.validate()
    errors = [
        f"{task.name}: row {e.get('rowNumber')} field {e.get('fieldName')}: {e.get('type')}: {e.get('note')}"
        for task in report.tasks
        for e in (err.to_descriptor() for err in task.errors)
    ]
    errors += [f"package: {e.message}" for e in report.errors]
    return errors, extras
