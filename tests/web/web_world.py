"""A small downtown-Seattle catalog in HSDS 3.1 with the diversion profile, for the browser tests.

Ids are uuid5 of names, so a test can name a service, its pool or its organization directly.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

NAMESPACE = uuid.UUID("0d7a3c52-52c1-4f4e-9d1e-7b0c8f6a2e11")
CENTRE = (47.6062, -122.3321)  # downtown Seattle, where LEAD began
PROGRAM = "lead-king-county"


def uid(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def near(km_north: float, km_east: float) -> tuple[float, float]:
    lat = CENTRE[0] + km_north / 111.32
    lon = CENTRE[1] + km_east / (111.32 * math.cos(math.radians(CENTRE[0])))
    return round(lat, 6), round(lon, 6)


def _term(taxonomy: str, code: str) -> dict[str, Any]:
    return {
        "id": uid("term", taxonomy, code),
        "code": code,
        "name": code,
        "description": code,
        "taxonomy_id": uid("taxonomy", taxonomy),
        "taxonomy": taxonomy,
    }


def _attribute(service_id: str, taxonomy: str, code: str, value: str | None = None) -> dict[str, Any]:
    attr: dict[str, Any] = {
        "id": uid("attr", service_id, taxonomy, code),
        "link_id": service_id,
        "link_entity": "service",
        "link_type": taxonomy,
        "taxonomy_term_id": uid("term", taxonomy, code),
        "taxonomy_term": _term(taxonomy, code),
    }
    if value is not None:
        attr["value"] = value
    return attr


def service_id(name: str) -> str:
    return uid("service", name)


def organization_id(name: str) -> str:
    return uid("org", name)


def capacity_id(name: str, pool: str = "beds") -> str:
    return uid("capacity", name, pool)


def service(
    name: str,
    *,
    at: tuple[float, float],
    needs: list[str],
    street: str,
    zip_code: str = "98104",
    phone: str | None = None,
    eligibility: dict[str, str] | None = None,
    info: tuple[str, ...] = (),
    intercepts: tuple[int, ...] = (),
    languages: tuple[str, ...] = ("en",),
    hours: list[tuple[str, str, str]] | None = None,
    pools: list[dict[str, Any]] | None = None,
    bring: str | None = None,
    description: str = "",
) -> dict[str, Any]:
    sid, lid, oid = service_id(name), uid("location", name), organization_id(name)
    lat, lon = near(*at)
    attributes = [_attribute(sid, "divert-needs", n) for n in needs]
    attributes += [_attribute(sid, "divert-eligibility", k, v) for k, v in (eligibility or {}).items()]
    attributes += [_attribute(sid, "divert-eligibility", k, "true") for k in info]
    attributes += [_attribute(sid, "sim-intercept", str(i)) for i in intercepts]
    record: dict[str, Any] = {
        "id": sid,
        "name": name,
        "status": "active",
        "description": description or name,
        "organization_id": oid,
        "organization": {"id": oid, "name": f"{name} Society", "description": name},
        "attributes": attributes,
        "languages": [{"id": uid("lang", sid, c), "service_id": sid, "code": c, "name": c} for c in languages],
        "service_at_locations": [
            {
                "id": uid("sal", name),
                "service_id": sid,
                "location_id": lid,
                "location": {
                    "id": lid,
                    "location_type": "physical",
                    "name": name,
                    "latitude": lat,
                    "longitude": lon,
                    "addresses": [
                        {
                            "id": uid("addr", lid),
                            "location_id": lid,
                            "address_1": street,
                            "city": "Seattle",
                            "state_province": "WA",
                            "postal_code": zip_code,
                            "country": "US",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
        "schedules": [
            {
                "id": uid("schedule", sid, n),
                "service_id": sid,
                "freq": "WEEKLY",
                "byday": byday,
                "opens_at": opens,
                "closes_at": closes,
            }
            for n, (byday, opens, closes) in enumerate(hours or [])
        ],
        "capacities": [],
    }
    if phone:
        record["phones"] = [{"id": uid("phone", sid), "service_id": sid, "number": phone}]
    if bring:
        record["application_process"] = bring
    for pool in pools or []:
        pool_name = pool.get("name", "beds")
        record["capacities"].append(
            {
                "id": capacity_id(name, pool_name),
                "service_id": sid,
                "description": pool_name,
                "unit": {"id": pool.get("unit", "bed"), "name": pool.get("unit", "bed").capitalize()},
                "available": pool["available"],
                "maximum": pool.get("maximum", 20),
                "waitlist": pool.get("waitlist", 0),
                "reserved_for": pool.get("reserved_for", []),
                "updated": pool["updated"],
                "location_id": lid,
            }
        )
    return record


ALL_WEEK = "MO,TU,WE,TH,FR,SA,SU"


def downtown(now: datetime | None = None) -> list[dict[str, Any]]:
    """Open, untracked, unconfirmed, ineligible and intercept-tagged services a few km apart."""
    now = now or datetime.now(UTC)
    fresh = (now - timedelta(hours=1)).isoformat()
    stale = (now - timedelta(days=3)).isoformat()
    return [
        service(
            "Harbor Light Shelter",
            at=(0.4, 0.2),
            needs=["shelter"],
            street="210 Third Ave S",
            phone="206-555-0100",
            info=("low_barrier", "housing_first", "walk_in"),
            intercepts=(0, 1, 4),
            languages=("en", "es"),
            hours=[(ALL_WEEK, "00:00", "23:59")],
            pools=[
                {"name": "beds", "available": 3, "maximum": 40, "updated": fresh},
                {"name": "program beds", "available": 2, "maximum": 5, "reserved_for": [PROGRAM], "updated": fresh},
            ],
            bring="Nothing required; ID helps but is not needed.",
            description="Low-barrier overnight shelter; partners and pets welcome.",
        ),
        service(
            "Pioneer Square Detox",
            at=(-0.5, -0.3),
            needs=["withdrawal_management", "moud"],
            street="95 Yesler Way",
            phone="206-555-0111",
            intercepts=(0, 1, 2),
            languages=("en",),
            hours=[(ALL_WEEK, "00:00", "23:59")],
            pools=[{"name": "beds", "available": 1, "maximum": 16, "updated": fresh}],
        ),
        service(
            "Belltown Shelter",
            at=(1.6, -1.0),
            needs=["shelter"],
            street="2301 Second Ave",
            eligibility={"sobriety_required": "true"},
            intercepts=(0,),
            pools=[{"name": "beds", "available": 5, "maximum": 30, "updated": stale}],
        ),
        service(
            "Second Avenue Food Bank",
            at=(0.2, -0.4),
            needs=["food"],
            street="1300 Second Ave",
            phone="206-555-0122",
            languages=("en", "es", "vi"),
            intercepts=(0, 4),
            hours=[("MO,TU,WE,TH,FR", "09:00", "17:00")],
        ),
        service(
            "King County Defender Legal Clinic",
            at=(-0.2, 0.5),
            needs=["legal", "id_documents"],
            street="516 Third Ave",
            phone="206-555-0133",
            intercepts=(2, 3),
            hours=[("MO,WE,FR", "10:00", "15:00")],
        ),
    ]
