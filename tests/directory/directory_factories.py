"""Catalog factories for the directory tests: rows inserted directly with SQLAlchemy Core bulk inserts
(the HSDS importer is exercised by its own tests), then the projections rebuilt as any writer does."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from catalog import tables as t
from catalog.projections import refresh_services
from matcher.vocabulary import ELIGIBILITY_TERMS, INFORMATIONAL_TERMS, INTERCEPTS, NEEDS

SEATTLE = (47.6062, -122.3321)
EARTH_RADIUS_M = 6371008.8  # PostGIS's sphere (mean radius), as the directory's distances use


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def offset(km_north: float, km_east: float, center: tuple[float, float] = SEATTLE) -> tuple[float, float]:
    lat = center[0] + km_north / 111.32
    lon = center[1] + km_east / (111.32 * math.cos(math.radians(center[0])))
    return round(lat, 6), round(lon, 6)


def need_term_id(code: str) -> str:
    return f"term-divert-needs-{code}"


def elig_term_id(code: str) -> str:
    return f"term-divert-eligibility-{code}"


def intercept_term_id(code: int) -> str:
    return f"term-sim-intercept-{code}"


@dataclass
class Place:
    lat: float
    lon: float
    postal_code: str = "98104"
    schedules: list[dict[str, Any]] = field(default_factory=list)  # schedules of the service at this place


@dataclass
class ServiceSpec:
    id: str
    name: str
    org: str = "org-1"
    needs: Sequence[str] = ()
    intercepts: Sequence[int] = ()
    eligibility: dict[str, str] = field(default_factory=dict)
    places: list[Place] = field(default_factory=list)
    schedules: list[dict[str, Any]] = field(default_factory=list)  # schedules of the service itself
    languages: Sequence[str] = ()
    description: str | None = None
    status: str = "active"
    minimum_age: float | None = None
    maximum_age: float | None = None
    area: list[tuple[float, float]] | None = None  # polygon ring (lat, lon), closed
    capacities: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    last_modified: datetime | None = None


class CatalogBuilder:
    """Accumulates rows per table and writes them in foreign-key order with executemany inserts."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {
            name: []
            for name in (
                "taxonomy",
                "taxonomy_term",
                "organization",
                "location",
                "service",
                "service_at_location",
                "address",
                "schedule",
                "service_area",
                "language",
                "attribute",
                "unit",
                "service_capacity",
            )
        }
        self.orgs: set[str] = set()
        self.service_ids: list[str] = []
        self._profile_terms()

    def _profile_terms(self) -> None:
        for name in ("divert-needs", "divert-eligibility", "sim-intercept"):
            self.rows["taxonomy"].append({"id": f"tx-{name}", "name": name, "description": name})
        for code, words in NEEDS.items():
            self.rows["taxonomy_term"].append(
                {
                    "id": need_term_id(code),
                    "code": code,
                    "name": words,
                    "taxonomy": "divert-needs",
                    "taxonomy_id": "tx-divert-needs",
                    "profile": "divert-needs",
                }
            )
        for code in sorted(ELIGIBILITY_TERMS | INFORMATIONAL_TERMS):
            self.rows["taxonomy_term"].append(
                {
                    "id": elig_term_id(code),
                    "code": code,
                    "name": code,
                    "taxonomy": "divert-eligibility",
                    "taxonomy_id": "tx-divert-eligibility",
                    "profile": "divert-eligibility",
                }
            )
        for code, words in INTERCEPTS.items():
            self.rows["taxonomy_term"].append(
                {
                    "id": intercept_term_id(code),
                    "code": str(code),
                    "name": words,
                    "taxonomy": "sim-intercept",
                    "taxonomy_id": "tx-sim-intercept",
                    "profile": "sim-intercept",
                }
            )
        for unit in ("bed", "slot"):
            self.rows["unit"].append({"id": unit, "name": unit.capitalize()})

    def add(self, spec: ServiceSpec) -> None:
        if spec.org not in self.orgs:
            self.orgs.add(spec.org)
            self.rows["organization"].append(
                {"id": spec.org, "name": f"Organization {spec.org}", "description": "test organization"}
            )
        self.service_ids.append(spec.id)
        service = {
            "id": spec.id,
            "organization_id": spec.org,
            "name": spec.name,
            "description": spec.description or spec.name,
            "status": spec.status,
            "minimum_age": spec.minimum_age,
            "maximum_age": spec.maximum_age,
            "assured_date": date(2026, 10, 1),
            "extra": spec.extra,
        }
        if spec.last_modified is not None:
            service["last_modified"] = spec.last_modified
        self.rows["service"].append(service)
        for n, place in enumerate(spec.places):
            lid, sal = f"{spec.id}-loc{n}", f"{spec.id}-sal{n}"
            self.rows["location"].append(
                {
                    "id": lid,
                    "organization_id": spec.org,
                    "name": f"{spec.name} site {n}",
                    "latitude": place.lat,
                    "longitude": place.lon,
                    "geog": f"SRID=4326;POINT({place.lon} {place.lat})",
                }
            )
            self.rows["service_at_location"].append({"id": sal, "service_id": spec.id, "location_id": lid})
            self.rows["address"].append(
                {
                    "id": f"{lid}-addr",
                    "location_id": lid,
                    "address_1": f"{n} Main St",
                    "city": "Seattle",
                    "state_province": "WA",
                    "postal_code": place.postal_code,
                    "country": "US",
                    "address_type": "physical",
                }
            )
            for k, sched in enumerate(place.schedules):
                self._schedule(f"{sal}-sched{k}", sched, service_at_location_id=sal)
        for k, sched in enumerate(spec.schedules):
            self._schedule(f"{spec.id}-sched{k}", sched, service_id=spec.id)
        for code in spec.needs:
            self._attribute(spec.id, need_term_id(code), "divert-needs")
        for code in spec.intercepts:
            self._attribute(spec.id, intercept_term_id(code), "sim-intercept")
        for code, value in spec.eligibility.items():
            self._attribute(spec.id, elig_term_id(code), "divert-eligibility", value)
        for code in spec.languages:
            self.rows["language"].append(
                {"id": f"{spec.id}-lang-{code}", "service_id": spec.id, "code": code, "name": code}
            )
        if spec.area:
            ring = ", ".join(f"{lon} {lat}" for lat, lon in spec.area)
            self.rows["service_area"].append(
                {
                    "id": f"{spec.id}-area",
                    "service_id": spec.id,
                    "name": f"{spec.name} area",
                    "extent_type": "geojson",
                    "geog": f"SRID=4326;POLYGON(({ring}))",
                }
            )
        for k, cap in enumerate(spec.capacities):
            self.rows["service_capacity"].append(
                {
                    "id": cap.get("id", f"{spec.id}-cap{k}"),
                    "service_id": spec.id,
                    "unit_id": cap.get("unit", "bed"),
                    "available": cap["available"],
                    "maximum": cap.get("maximum"),
                    "waitlist": cap.get("waitlist", 0),
                    "reserved_for": cap.get("reserved_for", []),
                    "updated": cap["updated"],
                    "location_id": cap.get("location_id"),
                }
            )

    def _attribute(self, service_id: str, term_id: str, link_type: str, value: str | None = None) -> None:
        self.rows["attribute"].append(
            {
                "id": f"{service_id}-{term_id}",
                "link_id": service_id,
                "taxonomy_term_id": term_id,
                "link_type": link_type,
                "link_entity": "service",
                "value": value,
            }
        )

    def _schedule(self, sid: str, sched: dict[str, Any], **link: str) -> None:
        row = {"id": sid, "freq": "WEEKLY", **link, **sched}
        for key in ("opens_at", "closes_at"):
            if isinstance(row.get(key), str):
                row[key] = time.fromisoformat(row[key])
        self.rows["schedule"].append(row)

    def write(self, session: Session) -> list[str]:
        tables = {
            "taxonomy": t.Taxonomy,
            "taxonomy_term": t.TaxonomyTerm,
            "organization": t.Organization,
            "location": t.Location,
            "service": t.Service,
            "service_at_location": t.ServiceAtLocation,
            "address": t.Address,
            "schedule": t.Schedule,
            "service_area": t.ServiceArea,
            "language": t.Language,
            "attribute": t.Attribute,
            "unit": t.Unit,
            "service_capacity": t.ServiceCapacity,
        }
        for name, model in tables.items():
            rows = self.rows[name]
            if not rows:
                continue
            # executemany needs one key set per statement: group rows by their keys.
            by_keys: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for r in rows:
                by_keys.setdefault(tuple(sorted(r)), []).append(r)
            for group in by_keys.values():
                session.execute(insert(model), group)
        for start in range(0, len(self.service_ids), 1000):
            refresh_services(session, self.service_ids[start : start + 1000])
        return self.service_ids


