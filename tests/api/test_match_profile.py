"""The match_profile projection: what the candidate query reads about a service (eligibility terms,
languages, hours) stays in step with the catalog, including through a building another service shares."""

from __future__ import annotations

import copy
import pathlib

import world
from sqlalchemy import text

AT = "2026-11-22T20:00:00-08:00"


def _shared_building(location_languages: list[str], opens: str) -> list[dict]:  # type: ignore[type-arg]
    """Two services; the second is in the first's building, whose languages and hours hang on the location."""
    first, second = world.world(
        [
            {"name": "Harbor Clinic", "needs": ["health_care"], "elig": {"id_required": True}},
            {"name": "Harbor Pantry", "at": (3, 0), "needs": ["food"]},
        ]
    )
    building = first["service_at_locations"][0]["location"]
    lid = building["id"]
    building["languages"] = [
        {"id": world.uid("lang", lid, code), "location_id": lid, "code": code, "name": code}
        for code in location_languages
    ]
    building["schedules"] = [
        {
            "id": world.uid("sched", lid),
            "location_id": lid,
            "freq": "WEEKLY",
            "byday": "MO,TU,WE,TH,FR,SA,SU",
            "opens_at": opens,
            "closes_at": "23:00",
        }
    ]
    second["service_at_locations"][0]["location_id"] = lid
    second["service_at_locations"][0]["location"] = copy.deepcopy(building)
    return [first, second]


def _profile(db, name: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    with db() as s:
        row = (
            s.execute(
                text("SELECT terms, languages, schedules FROM match_profile WHERE service_id = :id"),
                {"id": world.service_id(name)},
            )
            .mappings()
            .one()
        )
    return dict(row)


def test_profile_holds_terms_languages_and_building_hours(db, import_catalog) -> None:  # type: ignore[no-untyped-def]
    import_catalog(_shared_building(["es"], "08:00"))
    clinic, pantry = _profile(db, "Harbor Clinic"), _profile(db, "Harbor Pantry")
    assert clinic["terms"] == [["id_required", "true"]]
    assert pantry["terms"] == []
    lid = world.uid("location", "Harbor Clinic")
    for profile in (clinic, pantry):
        assert profile["languages"] == [["es", lid]]
        assert [(s["location_id"], s["opens_at"]) for s in profile["schedules"]] == [(lid, "08:00:00")]


def test_writing_one_service_refreshes_the_profile_of_a_service_sharing_its_building(  # type: ignore[no-untyped-def]
    db, client, make_key, import_catalog
) -> None:
    import_catalog(_shared_building(["es"], "08:00"))
    clinic_only = _shared_building(["fr"], "21:00")[:1]  # only the clinic's document, building changed
    summary = import_catalog(clinic_only)
    assert summary["updated"] == 1
    pantry = _profile(db, "Harbor Pantry")
    lid = world.uid("location", "Harbor Clinic")
    assert pantry["languages"] == [["fr", lid]]
    assert [s["opens_at"] for s in pantry["schedules"]] == ["21:00:00"]
    # The matcher sees it: at 20:00 the pantry (building hours now from 21:00) is closed.
    r = client.post(
        "/v1/match",
        headers=make_key("case_manager"),
        json={
            "location": {"lat": world.CENTER[0], "lon": world.CENTER[1]},
            "needs": ["food"],
            "at": AT,
            "open_now": True,
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["needs"][0]["options"] == []


def test_the_migration_fills_what_the_projection_writes(db, import_catalog) -> None:  # type: ignore[no-untyped-def]
    """Revision 0004 fills match_profile for catalogs that existed before it, set-based; on the same
    catalog its fill must give exactly the rows the live projection wrote."""
    import importlib.util

    import_catalog(
        _shared_building(["es", "vi"], "08:00")
        + world.world(
            [
                {
                    "name": "Sober Beds",
                    "at": (1, 1),
                    "needs": ["housing"],
                    "languages": ["en", "so"],
                    "elig": {"sobriety_required": True, "genders": ["female"]},
                    "schedules": [("MO,WE", "09:00", "17:00")],
                },
            ]
        )
    )
    (path,) = (pathlib.Path(__file__).resolve().parents[2] / "migrations" / "versions").glob("0004_*.py")
    spec = importlib.util.spec_from_file_location("rev0004", path)
    assert spec and spec.loader
    rev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rev)
    with db() as s:
        # A temporary table of the same name shadows the real one for the migration's INSERT.
        s.execute(text("CREATE TEMP TABLE match_profile (LIKE public.match_profile INCLUDING ALL) ON COMMIT DROP"))
        s.execute(text(rev._FILL))
        filled = s.execute(
            text("SELECT service_id, terms, languages, schedules FROM pg_temp.match_profile ORDER BY service_id")
        ).all()
        live = s.execute(
            text("SELECT service_id, terms, languages, schedules FROM public.match_profile ORDER BY service_id")
        ).all()
        s.rollback()
    assert len(live) == 3
    assert filled == live


def test_profile_carries_name_organization_ages_and_area_sites_the_needs(db, import_catalog) -> None:  # type: ignore[no-untyped-def]
    import_catalog(
        world.world(
            [
                {
                    "name": "Youth Outreach",
                    "org": "Street Team",
                    "needs": ["harm_reduction", "food"],
                    "area_km": 5,
                    "minimum_age": 16,
                    "maximum_age": 24,
                },
                {"name": "Corner Clinic", "org": "Street Team", "at": (2, 0), "needs": ["health_care"]},
            ]
        )
    )
    with db() as s:
        rows = {
            r.service_id: r
            for r in s.execute(
                text("SELECT service_id, name, organization, minimum_age, maximum_age FROM match_profile")
            )
        }
        areas = s.execute(text("SELECT service_id, need FROM area_site ORDER BY need")).all()
    outreach, clinic = rows[world.service_id("Youth Outreach")], rows[world.service_id("Corner Clinic")]
    assert (outreach.name, outreach.organization, outreach.minimum_age, outreach.maximum_age) == (
        "Youth Outreach",
        "Street Team",
        16,
        24,
    )
    assert clinic.organization == "Street Team"
    # Only the outreach service has an area: one row per need it meets there.
    outreach_id = world.service_id("Youth Outreach")
    assert areas == [(outreach_id, "food"), (outreach_id, "harm_reduction")]


def test_a_renamed_organization_reaches_its_other_services_and_the_matcher(  # type: ignore[no-untyped-def]
    db, client, make_key, import_catalog
) -> None:
    specs = [
        {"name": "Harbor Pantry", "org": "Harbor Aid", "needs": ["food"]},
        {"name": "Harbor Closet", "org": "Harbor Aid", "at": (1, 0), "needs": ["clothing"]},
    ]
    import_catalog(world.world(specs))
    renamed = world.world(specs)[:1]  # only the pantry's document, carrying the organization's new name
    renamed[0]["organization"]["name"] = "Harbor Mutual Aid"
    assert import_catalog(renamed)["updated"] == 1
    with db() as s:
        names = dict(s.execute(text("SELECT service_id, organization FROM match_profile")).all())
    assert set(names.values()) == {"Harbor Mutual Aid"}
    r = client.post(
        "/v1/match",
        headers=make_key("case_manager"),
        json={"location": {"lat": world.CENTER[0], "lon": world.CENTER[1]}, "needs": ["clothing"], "at": AT},
    )
    assert r.status_code == 200, r.text
    assert [o["organization"] for o in r.json()["needs"][0]["options"]] == ["Harbor Mutual Aid"]
