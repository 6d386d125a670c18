"""Deflection pathways (CONTRACT §3.3b): tagged in HSDS, kept through import and export, offered by
the profile, ranking a match up and labelling its gap events."""

from __future__ import annotations

from typing import Any

import world as w
from sqlalchemy import text

from importers.export import service_documents
from importers.pipeline import import_services

AT = "2026-11-22T20:00:00-08:00"
HERE = {"lat": 47.6062, "lon": -122.3321}
PATHWAY = "deflection-pathway"


def region() -> list[dict[str, Any]]:
    services = w.world(
        [
            # The nearer crisis centre takes walk-ins only; the farther one takes police drop-offs.
            {"name": "Walk-in Crisis Centre", "at": (1, 0), "needs": ["crisis"]},
            {"name": "Drop-off Crisis Centre", "at": (2, 0), "needs": ["crisis"]},
        ]
    )
    walk_in, drop_off = services
    walk_in["attributes"].append(w.attribute(walk_in["id"], PATHWAY, "self_referral"))
    for code in ("officer_intervention", "officer_prevention"):
        drop_off["attributes"].append(w.attribute(drop_off["id"], PATHWAY, code))
    return services


def load(client: Any, make_key: Any) -> dict[str, str]:
    r = client.post("/v1/import/hsds", json=region(), headers=make_key("curator"))
    assert r.status_code == 200, r.text
    return {"Walk-in": w.service_id("Walk-in Crisis Centre"), "Drop-off": w.service_id("Drop-off Crisis Centre")}


def pathways_of(document: dict[str, Any]) -> set[str]:
    return {a["taxonomy_term"]["code"] for a in document["attributes"] if a["taxonomy_term"].get("taxonomy") == PATHWAY}


def test_pathways_round_trip_through_import_and_export(client: Any, make_key: Any, db: Any) -> None:
    ids = load(client, make_key)
    with db() as s:
        exported = {d["id"]: d for d in service_documents(s)}
        assert pathways_of(exported[ids["Drop-off"]]) == {"officer_intervention", "officer_prevention"}
        assert pathways_of(exported[ids["Walk-in"]]) == {"self_referral"}
        # The terms are known as the profile's, and re-importing the export changes nothing.
        profiles = set(
            s.execute(text("SELECT DISTINCT profile FROM taxonomy_term WHERE code LIKE 'officer%'")).scalars()
        )
        assert profiles == {PATHWAY}
        summary = import_services(s, list(exported.values()), source="hsds", actor="test").to_dict()
    assert (summary["created"], summary["updated"]) == (0, 0)
    public = client.get(f"/v1/services/{ids['Drop-off']}").json()
    assert pathways_of(public) == {"officer_intervention", "officer_prevention"}


def test_the_profile_documents_the_five_pathways(client: Any) -> None:
    profile = client.get("/v1/profile").json()
    assert set(profile["taxonomies"][PATHWAY]) == {
        "self_referral",
        "active_outreach",
        "naloxone_plus",
        "officer_prevention",
        "officer_intervention",
    }


def test_a_pathway_ranks_up_services_receiving_by_it(client: Any, make_key: Any) -> None:
    ids = load(client, make_key)
    operator = make_key("operator")

    def ranked(**extra: Any) -> list[dict[str, Any]]:
        body = {"location": HERE, "needs": ["crisis"], "at": AT, **extra}
        r = client.post("/v1/match", json=body, headers=operator)
        assert r.status_code == 200, r.text
        return r.json()["needs"][0]["options"]

    assert [o["service_id"] for o in ranked()] == [ids["Walk-in"], ids["Drop-off"]]  # nearest first
    police = ranked(pathway="officer_intervention")
    assert [o["service_id"] for o in police] == [ids["Drop-off"], ids["Walk-in"]]
    assert "receives by officer intervention" in police[0]["reasons"]
    assert [o["service_id"] for o in ranked(pathway="self_referral")] == [ids["Walk-in"], ids["Drop-off"]]
    spanish = client.post(
        "/v1/match",
        json={"location": HERE, "needs": ["crisis"], "at": AT, "pathway": "officer_intervention"},
        headers={**operator, "Accept-Language": "es"},
    ).json()["needs"][0]["options"]
    assert "recibe por intervención policial" in spanish[0]["reasons"]
    r = client.post("/v1/match", json={"location": HERE, "needs": ["crisis"], "pathway": "arrest"}, headers=operator)
    assert r.status_code == 422 and "pathway" in r.text


def test_gap_events_carry_the_pathway(client: Any, make_key: Any, db: Any) -> None:
    load(client, make_key)
    operator = make_key("operator")
    body = {"location": HERE, "needs": ["food"], "at": AT, "pathway": "naloxone_plus", "intercept": 0}
    assert client.post("/v1/match", json=body, headers=operator).status_code == 200
    with db() as s:
        rows = s.execute(text("SELECT need, pathway, intercept FROM gap_event")).all()
    assert [tuple(r) for r in rows] == [("food", "naloxone_plus", 0)]
