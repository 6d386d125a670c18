"""Building blocks the non-HSDS readers use to write HSDS 3.1 service documents.

FindTreatment, HMIS and 211 readers each know their own format; the HSDS shapes they produce
(terms nested in attributes, a location with its address, stable ids) are built here the same way,
so the shared pipeline sees the same kind of document from every source.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from matcher.vocabulary import ELIGIBILITY_TAXONOMY, NEEDS, NEEDS_TAXONOMY

# All ids the source readers make up are uuid5 in this namespace: the same source record gives the
# same ids on every import, which is what makes a re-import a no-op.
SOURCE_NAMESPACE = uuid.UUID("3d0f1c8e-6a52-4b0e-9b7e-1f4c2d8a5e61")

TAXONOMY_DESCRIPTIONS: dict[str, str] = {
    NEEDS_TAXONOMY: "Needs a diversion service meets (divert profile)",
    ELIGIBILITY_TAXONOMY: "Eligibility rules of the divert profile",
    "findtreatment-services": "SAMHSA FindTreatment.gov service codes, as listed by the locator",
    "211-hsis": "211 LA County / AIRS Human Services Indexing System codes, as exported by a 211",
    "hmis-project-type": "HUD HMIS ProjectType (FY2024 HMIS Data Standards, 2.02.6)",
}


def stable_id(*parts: object) -> str:
    return str(uuid.uuid5(SOURCE_NAMESPACE, ":".join(str(p) for p in parts)))


def clean(value: Any) -> str | None:
    """A cell as text, or None when it is empty."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def phone_digits(number: str | None) -> str:
    """The 10 national digits of a North American number ("1-800-..." and "(206) ..." alike)."""
    digits = re.sub(r"\D", "", number or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits


def taxonomy_term(taxonomy: str, code: str, name: str | None = None) -> dict[str, Any]:
    """A term with its taxonomy object nested, so the document stands on its own."""
    return {
        "id": stable_id("term", taxonomy, code),
        "code": code,
        "name": name or code,
        "taxonomy": taxonomy,
        "taxonomy_id": stable_id("taxonomy", taxonomy),
        "taxonomy_detail": {
            "id": stable_id("taxonomy", taxonomy),
            "name": taxonomy,
            "description": TAXONOMY_DESCRIPTIONS.get(taxonomy, taxonomy),
        },
    }


def attribute(
    owner: str, taxonomy: str, code: str, *, name: str | None = None, value: str | None = None
) -> dict[str, Any]:
    """An HSDS attribute on the service `owner` (a stable key) linking a term, with an optional value."""
    term = taxonomy_term(taxonomy, code, name)
    out: dict[str, Any] = {
        "id": stable_id("attribute", owner, taxonomy, code),
        "link_entity": "service",
        "link_type": taxonomy,
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
    }
    if value is not None:
        out["value"] = value
    return out


def need_attributes(owner: str, needs: list[str]) -> list[dict[str, Any]]:
    return [attribute(owner, NEEDS_TAXONOMY, need, name=NEEDS[need]) for need in sorted(set(needs))]


def physical_location(
    owner: str,
    *,
    name: str | None,
    latitude: float | None,
    longitude: float | None,
    address_1: str | None,
    address_2: str | None = None,
    city: str | None = None,
    state: str | None = None,
    postal_code: str | None = None,
    organization_id: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    location_id = stable_id("location", owner)
    location: dict[str, Any] = {
        "id": location_id,
        "location_type": "physical",
        "name": name,
        "latitude": latitude,
        "longitude": longitude,
        "addresses": [],
    }
    if organization_id:
        location["organization_id"] = organization_id
    if description:
        location["description"] = description
    if address_1 or city or postal_code:
        location["addresses"].append(
            {
                "id": stable_id("address", owner),
                "address_1": address_1 or "",
                "address_2": address_2,
                "city": city or "",
                "state_province": state or "",
                "postal_code": postal_code or "",
                "country": "US",
                "address_type": "physical",
            }
        )
    return location


def service_phone(
    owner: str, number: str | None, *, description: str | None = None, n: int = 0
) -> list[dict[str, Any]]:
    if not number:
        return []
    phone: dict[str, Any] = {"id": stable_id("phone", owner, n), "number": number, "type": "voice"}
    if description:
        phone["description"] = description
    return [phone]