def write_catalog(sessions: Any, specs: Sequence[ServiceSpec]) -> list[str]:
    builder = CatalogBuilder()
    for spec in specs:
        builder.add(spec)
    with sessions() as session:
        ids = builder.write(session)
        session.commit()
    return ids


def generated_specs(n: int, seed: int = 7, spread_km: float = 40.0) -> list[ServiceSpec]:
    """A region of `n` services around Seattle: 1-2 places each, 1-3 needs, some intercepts, some
    eligibility rules and weekly hours, names made of need words (so text search has something to find)."""
    rng = random.Random(seed)
    codes = sorted(NEEDS)
    zips = ["98101", "98104", "98109", "98118", "98122", "98133"]
    specs = []
    for i in range(n):
        needs = rng.sample(codes, rng.randint(1, 3))
        places = []
        for _ in range(1 if rng.random() < 0.7 else 2):
            lat, lon = offset(rng.uniform(-spread_km, spread_km), rng.uniform(-spread_km, spread_km))
            places.append(Place(lat, lon, postal_code=rng.choice(zips)))
        schedules = []
        if rng.random() < 0.6:
            schedules.append({"byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "17:00"})
        eligibility = {"sobriety_required": "true"} if rng.random() < 0.2 else {}
        specs.append(
            ServiceSpec(
                id=f"svc-{i:05d}",
                name=f"{NEEDS[needs[0]]} {i}",
                org=f"org-{i // 5:04d}",
                needs=needs,
                intercepts=rng.sample(range(6), rng.randint(0, 2)),
                eligibility=eligibility,
                places=places,
                schedules=schedules,
                languages=["en"] + (["es"] if rng.random() < 0.3 else []),
                last_modified=datetime(2026, 1, 1, tzinfo=UTC).replace(month=1 + i % 12),
            )
        )
    return specs


__all__ = [
    "CatalogBuilder",
    "Place",
    "SEATTLE",
    "ServiceSpec",
    "generated_specs",
    "haversine_m",
    "offset",
    "write_catalog",
]
