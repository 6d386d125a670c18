"""What the benchmarks ask: match requests, directory searches, capacity reports and HSDS documents.

Requests come from the same metro distribution as the catalog (case managers work where people
and services are), with the need mixes case managers name most, so latency reflects a real day.
Everything is seeded: the same run asks the same questions.
"""

from __future__ import annotations

import math
import random
from datetime import datetime
from typing import Any, Final

from bench.generate import KINDS, KM_PER_DEGREE, PROGRAMS
from bench.metros import METROS

# The needs named most often at a diversion contact, weighted (shelter, detox and MOUD lead).
NEED_WEIGHTS: Final[dict[str, float]] = {
    "shelter": 10,
    "withdrawal_management": 6,
    "moud": 6,
    "food": 8,
    "sud_treatment": 5,
    "mental_health": 6,
    "crisis": 3,
    "harm_reduction": 4,
    "health_care": 4,
    "housing": 5,
    "clothing": 2,
    "legal": 3,
    "id_documents": 3,
    "benefits": 3,
    "employment": 2,
    "education": 1,
    "transportation": 2,
    "peer_support": 2,
    "case_management": 3,
}
SEARCH_WORDS: Final = (
    "shelter",
    "food",
    "detox",
    "clinic",
    "legal",
    "recovery",
    "housing",
    "crisis",
    "pantry",
    "treatment",
    "peer",
    "benefits",
)


def _near_metro(rng: random.Random, sigma_km: float = 10.0) -> tuple[float, float]:
    metro = rng.choices(METROS, weights=[m.population_m for m in METROS])[0]
    lat = metro.lat + rng.gauss(0, sigma_km) / KM_PER_DEGREE
    lon = metro.lon + rng.gauss(0, sigma_km) / (KM_PER_DEGREE * math.cos(math.radians(metro.lat)))
    return round(lat, 5), round(lon, 5)


def match_requests(count: int, seed: int, at: datetime, needs_per_request: int = 3) -> list[dict[str, Any]]:
    """`count` POST /v1/match bodies: 3 needs, 15 km, a participant with the usual fields."""
    rng = random.Random(seed)
    names = list(NEED_WEIGHTS)
    weights = list(NEED_WEIGHTS.values())
    out: list[dict[str, Any]] = []
    for _ in range(count):
        lat, lon = _near_metro(rng)
        needs: list[str] = []
        while len(needs) < needs_per_request:
            need = rng.choices(names, weights=weights)[0]
            if need not in needs:
                needs.append(need)
        body: dict[str, Any] = {
            "location": {"lat": lat, "lon": lon},
            "needs": needs,
            "radius_km": 15,
            "at": at.isoformat(),
            "limit": 5,
            "intercept": rng.choice((0, 1, 1, 2, 4)),
            "participant": {
                "age": rng.randint(18, 70),
                "gender": rng.choice(("female", "male", "non-binary")),
                "active_substance_use": rng.random() < 0.6,
                "on_moud": rng.random() < 0.3,
                "sex_work": rng.random() < 0.1,
                "has_id": rng.random() < 0.6,
                "criminal_record": rng.random() < 0.5,
                "pets": rng.random() < 0.1,
                "insurance": [rng.choice(("medicaid", "uninsured", "medicare"))],
            },
        }
        if rng.random() < 0.2:
            body["program"] = rng.choice(PROGRAMS)
        out.append(body)
    return out


def search_queries(count: int, seed: int) -> list[dict[str, Any]]:
    """Directory geo + text searches, as a 211 operator types them."""
    rng = random.Random(seed + 7)
    out = []
    for _ in range(count):
        lat, lon = _near_metro(rng)
        out.append({"lat": lat, "lon": lon, "radius_km": 10, "search": rng.choice(SEARCH_WORDS), "per_page": 20})
    return out


def hsds_services(count: int, seed: int, now: datetime, prefix: str = "imp") -> list[dict[str, Any]]:
    """`count` full HSDS 3.1 services with the diversion profile, for the import benchmark."""
    rng = random.Random(seed + 11)
    out: list[dict[str, Any]] = []
    for n in range(count):
        kind = rng.choices(KINDS, weights=[k.weight for k in KINDS])[0]
        sid, oid, lid = f"{prefix}-s{n}", f"{prefix}-o{n // 3}", f"{prefix}-l{n}"
        lat, lon = _near_metro(rng, 20)
        attrs: list[dict[str, Any]] = []
        for need in kind.needs:
            attrs.append(_attribute(sid, "divert-needs", need, None))
        for term, p in kind.barriers.items():
            if rng.random() < p:
                attrs.append(
                    _attribute(
                        sid,
                        "divert-eligibility",
                        term,
                        "medicaid,uninsured" if term == "insurance" else "female" if term == "genders" else "true",
                    )
                )
        service: dict[str, Any] = {
            "id": sid,
            "name": f"{kind.label} {n}",
            "status": "active",
            "description": f"{kind.label} number {n}",
            "organization_id": oid,
            "organization": {"id": oid, "name": f"Organization {n // 3}", "description": "provider"},
            "attributes": attrs,
            "service_at_locations": [
                {
                    "id": f"{prefix}-sal{n}",
                    "service_id": sid,
                    "location_id": lid,
                    "location": {
                        "id": lid,
                        "location_type": "physical",
                        "name": f"Site {n}",
                        "latitude": lat,
                        "longitude": lon,
                        "addresses": [
                            {
                                "id": f"{prefix}-a{n}",
                                "location_id": lid,
                                "address_1": "1 Main St",
                                "city": "Somewhere",
                                "state_province": "WA",
                                "postal_code": "98104",
                                "country": "US",
                                "address_type": "physical",
                            }
                        ],
                    },
                }
            ],
            "schedules": [
                {
                    "id": f"{prefix}-h{n}",
                    "service_id": sid,
                    "freq": "WEEKLY",
                    "byday": "MO,TU,WE,TH,FR",
                    "opens_at": "09:00",
                    "closes_at": "17:00",
                }
            ],
            "capacities": [],
        }
        if kind.unit:
            service["capacities"].append(
                {
                    "id": f"{prefix}-c{n}",
                    "service_id": sid,
                    "unit": {"id": kind.unit, "name": kind.unit},
                    "available": rng.randint(0, 10),
                    "maximum": 20,
                    "waitlist": rng.randint(0, 5),
                    "reserved_for": [],
                    "updated": now.isoformat(),
                    "location_id": lid,
                }
            )
        out.append(service)
    return out


def _attribute(sid: str, taxonomy: str, code: str, value: str | None) -> dict[str, Any]:
    term = {"id": f"term-{taxonomy}-{code}", "code": code, "name": code, "taxonomy": taxonomy, "description": code}
    attr: dict[str, Any] = {
        "id": f"{sid}-{taxonomy}-{code}",
        "link_id": sid,
        "link_entity": "service",
        "link_type": taxonomy,
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
    }
    if value is not None:
        attr["value"] = value
    return attr


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]
