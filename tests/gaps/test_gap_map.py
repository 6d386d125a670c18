"""The planner gap map over a generated region: each status against a hand-computed expectation."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import h3
import pytest
from gap_region import NOW, Region, cell_centre, rows_by
from sqlalchemy import text

from api.gaps.render import CSV_COLUMNS

BASE_LAT, BASE_LON = 47.6, -122.9
STEP = 0.15  # degrees of longitude, about 11 km: places k apart are never neighbours at res 7


def cell(k: int, resolution: int = 7) -> str:
    return h3.latlng_to_cell(BASE_LAT, BASE_LON + STEP * k, resolution)


def at(k: int) -> tuple[float, float]:
    """The centre of place k's res-7 cell (so coarser parents are unambiguous)."""
    return cell_centre(cell(k))


A, B, C, D, F, G, H, I, J = (cell(k) for k in range(9))  # noqa: E741
# E: a ring-1 neighbour of A with no service of its own.
E = sorted(set(h3.grid_disk(A, 1)) - {A})[0]


@pytest.fixture
def seattle(region: Region) -> dict[str, str]:
    r = region
    ids = {
        # A: a low-barrier shelter with 5 beds reported, 2 owed to the wait list, 1 held -> 2 open.
        "harbor": r.service("Harbor Shelter", at(0), ["shelter"], info=["low_barrier"]),
        # A: a food pantry that tracks nothing.
        "meals": r.service("Hope Meals", at(0), ["food"]),
        # B: intercept 4 shelter whose 2 beds are all owed to people waiting.
        "full": r.service("Full House", at(1), ["shelter"], intercepts=[4], info=["housing_first"]),
        # C: 10 beds, but the report is 3 days old (beds live 24 h): not open.
        "stale": r.service("Stale Beds", at(2), ["shelter"]),
        # F: intercepts 1 and 3; public beds full, 3 beds bought by a program, 1 held -> 2 open.
        "program": r.service("Program Beds", at(4), ["shelter"], intercepts=[1, 3]),
        # A mobile outreach van reaching G only (no site).
        "van": r.service("Outreach Van", None, ["harm_reduction"], area=_box(at(5), 0.02)),
        # I and J: one clinic with two sites and one service-wide pool of 4 slots.
        "twin": r.service("Twin Clinic", at(7), ["moud"], extra_sites=[at(8)]),
    }
    r.pool(ids["harbor"], available=5, maximum=10, waitlist=2, holds=1)
    r.pool(ids["full"], available=2, waitlist=2)
    r.pool(ids["stale"], available=10, age=timedelta(days=3))
    r.pool(ids["program"], available=0, maximum=20)
    r.pool(ids["program"], available=3, reserved_for=["lead"], holds=1)
    r.pool(ids["twin"], "slot", available=4)
    # Demand (hour buckets, as the matcher writes them).
    r.events(A, "shelter", "eligibility", 3, age=timedelta(days=60))  # outside the default window
    r.events(E, "shelter", "none_in_area", 2)
    r.events(E, "food", "no_capacity", 1, intercept=None)  # no intercept named: counted at 0
    r.events(D, "shelter", "none_in_area", 4, intercept=4)
    r.events(D, "shelter", "no_capacity", 1, intercept=4)
    r.events(G, "harm_reduction", "none_in_area", 1)
    r.events(H, "harm_reduction", "eligibility", 2)
    r.commit()
    return ids


def _box(centre: tuple[float, float], half: float) -> list[list[float]]:
    lat, lon = centre
    return [
        [lat - half, lon - half],
        [lat - half, lon + half],
        [lat + half, lon + half],
        [lat + half, lon - half],
        [lat - half, lon - half],
    ]


