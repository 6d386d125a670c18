"""How catalog keys show in HSDS 3.1, and how HSDS ids are read back into catalog keys.

Units: the catalog keys a unit by its code (`bed`, `slot`, `appointment`, or a source's own code),
because the matcher's rules and freshness windows are stated per code (CONTRACT §3.4). HSDS wants a
UUID for `unit.id` and `service_capacity.unit_id`; a code is shown as a stable name-based UUID
(uuid5 in divert's own namespace, the same on every deployment) with the code in `unit.identifier`.
Reading HSDS back, that UUID (or a code, as older files and the capacity API send) gives the code
again, so divert's own round trips and the profile's unit semantics hold. A unit whose key is
already a UUID (an official example's `Kilogram`) is shown as it is.

Taxonomies: HSDS requires a `description`; a taxonomy that arrived named only (a term's `taxonomy`
text, as the scenario files write it) is given the profile's description or a plain one.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any, Final

# Fixed forever: changing it would change every exported unit id.
UNIT_NAMESPACE: Final = uuid.UUID("5b1f3c2e-6f4d-5e8a-9a8e-0d1a7e6c2b41")

# Units the profile names (CONTRACT §3.4): a capacity may refer to them by code alone.
WELL_KNOWN_UNITS: Final = {"bed": "Bed", "slot": "Slot", "appointment": "Appointment"}

PROFILE_TAXONOMIES: Final = {
    "divert-needs": "Diversion profile: the needs a service meets (shelter, withdrawal management, ...)",
    "divert-eligibility": "Diversion profile: who a service takes or excludes; the attribute value states it",
    "sim-intercept": "Diversion profile: Sequential Intercept Model intercepts 0-5 a service works at",
    "deflection-pathway": "Diversion profile: the pre-arrest deflection pathways a service receives people by",
}


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


# Every capacity of an import asks for the same few codes: a pure function, so remembered.
@functools.lru_cache(maxsize=1024)
def unit_uuid(key: str) -> str:
    """The HSDS id of a catalog unit key: the key itself when it is a UUID, else its stable uuid5."""
    return key if is_uuid(key) else str(uuid.uuid5(UNIT_NAMESPACE, key))


# The well-known codes by the UUID that stands for each (they are distinct).
_WELL_KNOWN_BY_UUID: Final = {unit_uuid(code): code for code in WELL_KNOWN_UNITS}


def unit_object(row: dict[str, Any]) -> dict[str, Any]:
    """A catalog unit row as its HSDS `unit`: UUID id, the code kept in `identifier`."""
    key = row["id"]
    out = {
        "id": unit_uuid(key),
        "name": row.get("name") or WELL_KNOWN_UNITS.get(key, key),
        "scheme": row.get("scheme"),
        "identifier": row.get("identifier") or (None if is_uuid(key) else key),
        "uri": row.get("uri"),
    }
    return {k: v for k, v in out.items() if v is not None}


def unit_key(unit_id: str, identifier: str | None = None) -> str:
    """The catalog key of an HSDS unit id: the code its UUID stands for, a code as given, else the id."""
    if identifier and unit_id == unit_uuid(identifier):
        return identifier
    return _WELL_KNOWN_BY_UUID.get(unit_id, unit_id)


def taxonomy_description(name: str | None, description: str | None) -> str:
    if description:
        return description
    if name in PROFILE_TAXONOMIES:
        return PROFILE_TAXONOMIES[name]
    return f"The {name} taxonomy (no description was supplied with its terms)"


__all__ = [
    "PROFILE_TAXONOMIES",
    "UNIT_NAMESPACE",
    "WELL_KNOWN_UNITS",
    "is_uuid",
    "taxonomy_description",
    "unit_key",
    "unit_object",
    "unit_uuid",
]
