"""The planner status `barriers_only` (CONTRACT §2.5, the harm-reduction test) over hand-built worlds in
PostGIS: an area that would be sufficient, but whose every open unit or untracked service in reach is
at a service that requires sobriety, excludes people on MOUD or who do sex work, or requires religious
participation. Checked in /v1/gaps (json, geojson, csv, res 7, 5 and 8), /v1/gaps/sim (json, csv) and
named areas."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import h3
import pytest
from gap_region import Region, cell_centre, rows_by

from api.gaps.barrier_pools import BARRIER_TERMS
from matcher.vocabulary import HARM_REDUCTION_BARRIERS

BASE_LAT, BASE_LON = 40.7, -74.2
STEP = 0.15  # about 13 km of longitude: places k apart are never neighbours at res 7


def cell(k: int) -> str:
    return h3.latlng_to_cell(BASE_LAT, BASE_LON + STEP * k, 7)


def at(k: int) -> tuple[float, float]:
    return cell_centre(cell(k))


def _map(client: Any, headers: dict[str, str], **params: Any) -> dict[tuple[str, str, int], dict[str, Any]]:
    r = client.get("/v1/gaps", params={"need": "housing,shelter", **params}, headers=headers)
    assert r.status_code == 200, r.text
    return rows_by(r.json())


def _status(client: Any, headers: dict[str, str], k: int, need: str = "housing") -> str:
    return str(_map(client, headers)[(cell(k), need, 0)]["status"])


def _sim_entry(client: Any, headers: dict[str, str], need: str = "housing", **params: Any) -> dict[str, Any]:
    r = client.get("/v1/gaps/sim", params={"need": need, "intercept": "0", **params}, headers=headers)
    assert r.status_code == 200, r.text
    (entry,) = r.json()["intercepts"][0]["needs"]
    return dict(entry)


def test_barrier_terms_are_the_harm_reduction_test() -> None:
    # The reserved-pools list and the map judge by the same four terms.
    assert (
        tuple(BARRIER_TERMS)
        == HARM_REDUCTION_BARRIERS
        == ("sobriety_required", "excludes_moud", "excludes_sex_work", "religious_participation_required")
    )


def test_a_sober_living_house_with_open_beds_is_barriers_only(client, planner, region: Region) -> None:
    sober = region.service("Clean and Sober House", at(0), ["housing"], info=["sobriety_required"])
    region.pool(sober, available=3, maximum=8)
    neighbour = sorted(set(h3.grid_disk(cell(0), 1)) - {cell(0)})[0]
    region.events(neighbour, "housing", "none_in_area", 1)  # a row of its own; not unmet demand
    region.commit()
    row = _map(client, planner)[(cell(0), "housing", 0)]
    assert row["status"] == "barriers_only"
    assert row["supply"]["barrier_services"] == 1 and row["supply"]["units"]["public"]["open"] == 3
    assert row["supply"]["units"]["barrier_free_open"] == 0
    assert row["reach"]["open_units"] == 3 and row["reach"]["barrier_free_open_units"] == 0
    # A neighbour the house reaches (ring 1) is barriers_only too.
    assert _map(client, planner)[(neighbour, "housing", 0)]["status"] == "barriers_only"


def test_adding_a_low_barrier_shelter_makes_it_sufficient(client, planner, region: Region) -> None:
    sober = region.service("Clean and Sober House", at(0), ["housing"], info=["sobriety_required"])
    region.pool(sober, available=3)
    region.commit()
    assert _status(client, planner, 0) == "barriers_only"
    low = region.service("Low-Barrier Shelter", at(0), ["housing"], info=["low_barrier"])
    region.pool(low, available=1)
    region.commit()
    row = _map(client, planner)[(cell(0), "housing", 0)]
    assert row["status"] == "sufficient"
    assert row["supply"]["barrier_free_untracked_services"] == 0
    assert row["supply"]["units"]["barrier_free_open"] == 1 and row["reach"]["barrier_free_open_units"] == 1


def test_a_barrier_free_service_in_the_ring_makes_it_sufficient(client, planner, region: Region) -> None:
    sober = region.service("Sober House", at(0), ["housing"], info=["sobriety_required"])
    region.pool(sober, available=2)
    neighbour = sorted(set(h3.grid_disk(cell(0), 1)) - {cell(0)})[0]
    housing_first = region.service("Housing First", cell_centre(neighbour), ["housing"], info=["housing_first"])
    region.pool(housing_first, available=1)
    region.commit()
    assert _status(client, planner, 0) == "sufficient"


def test_a_term_switched_off_is_no_barrier(client, planner, region: Region) -> None:
    house = region.service("Was Sober Only", at(0), ["housing"])
    region.attribute(house, "divert-eligibility", "sobriety_required", "false")
    region.attribute(house, "divert-eligibility", "excludes_moud", "No")
    region.pool(house, available=2)
    region.commit()
    assert _status(client, planner, 0) == "sufficient"


@pytest.mark.parametrize("term", ["excludes_moud", "excludes_sex_work", "religious_participation_required"])
def test_each_barrier_term_and_untracked_services(client, planner, region: Region, term: str) -> None:
    # An untracked service behind the barrier (no pool: it may have room) is barrier supply too.
    region.service("Behind a barrier", at(0), ["housing"], info=[term])
    region.commit()
    row = _map(client, planner)[(cell(0), "housing", 0)]
    assert row["status"] == "barriers_only"
    assert row["reach"]["untracked_services"] == 1 and row["reach"]["barrier_free_untracked_services"] == 0
    region.service("Drop-in", at(0), ["housing"])  # untracked, no barrier
    region.commit()
    assert _status(client, planner, 0) == "sufficient"


def test_nothing_open_or_unmet_demand_stays_lacks_capacity(client, planner, region: Region) -> None:
    full = region.service("Full Sober House", at(0), ["housing"], info=["sobriety_required"])
    region.pool(full, available=0, maximum=10)
    sober = region.service("Sober House", at(2), ["housing"], info=["sobriety_required"])
    region.pool(sober, available=4)
    region.events(cell(2), "housing", "eligibility", 2)  # people were turned away there
    region.commit()
    rows = _map(client, planner)
    assert rows[(cell(0), "housing", 0)]["status"] == "lacks_capacity"  # no open unit at all
    assert rows[(cell(2), "housing", 0)]["status"] == "lacks_capacity"  # unmet demand decides first


def test_service_areas_count_by_their_barriers(client, planner, region: Region) -> None:
    def box(k: int) -> list[list[float]]:
        lat, lon = at(k)
        return [
            [lat - 0.02, lon - 0.02],
            [lat - 0.02, lon + 0.02],
            [lat + 0.02, lon + 0.02],
            [lat + 0.02, lon - 0.02],
            [lat - 0.02, lon - 0.02],
        ]

    mission_van = region.service(
        "Mission Van", None, ["housing"], area=box(3), info=["religious_participation_required"]
    )
    region.pool(mission_van, available=2)
    region.service("Outreach Van", None, ["housing"], area=box(4))  # untracked, no barrier
    region.service("Sober Van", None, ["housing"], area=box(5), info=["sobriety_required"])  # untracked
    for k in (3, 4, 5):
        region.events(cell(k), "housing", "none_in_area", 1)
    region.commit()
    rows = _map(client, planner)
    assert rows[(cell(3), "housing", 0)]["status"] == "barriers_only"
    assert rows[(cell(3), "housing", 0)]["reach"]["area_services"] == 1
    assert rows[(cell(4), "housing", 0)]["status"] == "sufficient"
    assert rows[(cell(5), "housing", 0)]["status"] == "barriers_only"
    sim = _sim_entry(client, planner)
    assert sim["areas"] == {"absent": 0, "lacks_capacity": 0, "barriers_only": 2, "sufficient": 1}


@pytest.fixture
def county(region: Region) -> None:
    """Place 0: a sober house with open beds (barriers_only). Place 2: a mission shelter (barriers_only)
    beside a low-barrier one (sufficient). Place 4: a sober house switched off (sufficient)."""
    sober = region.service("Sober House", at(0), ["housing"], info=["sobriety_required"])
    region.pool(sober, available=3)
    mission = region.service("Mission", at(2), ["shelter", "housing"], info=["religious_participation_required"])
    region.pool(mission, available=5)
    low = region.service("Harbor", at(2), ["shelter"], info=["low_barrier"])
    region.pool(low, available=1, age=timedelta(hours=2))
    off = region.service("Once Sober", at(4), ["housing"])
    region.attribute(off, "divert-eligibility", "sobriety_required", "false")
    region.pool(off, available=1)
    region.commit()


def _statuses(rows: dict[tuple[str, str, int], dict[str, Any]], need: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (_, row_need, _), row in rows.items():
        if row_need == need:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts


@pytest.mark.parametrize("resolution", ["7", "5"])
def test_sim_counts_barriers_only_areas_as_the_map_does(client, planner, county, resolution) -> None:
    rows = _map(client, planner, resolution=resolution, limit=100000)
    housing = _sim_entry(client, planner, resolution=resolution)
    assert housing["areas"] == {
        "absent": 0,
        "lacks_capacity": 0,
        "sufficient": 0,
        "barriers_only": 0,
        **_statuses(rows, "housing"),
    }
    if resolution == "7":
        # Rows are the cells with sites: places 0 and 2 are barriers_only, place 4 is not.
        assert housing["areas"] == {"absent": 0, "lacks_capacity": 0, "barriers_only": 2, "sufficient": 1}
    assert housing["status"] == "barriers_only"
    assert "2 areas where every opening requires sobriety" in housing["summary"] or resolution != "7"
    assert housing["supply"]["barrier_services"] == 2
    assert housing["supply"]["units"]["barrier_free_open"] == 1
    shelter = _sim_entry(client, planner, need="shelter", resolution=resolution)
    assert shelter["status"] == "sufficient" and shelter["areas"]["barriers_only"] == 0


def test_fine_cells_and_named_areas_judge_the_same(client, planner, county, db) -> None:
    fine = _map(client, planner, resolution=8, limit=100000)
    house = h3.latlng_to_cell(*at(0), 8)
    assert fine[(house, "housing", 0)]["status"] == "barriers_only"
    assert fine[(h3.latlng_to_cell(*at(4), 8), "housing", 0)]["status"] == "sufficient"

    from sqlalchemy import text

    with db() as session:
        for k, name in ((0, "sober-side"), (4, "switched-off-side")):
            lat, lon = at(k)
            ring = (
                f"{lon - 0.01} {lat - 0.01}, {lon + 0.01} {lat - 0.01}, {lon + 0.01} {lat + 0.01}, "
                f"{lon - 0.01} {lat + 0.01}, {lon - 0.01} {lat - 0.01}"
            )
            session.execute(
                text(
                    "INSERT INTO named_area (id, name, kind, geog) VALUES (:id, :id, 'district', ST_GeogFromText(:wkt))"
                ),
                {"id": name, "wkt": f"SRID=4326;POLYGON(({ring}))"},
            )
        session.commit()
    named = _map(client, planner, area="named")
    assert named[("sober-side", "housing", 0)]["status"] == "barriers_only"
    assert named[("switched-off-side", "housing", 0)]["status"] == "sufficient"
    sim = _sim_entry(client, planner, area="named")
    assert sim["areas"]["barriers_only"] == 1 and sim["areas"]["sufficient"] == 1


def test_geojson_and_csv_carry_the_status_and_barrier_free_supply(client, planner, county) -> None:
    geo = client.get("/v1/gaps", params={"need": "housing", "format": "geojson"}, headers=planner)
    assert geo.status_code == 200
    by_area = {f["properties"]["area_id"]: f["properties"] for f in geo.json()["features"]}
    assert by_area[cell(0)]["status"] == "barriers_only"
    assert by_area[cell(4)]["status"] == "sufficient"

    r = client.get("/v1/gaps", params={"need": "housing", "format": "csv"}, headers=planner)
    lines = {(line["area_id"], line["need"]): line for line in csv.DictReader(io.StringIO(r.text))}
    house = lines[(cell(0), "housing")]
    assert house["status"] == "barriers_only" and house["barrier_services"] == "1"
    assert house["reach_open_units"] == "3" and house["reach_barrier_free_open_units"] == "0"
    assert lines[(cell(4), "housing")]["reach_barrier_free_open_units"] == "1"

    sim = client.get("/v1/gaps/sim", params={"need": "housing,shelter", "format": "csv"}, headers=planner)
    table = {(line["intercept"], line["need"]): line for line in csv.DictReader(io.StringIO(sim.text))}
    housing = table[("0", "housing")]
    assert housing["status"] == "barriers_only"
    assert (
        housing["areas_absent"],
        housing["areas_lacks_capacity"],
        housing["areas_barriers_only"],
        housing["areas_sufficient"],
    ) == ("0", "0", "2", "1")
    assert housing["barrier_services"] == "2" and housing["barrier_free_open"] == "1"
    assert table[("0", "shelter")]["areas_barriers_only"] == "0"