def get(client: Any, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    r = client.get("/v1/gaps", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_each_status_matches_the_hand_computed_expectation(client, planner, seattle):
    rows = rows_by(get(client, planner))
    expected = {
        (A, "shelter", 0): "sufficient",  # 2 open beds; the old eligibility events are outside the window
        (A, "food", 0): "sufficient",  # untracked pantry
        (E, "shelter", 0): "sufficient",  # A's beds are in reach (ring 1); none_in_area is not unmet demand
        (E, "food", 0): "lacks_capacity",  # the pantry is in reach, but a request met no capacity
        (B, "shelter", 4): "lacks_capacity",  # every bed owed to the wait list
        (C, "shelter", 0): "lacks_capacity",  # stale report: nothing open
        (D, "shelter", 4): "absent",  # requests, nothing in reach
        (F, "shelter", 1): "sufficient",  # program beds
        (F, "shelter", 3): "sufficient",
        (G, "harm_reduction", 0): "sufficient",  # the van's service area covers G
        (H, "harm_reduction", 0): "absent",
        (I, "moud", 0): "sufficient",
        (J, "moud", 0): "sufficient",
    }
    assert {k: r["status"] for k, r in rows.items()} == expected


def test_supply_counts_units_by_pool_kind(client, planner, seattle):
    rows = rows_by(get(client, planner))
    harbor = rows[(A, "shelter", 0)]["supply"]
    assert harbor["services"] == 1 and harbor["low_barrier_services"] == 1
    assert harbor["untracked_services"] == 0
    assert harbor["units"]["public"] == {"total": 10, "available": 5, "open": 2}
    assert harbor["pools"] == 1 and harbor["freshness"] == 1.0
    assert rows[(A, "food", 0)]["supply"]["untracked_services"] == 1
    full = rows[(B, "shelter", 4)]["supply"]
    assert full["low_barrier_services"] == 1 and full["units"]["public"]["open"] == 0
    stale = rows[(C, "shelter", 0)]["supply"]
    assert stale["units"]["public"] == {"total": 10, "available": 10, "open": 0}
    assert stale["freshness"] == 0.0
    program = rows[(F, "shelter", 1)]["supply"]
    assert program["units"]["program"] == {"total": 3, "available": 3, "open": 2}
    assert program["units"]["public"] == {"total": 20, "available": 0, "open": 0}
    # A pool naming no site counts wherever its service is offered.
    assert rows[(I, "moud", 0)]["supply"]["units"]["public"]["open"] == 4
    assert rows[(J, "moud", 0)]["supply"]["units"]["public"]["open"] == 4
    # Reach and demand.
    e = rows[(E, "shelter", 0)]
    assert e["supply"]["services"] == 0 and e["reach"]["services"] == 1 and e["reach"]["open_units"] == 2
    assert e["demand"]["by_reason"]["none_in_area"] == 2 and e["demand"]["total"] == 2
    g = rows[(G, "harm_reduction", 0)]
    assert g["reach"]["area_services"] == 1 and g["reach"]["untracked_services"] == 1
    d = rows[(D, "shelter", 4)]["demand"]
    assert d["total"] == 5 and d["by_reason"]["no_capacity"] == 1


def test_filters_by_need_and_intercept(client, planner, seattle):
    rows = rows_by(get(client, planner, intercept="4"))
    assert set(rows) == {(B, "shelter", 4), (D, "shelter", 4)}
    rows = rows_by(get(client, planner, need="food"))
    assert set(rows) == {(A, "food", 0), (E, "food", 0)}


def test_a_page_ending_on_the_last_row_ends_the_map(client, planner, seattle):
    # Asked (intercept, need) blocks with no row after the last one with rows leave no cursor behind.
    whole = get(client, planner)
    total = whole["total_rows"]
    assert whole["next_cursor"] is None and len(whole["rows"]) == total == 13
    for resolution in ("7", "5"):
        page = client.get("/v1/gaps", params={"limit": str(total), "resolution": resolution}, headers=planner)
        assert page.status_code == 200, page.text
        assert page.json()["next_cursor"] is None and "X-Next-Cursor" not in page.headers
        assert page.json()["total_rows"] == len(page.json()["rows"])


def test_window_includes_older_events_when_asked(client, planner, seattle):
    body = get(
        client,
        planner,
        need="shelter",
        intercept="0",
        **{"from": (seattle_now() - timedelta(days=90)).date().isoformat()},
    )
    assert body["window"]["days"] >= 90
    rows = rows_by(body)
    assert rows[(A, "shelter", 0)]["demand"]["by_reason"]["eligibility"] == 3
    assert rows[(A, "shelter", 0)]["status"] == "lacks_capacity"


def seattle_now():  # type: ignore[no-untyped-def]
    return NOW


def test_coarser_resolution_groups_cells_and_demand(client, planner, seattle):
    body = get(client, planner, resolution=5)
    rows = rows_by(body)
    d5 = h3.cell_to_parent(D, 5)
    assert rows[(d5, "shelter", 4)]["demand"]["total"] == 5
    a5 = h3.cell_to_parent(A, 5)
    assert rows[(a5, "shelter", 0)]["supply"]["services"] >= 1
    assert all(h3.get_resolution(r["area_id"]) == 5 for r in body["rows"])


def test_finer_resolution_has_supply_but_no_demand(client, planner, seattle):
    body = get(client, planner, resolution=9)
    assert body["demand_by_area"] is False
    assert all(r["demand"] is None for r in body["rows"])
    rows = rows_by(body)
    harbor_cell = h3.latlng_to_cell(*at(0), 9)
    assert rows[(harbor_cell, "shelter", 0)]["status"] == "sufficient"
    assert rows[(h3.latlng_to_cell(*at(2), 9), "shelter", 0)]["status"] == "lacks_capacity"


def test_csv_has_a_header_and_one_line_per_row(client, planner, seattle):
    r = client.get("/v1/gaps", params={"format": "csv"}, headers=planner)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.text)))
    assert tuple(table[0]) == CSV_COLUMNS
    assert len(table) - 1 == len(get(client, planner)["rows"])
    by_key = {(line[0], line[2], int(line[3])): dict(zip(table[0], line, strict=True)) for line in table[1:]}
    assert by_key[(D, "shelter", 4)]["status"] == "absent"
    assert by_key[(D, "shelter", 4)]["demand_none_in_area"] == "4"


