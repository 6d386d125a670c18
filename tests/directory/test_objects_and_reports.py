"""HSDS object shapes (full nesting, capacities with status), listing reports and curator corrections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from directory_factories import Place, ServiceSpec, offset, write_catalog
from sqlalchemy import select

from catalog.hsds_face import unit_uuid
from catalog.tables import Metadata, SearchOutbox, Service

NOW = datetime.now(UTC)


def shelter() -> ServiceSpec:
    return ServiceSpec(
        id="s1",
        name="Harbor Shelter",
        org="org-h",
        needs=["shelter"],
        intercepts=[1],
        eligibility={"genders": "female,nonbinary"},
        languages=["es"],
        places=[Place(*offset(1, 1), schedules=[{"byday": "SU", "opens_at": "20:00", "closes_at": "08:00"}])],
        schedules=[{"byday": "MO", "opens_at": "09:00", "closes_at": "17:00", "time_offset_minutes": -480}],
        capacities=[
            {"id": "cap-public", "available": 5, "maximum": 40, "waitlist": 5, "updated": NOW},
            {"id": "cap-program", "available": 2, "maximum": 5, "reserved_for": ["lead"], "updated": NOW},
            {"id": "cap-stale", "unit": "slot", "available": 3, "updated": NOW - timedelta(days=30)},
        ],
        extra={
            "contacts": [{"id": "c1", "name": "Intake desk"}],
            "funding": [{"id": "f1", "source": "County"}],
        },
    )


def test_full_service_nests_what_hsds_nests(client: Any, db: Any) -> None:
    write_catalog(db, [shelter()])
    svc = client.get("/v1/services/s1").json()
    assert svc["organization"]["id"] == "org-h" and svc["assured_date"] == "2026-10-01"
    assert svc["contacts"] == [{"id": "c1", "name": "Intake desk"}] and svc["funding"][0]["source"] == "County"
    assert svc["schedules"][0]["opens_at"] == "09:00-08:00"
    assert [lang["code"] for lang in svc["languages"]] == ["es"]
    codes = {a["taxonomy_term"]["code"] for a in svc["attributes"]}
    assert {"shelter", "1", "genders"} <= codes
    assert svc["attributes"][0]["taxonomy_term"]["taxonomy_detail"]["name"]
    sal = svc["service_at_locations"][0]
    assert sal["location"]["addresses"][0]["postal_code"] == "98104"
    assert sal["schedules"][0]["byday"] == "SU"
    caps = {c["id"]: c for c in svc["capacities"]}
    # 5 available, all owed to 5 people waiting: never offered (R2).
    assert caps["cap-public"]["status"] == "waitlist" and caps["cap-public"]["open_units"] == 0
    # HSDS wants a UUID: the code shows as its stable uuid5, the code itself in `identifier`.
    assert caps["cap-public"]["unit"]["identifier"] == "bed" and caps["cap-public"]["pool"] == "public"
    assert caps["cap-public"]["unit"]["id"] == caps["cap-public"]["unit_id"] == unit_uuid("bed")
    assert caps["cap-stale"]["unit"]["id"] != unit_uuid("bed")
    assert caps["cap-program"]["status"] == "open" and caps["cap-program"]["reserved_for"] == ["lead"]
    assert caps["cap-stale"]["status"] == "unconfirmed"
    for hidden in ("search_vector", "search_text", "extra", "content_hash"):
        assert hidden not in svc


def test_list_minimal_and_place_shapes(client: Any, db: Any) -> None:
    write_catalog(db, [shelter()])
    listed = client.get("/v1/services").json()["contents"][0]
    assert listed["organization"]["name"] and "service_at_locations" not in listed
    minimal = client.get("/v1/services", params={"minimal": "true"}).json()["contents"][0]
    assert set(minimal) == {"id", "name", "status", "last_modified"}  # name, status: required in HSDS
    full = client.get("/v1/services", params={"full": "true"}).json()["contents"][0]
    assert full["service_at_locations"] and full["capacities"]
    place = client.get("/v1/service_at_locations/s1-sal0").json()
    assert place["service"]["id"] == "s1" and place["location"]["id"] == "s1-loc0"
    assert place["service"]["capacities"] and "service_at_locations" not in place["service"]
    org = client.get("/v1/organizations/org-h").json()
    assert [s["id"] for s in org["services"]] == ["s1"] and org["locations"][0]["id"] == "s1-loc0"
    assert client.get("/v1/organizations/org-h", params={"full_service": "true"}).json()["services"][0]["capacities"]
    terms = client.get("/v1/taxonomy_terms", params={"taxonomy_id": "divert-needs", "per_page": 100}).json()
    assert terms["total_items"] == 19
    assert client.get("/v1/taxonomy_terms/term-divert-needs-shelter").json()["code"] == "shelter"
    taxonomies = client.get("/v1/taxonomies").json()
    assert {t["name"] for t in taxonomies["contents"]} == {
        "divert-needs",
        "divert-eligibility",
        "sim-intercept",
    }
    assert client.get("/v1/organizations", params={"search": "org-h"}).json()["total_items"] == 1


def test_service_area_brings_a_mobile_service_into_reach(client: Any, db: Any) -> None:
    ring = [offset(-20, -20), offset(-20, 20), offset(20, 20), offset(20, -20), offset(-20, -20)]
    write_catalog(
        db,
        [
            ServiceSpec(
                id="van",
                name="Outreach van",
                needs=["harm_reduction"],
                area=ring,
                places=[Place(*offset(15, 15))],
            ),
            ServiceSpec(id="near", name="Needle exchange", needs=["harm_reduction"], places=[Place(*offset(1, 0))]),
        ],
    )
    lat, lon = offset(0, 0)
    body = client.get("/v1/service_at_locations", params={"lat": lat, "lon": lon, "radius_km": 5}).json()
    got = [(i["service_id"], i["reach"], i["distance_km"]) for i in body["contents"]]
    assert got[0][:2] == ("near", "radius") and got[1] == ("van", "service_area", None)
    services = client.get("/v1/services", params={"lat": lat, "lon": lon, "radius_km": 5}).json()["contents"]
    assert [(s["id"], s["reach"]) for s in services] == [("near", "radius"), ("van", "service_area")]
    far = offset(60, 60)
    assert client.get("/v1/services", params={"lat": far[0], "lon": far[1]}).json()["total_items"] == 0


def test_anyone_reports_a_listing_and_curators_resolve_it(client: Any, db: Any, make_key: Any) -> None:
    write_catalog(db, [shelter()])
    r = client.post("/v1/services/s1/reports", json={"field": "phones", "message": "number disconnected"})
    assert r.status_code == 201 and r.json()["status"] == "open"
    report_id = r.json()["id"]
    assert client.post("/v1/services/s1/reports", json={"message": ""}).status_code == 422
    assert client.post("/v1/services/s1/reports", json={"message": "x" * 2001}).status_code == 422
    assert client.post("/v1/services/nope/reports", json={"message": "hi"}).status_code == 404
    assert client.get("/v1/reports").status_code == 401
    assert client.get("/v1/reports", headers=make_key("case_manager")).status_code == 403
    curator = make_key("curator")
    listed = client.get("/v1/reports", params={"status": "open"}, headers=curator).json()
    assert [x["id"] for x in listed["contents"]] == [report_id]
    assert client.get("/v1/reports", params={"status": "weird"}, headers=curator).status_code == 422
    done = client.patch(f"/v1/reports/{report_id}", json={"status": "resolved", "resolution": "fixed"}, headers=curator)
    assert done.status_code == 200 and done.json()["status"] == "resolved" and done.json()["resolved_at"]
    assert client.patch(f"/v1/reports/{report_id}", json={"status": "open"}, headers=curator).status_code == 422
    assert client.get("/v1/reports", params={"status": "open"}, headers=curator).json()["total_items"] == 0


def test_curator_corrects_a_service_with_provenance(client: Any, db: Any, make_key: Any) -> None:
    write_catalog(db, [shelter()])
    curator = make_key("curator")
    assert client.patch("/v1/services/s1", json={"name": "X"}).status_code == 401
    assert (
        client.patch("/v1/services/s1", json={"name": "X"}, headers=make_key("provider", org="org-h")).status_code
        == 403
    )
    assert client.patch("/v1/services/s1", json={"colour": "red"}, headers=curator).status_code == 422
    assert client.patch("/v1/services/s1", json={"status": "asleep"}, headers=curator).status_code == 422
    assert (
        client.patch("/v1/services/s1", json={"minimum_age": 30, "maximum_age": 20}, headers=curator).status_code == 422
    )
    r = client.patch(
        "/v1/services/s1",
        json={"name": "Harbor Night Shelter", "fees": "none", "assured_date": "2026-11-20"},
        headers=curator,
    )
    assert r.status_code == 200, r.text
    svc = r.json()
    assert svc["name"] == "Harbor Night Shelter" and svc["assured_date"] == "2026-11-20"
    assert {m["field_name"] for m in svc["metadata"]} == {"name", "fees", "assured_date"}
    name_change = next(m for m in svc["metadata"] if m["field_name"] == "name")
    assert name_change["previous_value"] == "Harbor Shelter" and name_change["updated_by"].startswith("key:")
    with db() as session:
        assert (
            session.execute(select(Service.search_text).where(Service.id == "s1"))
            .scalar_one()
            .startswith("harbor night shelter")
        )
        assert session.execute(select(SearchOutbox.service_id)).scalars().all().count("s1") >= 2
        assert len(session.execute(select(Metadata)).all()) == 3
    found = client.get("/v1/services", params={"search": "night shelter"}).json()["contents"]
    assert [s["id"] for s in found] == ["s1"]
