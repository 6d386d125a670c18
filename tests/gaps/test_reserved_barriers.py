"""GET /v1/gaps/reserved_barriers: program-reserved pools at services that require sobriety, exclude
MOUD or sex work, or require religious participation (purchased capacity that shuts out the people
the program serves), over the real app and PostGIS, for planners and curators."""

from __future__ import annotations

import world  # tests/world.py: the scenarios' world builder

UPDATED = "2026-11-22T18:00:00-08:00"


def _catalog() -> list[dict]:  # type: ignore[type-arg]
    bought = {"name": "lead", "available": 2, "maximum": 5, "reserved_for": ["lead-kc"], "updated": UPDATED}
    public = {"name": "public", "available": 3, "updated": UPDATED}
    return world.world(
        [
            {
                "name": "Sober Living",
                "needs": ["housing"],
                "elig": {"sobriety_required": "true"},
                "pools": [bought, public],
            },
            {
                "name": "Mission Beds",
                "needs": ["shelter"],
                "info": ["religious_participation_required"],
                "elig": {"excludes_moud": "true"},
                "pools": [{**bought, "reserved_for": ["lead-kc", "other"]}],
            },
            {"name": "Housing First", "needs": ["housing"], "info": ["housing_first"], "pools": [bought]},
            {"name": "Switched Off", "needs": ["shelter"], "elig": {"sobriety_required": "false"}, "pools": [bought]},
            {
                "name": "Sober Public Only",
                "needs": ["shelter"],
                "elig": {"sobriety_required": "true"},
                "pools": [public],
            },
        ]
    )


def test_lists_purchased_pools_behind_barriers_with_words(client, make_key) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/v1/import/hsds", json=_catalog(), headers=make_key("admin")).status_code == 200
    r = client.get("/v1/gaps/reserved_barriers", headers=make_key("planner"))
    assert r.status_code == 200, r.text
    pools = r.json()["pools"]
    assert [(p["service"], p["barriers"]) for p in pools] == [
        ("Mission Beds", ["excludes_moud", "religious_participation_required"]),
        ("Sober Living", ["sobriety_required"]),
    ]
    sober = pools[1]
    assert sober["capacity_id"] == world.capacity_id("Sober Living", "lead")
    assert sober["reserved_for"] == ["lead-kc"] and sober["available"] == 2 and sober["maximum"] == 5
    assert "requires sobriety" in sober["words"] and "shuts out the people the program serves" in sober["words"]
    # One program's purchases; curators see the list too.
    only_other = client.get("/v1/gaps/reserved_barriers?program=other", headers=make_key("curator"))
    assert [p["service"] for p in only_other.json()["pools"]] == ["Mission Beds"]


def test_who_may_see_it(client, make_key) -> None:  # type: ignore[no-untyped-def]
    for role in ("case_manager", "operator"):
        r = client.get("/v1/gaps/reserved_barriers", headers=make_key(role))
        assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert client.get("/v1/gaps/reserved_barriers").status_code == 401
    assert client.get("/v1/gaps/reserved_barriers", headers=make_key("admin")).status_code == 200
    bad = client.get("/v1/gaps/reserved_barriers?program=%00", headers=make_key("planner"))
    assert bad.status_code == 422 and "program" in bad.text
