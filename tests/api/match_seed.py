"""Test factory: writes HSDS-shaped services (the shape /work/shared/tools/world.py makes) straight into
the catalog tables and refreshes the projections, so match tests need not go through the importer.
Also a bulk variant for EXPLAIN tests on a few thousand sites.
"""

from __future__ import annotations

import json
from typing import Any

import world  # tests/world.py: the scenarios' world builder, copied from shared/tools
from sqlalchemy import text
from sqlalchemy.orm import Session

from catalog.projections import refresh_services, resolve_term_profiles

__all__ = ["seed", "seed_bulk", "world"]


def _ins(session: Session, table: str, row: dict[str, Any], conflict: bool = False) -> None:
    cols = ", ".join(row)
    vals = ", ".join(f":{k}" for k in row)
    tail = " ON CONFLICT DO NOTHING" if conflict else ""
    session.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({vals}){tail}"), row)


def seed(session: Session, services: list[dict[str, Any]]) -> None:
    for s in services:
        org = s["organization"]
        _ins(session, "organization", {"id": org["id"], "name": org["name"]}, conflict=True)
        row = {"id": s["id"], "organization_id": org["id"], "name": s["name"], "status": s.get("status", "active")}
        for k in ("minimum_age", "maximum_age"):
            if k in s:
                row[k] = s[k]
        _ins(session, "service", row)
        for a in s.get("attributes", []):
            t = a["taxonomy_term"]
            _ins(
                session,
                "taxonomy_term",
                {"id": t["id"], "code": t["code"], "name": t["name"], "taxonomy": t.get("taxonomy")},
                conflict=True,
            )
            _ins(
                session,
                "attribute",
                {
                    "id": a["id"],
                    "link_id": s["id"],
                    "link_entity": "service",
                    "link_type": a.get("link_type"),
                    "taxonomy_term_id": t["id"],
                    "value": a.get("value"),
                },
            )
        for lang in s.get("languages", []):
            _ins(
                session,
                "language",
                {"id": lang["id"], "service_id": s["id"], "code": lang["code"], "name": lang.get("name")},
            )
        for sal in s.get("service_at_locations", []):
            loc = sal["location"]
            session.execute(
                text(
                    "INSERT INTO location (id, name, latitude, longitude, geog) VALUES (:id, :name, :lat, :lon, "
                    "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) ON CONFLICT DO NOTHING"
                ),
                {"id": loc["id"], "name": loc.get("name"), "lat": loc["latitude"], "lon": loc["longitude"]},
            )
            _ins(session, "service_at_location", {"id": sal["id"], "service_id": s["id"], "location_id": loc["id"]})
        for sc in s.get("schedules", []):
            _ins(
                session,
                "schedule",
                {
                    k: sc[k]
                    for k in ("id", "service_id", "freq", "byday", "bymonthday", "opens_at", "closes_at", "interval")
                    if k in sc
                },
            )
        for c in s.get("capacities", []):
            _ins(
                session, "unit", {"id": c["unit"]["id"], "name": c["unit"].get("name", c["unit"]["id"])}, conflict=True
            )
            _ins(
                session,
                "service_capacity",
                {
                    "id": c["id"],
                    "service_id": s["id"],
                    "unit_id": c["unit"]["id"],
                    "available": c["available"],
                    "maximum": c.get("maximum"),
                    "description": c.get("description"),
                    "updated": c["updated"],
                    "waitlist": c.get("waitlist", 0),
                    "reserved_for": c.get("reserved_for", []),
                    "location_id": c.get("location_id"),
                },
            )
        for area in s.get("service_areas", []):
            session.execute(
                text(
                    "INSERT INTO service_area (id, service_id, name, extent, extent_type, geog) VALUES "
                    "(:id, :sid, :name, :extent, 'geojson', ST_GeomFromGeoJSON(:extent)::geography)"
                ),
                {"id": area["id"], "sid": s["id"], "name": area.get("name"), "extent": area["extent"]},
            )
    resolve_term_profiles(session)
    refresh_services(session, [s["id"] for s in services])


def seed_bulk(session: Session, n: int, needs: tuple[str, ...] = ("shelter", "food", "moud")) -> None:
    """n services scattered over ~60 km around Seattle, each meeting one need, for planner tests."""
    specs = []
    for i in range(n):
        km_n = ((i * 7919) % 1200) / 10.0 - 60.0
        km_e = ((i * 104729) % 1200) / 10.0 - 60.0
        specs.append(
            {
                "name": f"Bulk {i}",
                "at": (km_n, km_e),
                "needs": [needs[i % len(needs)]],
                "pools": [{"available": i % 3, "updated": "2026-11-22T18:00:00-08:00"}]
                if needs[i % len(needs)] == "shelter"
                else [],
            }
        )
    seed(session, world.world(specs))


def as_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
