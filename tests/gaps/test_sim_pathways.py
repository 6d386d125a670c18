"""`GET /v1/gaps/sim?by=pathway`: intercepts 0-1 split by deflection pathway, counted by hand."""

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
    # A crisis centre taking police drop-offs and walk-ins, at intercepts 0 and 1.
    crisis = region.service("Crisis Centre", cell_centre(HOME), ["crisis"], intercepts=[0, 1])
    region.attribute(crisis, "deflection-pathway", "officer_intervention")
    region.attribute(crisis, "deflection-pathway", "self_referral")
    # An outreach team with two sites (one service all the same), intercept 0 only.
    outreach = region.service(
        "Outreach Team", cell_centre(HOME), ["shelter"], intercepts=[0], extra_sites=[cell_centre(FAR)]
    )
    region.attribute(outreach, "deflection-pathway", "active_outreach")
    region.service("Plain Shelter", cell_centre(HOME), ["shelter"], intercepts=[0])  # no pathway
    region.events(HOME, "crisis", "no_capacity", 2, intercept=1, pathway="officer_intervention")
    region.events(HOME, "shelter", "unconfirmed_only", 1, intercept=0, pathway="active_outreach")
    region.events(FAR, "shelter", "none_in_area", 3, intercept=1, pathway="officer_prevention")
    region.events(HOME, "crisis", "no_capacity", 4, intercept=1)  # no pathway named: not split
    region.events(HOME, "crisis", "no_capacity", 5, intercept=4, pathway="officer_intervention")  # not 0-1
    region.events(
        HOME, "crisis", "no_capacity", 6, intercept=1, pathway="officer_intervention", age=timedelta(days=60)
    )  # outside the window
    region.commit()


def _rows(body: dict) -> dict[tuple[int, str, str], dict]:
    return {(r["intercept"], r["pathway"], r["need"]): r for r in body["pathways"]}


def test_pathway_rows_count_services_and_requests_by_pathway(client, planner, county):
    r = client.get("/v1/gaps/sim", headers=planner, params={"by": "pathway"})
    assert r.status_code == 200, r.text
    body = r.json()
    rows = _rows(body)
    assert len(body["pathways"]) == 2 * 5 * len(NEEDS)
    police = rows[(1, "officer_intervention", "crisis")]
    assert (police["services"], police["status"], police["demand"]["total"]) == (1, "lacks_capacity", 2)
    assert police["demand"]["by_reason"]["no_capacity"] == 2
    assert police["pathway_name"] == "Officer intervention" and police["need_name"] == "Crisis care"
    walk_in = rows[(0, "officer_intervention", "crisis")]
    assert (walk_in["services"], walk_in["status"]) == (1, "sufficient")
    assert rows[(1, "self_referral", "crisis")]["status"] == "sufficient"
    outreach = rows[(0, "active_outreach", "shelter")]
    # Two sites, one service; an unconfirmed-only request still had options: no gap.
    assert (outreach["services"], outreach["status"], outreach["demand"]["total"]) == (1, "sufficient", 1)
    prevention = rows[(1, "officer_prevention", "shelter")]
    assert (prevention["services"], prevention["status"], prevention["demand"]["total"]) == (0, "absent", 3)
    assert rows[(0, "naloxone_plus", "crisis")]["status"] == "absent"
    # The plain shelter names no pathway: it is in the SIM table, in no pathway row.
    assert rows[(0, "self_referral", "shelter")]["services"] == 0
    assert sum(row["demand"]["total"] for row in body["pathways"]) == 2 + 1 + 3
    assert {row["intercept"] for row in body["pathways"]} == {0, 1}
    # The table itself is unchanged.
    assert [i["intercept"] for i in body["intercepts"]] == [0, 1, 2, 3, 4, 5]


def test_without_by_there_is_no_split_and_other_intercepts_have_none(client, planner, county):
    assert "pathways" not in client.get("/v1/gaps/sim", headers=planner).json()
    body = client.get(
        "/v1/gaps/sim", headers=planner, params={"by": "pathway", "intercept": "1", "need": "crisis"}
    ).json()
    assert [(r["pathway"], r["services"], r["demand"]["total"]) for r in body["pathways"]] == [
        ("self_referral", 1, 0),
        ("active_outreach", 0, 0),
        ("naloxone_plus", 0, 0),
        ("officer_prevention", 0, 0),
        ("officer_intervention", 1, 2),
    ]
    assert (
        client.get("/v1/gaps/sim", headers=planner, params={"by": "pathway", "intercept": "4"}).json()["pathways"] == []
    )


def test_pathway_csv(client, planner, county):
    r = client.get("/v1/gaps/sim", headers=planner, params={"by": "pathway", "format": "csv", "need": "crisis"})
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == 'attachment; filename="sim-pathways.csv"'
    lines = list(csv.reader(io.StringIO(r.text)))
    assert lines[0] == [
        "intercept",
        "intercept_name",
        "pathway",
        "pathway_name",
        "need",
        "status",
        "services",
        "demand_total",
        "demand_none_in_area",
        "demand_eligibility",
        "demand_no_capacity",
        "demand_waitlist_only",
        "demand_closed",
        "demand_unconfirmed_only",
    ]
    assert len(lines) == 1 + 2 * 5
    assert [
        "1",
        "Law enforcement",
        "officer_intervention",
        "Officer intervention",
        "crisis",
        "lacks_capacity",
        "1",
        "2",
        "0",
        "0",
        "2",
        "0",
        "0",
        "0",
    ] in lines


def test_an_unknown_split_is_a_422_naming_by(client, planner, county):
    r = client.get("/v1/gaps/sim", headers=planner, params={"by": "program"})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "by"