def test_geojson_has_closed_lon_lat_polygons_and_properties(client, planner, seattle):
    r = client.get("/v1/gaps", params={"format": "geojson"}, headers=planner)
    assert r.status_code == 200
    body = r.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == len(get(client, planner)["rows"])
    for feature in body["features"]:
        ring = feature["geometry"]["coordinates"][0]
        assert feature["geometry"]["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) >= 7
        lon, lat = ring[0]
        assert -124 < lon < -121 and 47 < lat < 48  # [lon, lat] order
        props = feature["properties"]
        assert {"area_id", "need", "intercept", "status", "supply", "demand", "reach"} <= set(props)
        centre_lat, centre_lon = h3.cell_to_latlng(props["area_id"])
        assert abs(centre_lon - lon) < 0.05 and abs(centre_lat - lat) < 0.05


def test_no_route_lists_single_events_or_their_hours(client, planner, seattle):
    body = get(client, planner)
    text = str(body)
    assert "hour" not in text
    # The window is whole days: an hour-wide request is widened to the day.
    body = get(client, planner, **{"from": "2026-03-04T10:00:00+00:00", "to": "2026-03-04T11:00:00+00:00"})
    assert body["window"]["days"] >= 1
    assert body["window"]["from"].endswith(("00:00:00-08:00", "00:00:00-07:00"))


def test_a_moved_location_is_mapped_in_its_new_cell(client, planner, region: Region):
    sid = region.service("Moving Shelter", at(0), ["shelter"])
    region.pool(sid, available=1)
    region.commit()
    assert set(rows_by(get(client, planner))) == {(A, "shelter", 0)}
    lat, lon = at(3)
    region.session.execute(
        text("UPDATE location SET geog = CAST(:point AS geography) WHERE id = :id"),
        {"point": f"SRID=4326;POINT({lon} {lat})", "id": f"loc-{sid}-0"},
    )
    region.commit()
    assert set(rows_by(get(client, planner))) == {(D, "shelter", 0)}
