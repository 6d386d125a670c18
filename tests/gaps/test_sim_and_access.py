"""The SIM table's shape and words, who may read the gap map, and bad parameters named in a 422."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import h3
import pytest
from gap_region import Region, cell_centre

from matcher.vocabulary import NEEDS

HOME = h3.latlng_to_cell(47.6, -122.3, 7)
FAR = h3.latlng_to_cell(47.6, -121.9, 7)


@pytest.fixture
def county(region: Region) -> None:
    # Intercept 4 (reentry) shelter: one full shelter at HOME; requests from FAR found nothing.
    sid = region.service("Reentry House", cell_centre(HOME), ["shelter"], intercepts=[4])
    region.pool(sid, available=1, waitlist=1)
    region.service("Food Bank", cell_centre(HOME), ["food"])
    region.events(FAR, "shelter", "none_in_area", 3, intercept=4)
    region.events(HOME, "shelter", "no_capacity", 41, intercept=4, age=timedelta(days=2))
    region.commit()


def test_sim_table_is_six_intercepts_by_every_need(client, make_key, county):
    r = client.get("/v1/gaps/sim", headers=make_key("planner"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [i["intercept"] for i in body["intercepts"]] == [0, 1, 2, 3, 4, 5]
    for intercept in body["intercepts"]:
        assert [n["need"] for n in intercept["needs"]] == list(NEEDS)
        for entry in intercept["needs"]:
            assert set(entry["areas"]) == {"absent", "lacks_capacity", "barriers_only", "sufficient"}
            assert entry["status"] in ("absent", "lacks_capacity", "barriers_only", "sufficient")
            assert {"supply", "demand", "summary"} <= set(entry)


def test_sim_counts_areas_and_says_the_gap_in_words(client, make_key, county):
    body = client.get("/v1/gaps/sim", headers=make_key("planner")).json()
    reentry = {n["need"]: n for n in body["intercepts"][4]["needs"]}
    shelter = reentry["shelter"]
    assert shelter["areas"] == {"absent": 1, "lacks_capacity": 1, "barriers_only": 0, "sufficient": 0}
    assert shelter["status"] == "lacks_capacity"
    assert shelter["supply"]["services"] == 1
    assert shelter["demand"]["by_reason"]["no_capacity"] == 41 and shelter["demand"]["total"] == 44
    assert shelter["summary"] == (
        "Intercept 4, shelter: 1 area with no service; 1 area lacking capacity; "
        "41 requests met no capacity in 30 days; "
        "3 requests found nothing within reach in 30 days"
    )
    assert body["top_gaps"][0] == shelter["summary"]
    community = {n["need"]: n for n in body["intercepts"][0]["needs"]}
    assert community["food"]["status"] == "sufficient"
    assert community["legal"]["status"] == "absent"
    assert community["legal"]["summary"] == "Intercept 0, legal: no service in the region"


def test_sim_csv_has_a_line_per_intercept_and_need(client, make_key, county):
    r = client.get("/v1/gaps/sim", params={"format": "csv", "need": "shelter,food"}, headers=make_key("planner"))
    assert r.status_code == 200
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert len(table) == 6 * 2
    line = next(t for t in table if t["intercept"] == "4" and t["need"] == "shelter")
    assert line["areas_absent"] == "1" and line["demand_no_capacity"] == "41"


@pytest.mark.parametrize("path", ["/v1/gaps", "/v1/gaps/sim"])
def test_only_planners_and_admins_may_read(client, make_key, path):
    assert client.get(path).status_code == 401
    for role in ("case_manager", "operator", "curator"):
        r = client.get(path, headers=make_key(role))
        assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert client.get(path, headers=make_key("provider", org="org-1")).status_code == 403
    assert client.get(path, headers=make_key("planner")).status_code == 200
    assert client.get(path, headers=make_key("admin")).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"need": "shelter,nope"}, "need"),
        ({"intercept": "6"}, "intercept"),
        ({"intercept": "-1"}, "intercept"),
        ({"intercept": "two"}, "intercept"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-05-02", "to": "2026-05-01"}, "from"),
        ({"resolution": "3"}, "resolution"),
        ({"resolution": "10"}, "resolution"),
        ({"resolution": "seven"}, "resolution"),
        ({"format": "xml"}, "format"),
        ({"area": "zip"}, "area"),
        ({"area": "named"}, "area"),  # no named areas loaded
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(client, make_key, params, field):
    r = client.get("/v1/gaps", params=params, headers=make_key("planner"))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "invalid_input" and field in body["detail"]
    assert body["errors"][0]["field"] == field


def test_sim_has_no_geojson(client, make_key):
    r = client.get("/v1/gaps/sim", params={"format": "geojson"}, headers=make_key("planner"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "format"


def test_an_empty_catalog_is_an_empty_map(client, make_key):
    body = client.get("/v1/gaps", headers=make_key("planner")).json()
    assert body["rows"] == [] and body["total_rows"] == 0
    geo = client.get("/v1/gaps", params={"format": "geojson"}, headers=make_key("planner")).json()
    assert geo == {"type": "FeatureCollection", "properties": geo["properties"], "features": []}
