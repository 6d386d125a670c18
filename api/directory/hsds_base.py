"""The base of the HSDS answer models (api/directory/hsds_schemas.py, generated).

HSDS types its optional fields without null and leaves a field with no value out (catalog/serialize.py
`pruned`). The models hold such a field as `X | None = None` for Python; their JSON Schema drops the
`null` branch and the `null` default, so a client generator reads the field as HSDS defines it: maybe
absent, never null.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

_NULL = {"type": "null"}


def _without_null(schema: dict[str, Any], model: type[BaseModel]) -> None:
    for prop in schema.get("properties", {}).values():
        variants = prop.get("anyOf")
        if not variants or _NULL not in variants:
            continue
        rest = [v for v in variants if v != _NULL]
        del prop["anyOf"]
        if prop.get("default", ...) is None:
            del prop["default"]
        if len(rest) == 1:
            prop.update(rest[0])
        else:
            prop["anyOf"] = rest


class HsdsObject(BaseModel):
    """An HSDS object as this API answers it: no field beyond the standard's and the declared
    extensions (a test validates real answers with extra="forbid")."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_without_null)


__all__ = ["HsdsObject"]
