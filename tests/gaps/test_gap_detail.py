"""GET /v1/gaps/detail: what the planner page lists when a map cell or a SIM cell is clicked."""

from __future__ import annotations

from datetime import timedelta

import h3
import pytest
from gap_region import Region, cell_centre

HOME = h3.latlng_to_cell(47.6, -122.3, 7)
NEXT = h3.grid_ring(HOME, 1)[0]  # in HOME's reach (its first ring)
FAR = h3.latlng_to_cell(47.6, -121.9, 7)  # out of reach of both


@pytest.fixture
def county(region: Region) -> None:
    region.service("Harbor Shelter", cell_centre(HOME), ["shelter"], intercepts=[0, 4])
    region.service("Ring Shelter", cell_centre(NEXT), ["shelter"], intercepts=[0])
    region.service("Far Food Bank", cell_centre(FAR), ["food"])
    region.events(HOME, "shelter", "no_capacity", 2, intercept=0)
    region.events(HOME, "shelter", "none_in_area", 1, intercept=4, age=timedelta(days=2))
    region.events(FAR, "shelter", "none_in_area", 5, intercept=0)
    region.events(HOME, "shelter", "no_capacity", 7, intercept=0, age=timedelta(days=60))  # outside the window
    region.commit()


def test_a_cell_lists_the_services_in_its_reach_and_its_gap_events(client, planner, county):
    r = client.get("/v1/gaps/detail", headers=planner, params={"cell": HOME, "need": "shelter"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["cell"] == HOME
    services = [(s["name"], s["intercept"], s["in_cell"]) for s in body["services"]]
    assert services == [("Harbor Shelter", 0, True), ("Harbor Shelter", 4, True), ("Ring Shelter", 0, False)]
    assert body["services_total"] == 3
    demand = {(d["need"], d["intercept"]): d for d in body["demand"]}
    assert set(demand) == {("shelter", 0), ("shelter", 4)}
    assert demand[("shelter", 0)]["total"] == 2 and demand[("shelter", 0)]["by_reason"]["no_capacity"] == 2
    assert demand[("shelter", 4)]["by_reason"]["none_in_area"] == 1
    assert demand[("shelter", 0)]["need_name"] == "Emergency shelter"


def test_a_far_cell_has_no_service_in_reach(client, planner, county):
    body = client.get(
        "/v1/gaps/detail", headers=planner, params={"cell": FAR, "need": "shelter", "intercept": "0"}
    ).json()
    assert body["services"] == [] and body["services_total"] == 0
    assert [(d["need"], d["intercept"], d["total"]) for d in body["demand"]] == [("shelter", 0, 5)]


def test_a_sim_cell_is_the_whole_region(client, planner, county):
    body = client.get("/v1/gaps/detail", headers=planner, params={"need": "shelter", "intercept": "0"}).json()
    assert body["cell"] is None
    assert [(s["name"], s["in_cell"]) for s in body["services"]] == [("Harbor Shelter", None), ("Ring Shelter", None)]
    assert [(d["need"], d["intercept"], d["total"]) for d in body["demand"]] == [("shelter", 0, 7)]


@pytest.mark.parametrize("cell", ["nope", h3.latlng_to_cell(47.6, -122.3, 8), HOME.upper() + "0"])
def test_a_bad_cell_is_a_422_naming_it(client, planner, county, cell):
    r = client.get("/v1/gaps/detail", headers=planner, params={"cell": cell})
    assert r.status_code == 422, r.text
    assert "cell" in r.text


def test_only_planners_read_it(client, make_key, county):
    assert client.get("/v1/gaps/detail", headers=make_key("case_manager")).status_code == 403
