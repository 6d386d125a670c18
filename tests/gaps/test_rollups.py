"""The gap map's roll-ups (gap_cell's supply columns, gap_cover) give the answer a from-scratch computation
gives, through capacity reports, holds, new gap events and catalog writes in between.

The from-scratch side groups every site of the region with its live pools (`gap_supply_rows(..., "cells")`,
no roll-up read), probes the service-area index for every cell, sums each cell's ring over
`h3.grid_disk` and judges it with `area_status`; the API's whole map (one page) must agree on every row.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

import h3
from gap_region import Region, cell_centre, rows_by
from sqlalchemy import text

from api.gaps import queries, service
from api.gaps.render import demand_json, supply_json
from api.gaps.status import STATUSES, Reach, area_status
from catalog.projections import refresh_services
from matcher.vocabulary import INTERCEPTS, NEEDS

BASE_LAT, BASE_LON = 47.6, -122.33
NEEDS_HERE = ("shelter", "food", "mental_health")


def cell(k: int, j: int = 0) -> str:
    """Res-7 cells around one place: (k, j) steps of about 2.5 km, so many are ring neighbours."""
    return h3.latlng_to_cell(BASE_LAT + 0.022 * j, BASE_LON + 0.033 * k, 7)


def at(k: int, j: int = 0) -> tuple[float, float]:
    return cell_centre(cell(k, j))


def _from_scratch(session: Any, settings: Any) -> dict[tuple[str, str, int], dict[str, Any]]:
    """Every row of the res-7 map, computed without the roll-ups."""
    now = datetime.now(UTC)
    common: dict[str, Any] = {"needs": list(NEEDS), "intercepts": list(INTERCEPTS), "at": now}
    supply = {
        (r.area, r.need, r.intercept): r
        for r in queries.gap_supply_rows(session, "cells", resolution=7, freshness=settings.freshness, **common)
    }
    demand: dict[tuple[str, str, int], dict[str, int]] = {}
    for r in queries.demand_rows(
        session,
        "cells",
        needs=list(NEEDS),
        intercepts=list(INTERCEPTS),
        start=now - timedelta(days=40),
        end=now + timedelta(days=2),
        resolution=7,
    ):
        demand.setdefault((r.area, r.need, r.intercept), {})[r.reason] = r.events
    keys = supply.keys() | demand.keys()
    areas = sorted({k[0] for k in keys})
    lats = [h3.cell_to_latlng(a)[0] for a in areas]
    lons = [h3.cell_to_latlng(a)[1] for a in areas]
    covering = {
        (r.area, r.need, r.intercept): r
        for r in queries.area_service_rows(
            session, targets="cells", areas=areas, lats=lats, lons=lons, freshness=settings.freshness, **common
        )
    }
    rows = {}
    for key in keys:
        area, need, intercept = key
        ring = [supply[(c, need, intercept)] for c in h3.grid_disk(area, 1) if (c, need, intercept) in supply]
        cover = covering.get(key)
        reach = Reach(
            sum(s.services for s in ring),
            cover.services if cover else 0,
            sum(s.open_units for s in ring) + (cover.open_units if cover else 0),
            sum(s.untracked_services for s in ring) + (cover.untracked_services if cover else 0),
            sum(s.barrier_free_open for s in ring) + (cover.free_open_units if cover else 0),
            sum(s.barrier_free_untracked for s in ring) + (cover.free_untracked_services if cover else 0),
        )
        rows[key] = {
            "status": area_status(reach, demand.get(key, {})),
            "supply": supply_json(supply.get(key)),
            "reach": reach,
            "demand": demand_json(demand.get(key, {})),
        }
    return rows


def _assert_map_equals_scratch(client: Any, planner: dict[str, str], db: Any, settings: Any) -> int:
    today = datetime.now(UTC).date()
    r = client.get(
        "/v1/gaps",
        params={"limit": "2000000", "from": str(today - timedelta(days=39)), "to": str(today + timedelta(days=1))},
        headers=planner,
    )
    assert r.status_code == 200, r.text
    got = rows_by(r.json())
    with db() as session:
        want = _from_scratch(session, settings)
    assert got.keys() == want.keys()
    for key, row in got.items():
        expected = want[key]
        reach = expected["reach"]
        assert row["status"] == expected["status"], key
        assert row["supply"] == expected["supply"], key
        assert row["demand"] == expected["demand"], key
        assert row["reach"] == {
            "services": reach.services,
            "area_services": reach.area_services,
            "open_units": reach.open_units,
            "untracked_services": reach.untracked_services,
            "barrier_free_open_units": reach.barrier_free_open_units,
            "barrier_free_untracked_services": reach.barrier_free_untracked_services,
        }, key
    return len(got)


_AT = re.compile(rb'"at":"[^"]*",')


def _assert_sim_equals_scratch(client: Any, planner: dict[str, str], db: Any, settings: Any) -> None:
    """The SIM table (res 7, served from the structure the process holds, api/gaps/sim_structure.py)
    counts the from-scratch map's rows by status per intercept × need, and its region supply is the
    plain region aggregation over gap_site with live pools; json and csv alike give the same table as
    the statement-by-statement path (service._cell_status_counts)."""
    today = datetime.now(UTC).date()
    window = {"from": str(today - timedelta(days=39)), "to": str(today + timedelta(days=1))}
    r = client.get("/v1/gaps/sim", params=window, headers=planner)
    assert r.status_code == 200, r.text
    body = r.json()
    with db() as session:
        rows = _from_scratch(session, settings)
        region = {
            (s.need, s.intercept): s
            for s in queries.gap_supply_rows(
                session,
                "region",
                needs=list(NEEDS),
                intercepts=list(INTERCEPTS),
                at=datetime.now(UTC),
                freshness=settings.freshness,
            )
        }
    want: dict[tuple[str, int], dict[str, int]] = {}
    for (_, need, intercept), row in rows.items():
        counts = want.setdefault((need, intercept), dict.fromkeys(STATUSES, 0))
        counts[row["status"]] += 1
    seen = 0
    for block in body["intercepts"]:
        for entry in block["needs"]:
            key = (entry["need"], block["intercept"])
            assert entry["areas"] == want.get(key, dict.fromkeys(STATUSES, 0)), key
            assert entry["supply"] == supply_json(region.get(key)), key
            seen += 1
    assert seen == len(NEEDS) * len(INTERCEPTS)
    # The statement path, forced, answers byte for byte the same (json and csv).
    for params in (window, {**window, "format": "csv"}, {**window, "need": "shelter,food", "intercept": "0,4"}):
        fast = client.get("/v1/gaps/sim", params=params, headers=planner)
        with patch.object(service, "_r7_status_counts", lambda *a, **k: None):
            slow = client.get("/v1/gaps/sim", params=params, headers=planner)
        assert fast.status_code == slow.status_code == 200
        # Byte for byte but the request's own time.
        assert _AT.sub(b"", fast.content) == _AT.sub(b"", slow.content), params


def test_rollups_answer_as_from_scratch_through_writes(
    client, planner, make_key, region: Region, db, settings, monkeypatch
):
    # This region is small: the SIM table would take the statement path; hold the structure path here.
    monkeypatch.setattr(service, "SIM_STRUCTURE_MIN_AREAS", 0)

    def check() -> int:
        n = _assert_map_equals_scratch(client, planner, db, settings)
        _assert_sim_equals_scratch(client, planner, db, settings)
        return n

    mission = region.service("Mission", at(0), ["shelter", "food"], intercepts=[0, 4], info=["sobriety_required"])
    haven = region.service("Haven", at(1), ["shelter"], info=["low_barrier"], extra_sites=[at(0, 1)])
    clinic = region.service("Clinic", at(2), ["mental_health"], intercepts=[2])
    pantry = region.service("Pantry", at(1, 1), ["food"])
    region.service("Drop-in", at(5), ["shelter"])  # outside the outreach area until it grows
    outreach = region.service(
        "Outreach",
        None,
        ["mental_health", "shelter"],
        area=[(47.55, -122.36), (47.55, -122.20), (47.70, -122.20), (47.70, -122.36), (47.55, -122.36)],
    )
    beds = region.pool(mission, available=4, waitlist=1, maximum=20)
    bought = region.pool(haven, available=3, maximum=5, reserved_for=["lead"])
    haven_beds = region.pool(haven, available=2, waitlist=3, location_id=f"loc-{haven}-1")
    region.pool(clinic, "slot", available=5, age=timedelta(days=9))  # stale
    region.pool(outreach, "slot", available=2)
    region.events(cell(3), "shelter", "no_capacity", 2)  # demand where no site is
    region.events(cell(1), "shelter", "waitlist_only")
    region.commit()
    assert check() > 5
    with db() as session:
        assert session.execute(text("SELECT count(*) FROM gap_cover")).scalar()

    admin = make_key("admin")
    # Capacity reports, single and batched.
    now = datetime.now(UTC)
    r = client.put(f"/v1/capacity/{beds}", json={"available": 0, "updated": now.isoformat()}, headers=admin)
    assert r.status_code == 200, r.text
    check()
    updates = [
        {"capacity_id": haven_beds, "available": 6, "waitlist": 0, "updated": now.isoformat()},
        {"capacity_id": bought, "available": 1, "updated": now.isoformat()},
    ]
    assert client.post("/v1/capacity", json={"updates": updates}, headers=admin).status_code == 200
    check()

    # Holds: one taken, then released.
    r = client.post("/v1/holds", json={"capacity_id": haven_beds, "minutes": 30}, headers=admin)
    assert r.status_code == 201, r.text
    check()
    assert client.delete(f"/v1/holds/{r.json()['hold_id']}", headers=admin).status_code in (200, 204)
    check()

    # New gap events through the matcher, in a cell with no site.
    lat, lon = at(6, 2)
    r = client.post(
        "/v1/match", json={"location": {"lat": lat, "lon": lon}, "needs": ["legal"], "radius_km": 1}, headers=admin
    )
    assert r.status_code == 200, r.text
    check()

    # Catalog writes: a new service in a known cell, a place that moves, a service area that grows, a pool
    # added, and a pool handed to another service whose old owner is not rewritten.
    region.service("Night Shelter", at(0), ["shelter"])
    with db() as session:
        session.execute(
            text("UPDATE location SET geog = ST_GeogFromText('SRID=4326;POINT(-122.27 47.62)') WHERE id = :id"),
            {"id": f"loc-{pantry}-0"},
        )
        session.execute(
            text(
                "UPDATE service_area SET geog = ST_GeogFromText("
                "'SRID=4326;POLYGON((-122.40 47.50, -122.10 47.50, -122.10 47.75, -122.40 47.75, -122.40 47.50))')"
                " WHERE service_id = :id"
            ),
            {"id": outreach},
        )
        session.commit()
    region.pool(pantry, "slot", available=7)
    region.commit()
    check()
    with db() as session:
        session.execute(text("UPDATE service_capacity SET service_id = :to WHERE id = :id"), {"to": clinic, "id": beds})
        refresh_services(session, [clinic])
        session.commit()
    check()

    # The clock: a pool whose last report is older than its unit's time-to-live counts nothing open
    # (nothing is written but the report's time).
    with db() as session:
        session.execute(
            text("UPDATE service_capacity SET updated = now() - interval '30 days' WHERE id = :id"), {"id": haven_beds}
        )
        session.commit()
    check()

    # Pools changed with no refresh at all: one becomes a bed pool, one is removed. The map's roll-up
    # does not see these (its page reads the recorded pools), so only the SIM table is held here: the
    # process's structure no longer matches the pools and is rebuilt.
    with db() as session:
        session.execute(text("UPDATE service_capacity SET unit_id = 'bed' WHERE service_id = :id"), {"id": pantry})
        session.execute(text("DELETE FROM service_capacity WHERE id = :id"), {"id": bought})
        session.commit()
    _assert_sim_equals_scratch(client, planner, db, settings)

    # Removals: a service leaves the catalog (inactive), and its pools with it.
    with db() as session:
        session.execute(text("UPDATE service SET status = 'inactive' WHERE id = :id"), {"id": mission})
        refresh_services(session, [mission, pantry, haven])
        session.commit()
    check()
