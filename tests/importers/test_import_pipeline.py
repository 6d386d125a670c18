"""The shared import pipeline over a real PostGIS: all or nothing, idempotent, provenance, round trips."""

from __future__ import annotations

import copy
import json
import pathlib
import zipfile
from typing import Any

import pytest
import world as w
from import_worlds import INTEROP, small_world
from sqlalchemy import text

from divert.errors import ImportFailed
from importers.datapackage import read_datapackage
from importers.export import service_documents, write_datapackage, write_json
from importers.hsds_json import read_hsds_json, services_from_json
from importers.pipeline import import_services
from importers.sources import import_source_data, read_hsds

COUNTED_TABLES = (
    "service",
    "organization",
    "location",
    "service_at_location",
    "address",
    "phone",
    "schedule",
    "service_area",
    "language",
    "attribute",
    "taxonomy_term",
    "service_capacity",
    "capacity_report",
    "metadata",
    "match_site",
)


def counts(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with db() as s:
        return {t: s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in COUNTED_TABLES}


def run(db, services: Any, **kw: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with db() as s:
        result = import_services(s, services, source="hsds", actor=kw.pop("actor", "test"), **kw)
        s.commit()
    return result.to_dict()


def test_a_small_world_imports_with_every_part_in_its_table(db) -> None:
    summary = run(db, small_world())
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (3, 0, 0)
    assert summary["warnings"] == []
    with db() as s:
        shelter = w.service_id("Harbor Shelter")
        lat, lon = s.execute(
            text(
                "SELECT ST_Y(geog::geometry), ST_X(geog::geometry) FROM location l "
                "JOIN service_at_location sal ON sal.location_id = l.id WHERE sal.service_id = :s"
            ),
            {"s": shelter},
        ).one()
        assert (lat, lon) == pytest.approx(w.offset(1, 1))
        pools = s.execute(
            text(
                "SELECT description, available, waitlist, reserved_for, location_id, unit_id "
                "FROM service_capacity WHERE service_id = :s ORDER BY description"
            ),
            {"s": shelter},
        ).all()
        assert [(p[0], float(p[1]), p[2], p[3], p[5]) for p in pools] == [
            ("lead", 2, 0, ["lead-king-county"], "bed"),
            ("public", 4, 6, [], "bed"),
        ]
        assert all(p[4] == w.uid("location", "Harbor Shelter") for p in pools)
        assert s.execute(text("SELECT count(*) FROM capacity_report WHERE source = 'import'")).scalar_one() == 3
        opens, closes, offset = s.execute(
            text("SELECT opens_at, closes_at, time_offset_minutes FROM schedule WHERE service_id = :s"),
            {"s": w.service_id("Eastside Detox")},
        ).one()
        assert (str(opens), str(closes), offset) == ("09:00:00", "17:00:00", 300)
        area = s.execute(
            text("SELECT ST_Covers(geog, ST_GeogFromText('POINT(-122.3321 47.6062)')) FROM service_area")
        ).scalar_one()
        assert area is True
        needs = (
            s.execute(
                text("SELECT need FROM match_site WHERE service_id = :s ORDER BY need"),
                {"s": w.service_id("Eastside Detox")},
            )
            .scalars()
            .all()
        )
        assert needs == ["moud", "withdrawal_management"]
        profiles = dict(
            s.execute(text("SELECT code, profile FROM taxonomy_term WHERE code IN ('shelter', 'genders')")).all()
        )
        assert profiles == {"shelter": "divert-needs", "genders": "divert-eligibility"}
        created = s.execute(
            text(
                "SELECT count(*) FROM metadata WHERE last_action_type = 'create' "
                "AND resource_type = 'service' AND updated_by = 'test'"
            )
        ).scalar_one()
        assert created == 3


def test_one_bad_record_writes_nothing_and_every_error_is_listed(db) -> None:
    services = small_world()
    services[1]["service_at_locations"][0]["location"]["latitude"] = "north"
    services[1]["capacities"][0]["waitlist"] = -2
    del services[2]["name"]
    services.append("not a service")
    with pytest.raises(ImportFailed) as failed:
        run(db, services)
    errors = failed.value.extra["errors"]
    found = {(e["index"], e["path"]) for e in errors}
    assert {
        (1, "service_at_locations.0.location.latitude"),
        (1, "capacities.0.waitlist"),
        (2, "name"),
        (3, ""),
    } <= found
    assert all(e["message"] for e in errors)
    assert failed.value.code == "invalid_import"
    assert all(n == 0 for n in counts(db).values())


def test_references_must_resolve_in_the_import_or_the_catalog(db) -> None:
    service = small_world()[0]
    service.pop("organization")
    service["capacities"][0]["location_id"] = "nowhere"
    service["attributes"][0].pop("taxonomy_term")
    service["attributes"][0]["taxonomy_term_id"] = "no-such-term"
    with pytest.raises(ImportFailed) as failed:
        run(db, [service])
    paths = {e["path"] for e in failed.value.extra["errors"]}
    assert {"organization_id", "capacities.0.location_id", "attributes.0.taxonomy_term_id"} <= paths


def test_reimporting_the_same_data_writes_nothing(db) -> None:
    run(db, small_world())
    before = counts(db)
    summary = run(db, small_world())
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 3)
    assert counts(db) == before


def test_a_changed_record_updates_in_place_and_leaves_provenance(db) -> None:
    run(db, small_world())
    services = small_world()
    shelter = services[0]
    shelter["name"] = "Harbor Night Shelter"
    shelter["languages"] = shelter["languages"][:1]
    shelter["capacities"][0]["available"] = 1
    shelter["capacities"][0]["updated"] = "2026-11-22T21:00:00-08:00"
    summary = run(db, services, actor="curator:ana")
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 1, 2)
    with db() as s:
        sid = shelter["id"]
        assert (
            s.execute(text("SELECT name FROM service WHERE id = :s"), {"s": sid}).scalar_one() == "Harbor Night Shelter"
        )
        assert s.execute(text("SELECT count(*) FROM language WHERE service_id = :s"), {"s": sid}).scalar_one() == 1
        rows = s.execute(
            text(
                "SELECT field_name, previous_value, replacement_value, last_action_type FROM metadata "
                "WHERE resource_id = :s AND updated_by = 'curator:ana'"
            ),
            {"s": sid},
        ).all()
        by_field = {r[0]: r for r in rows}
        assert by_field["name"][1:] == ("Harbor Shelter", "Harbor Night Shelter", "update")
        assert "language" in by_field and "service_capacity" in by_field
        pool = s.execute(
            text("SELECT available FROM service_capacity WHERE id = :c"),
            {"c": shelter["capacities"][0]["id"]},
        ).scalar_one()
        assert float(pool) == 1
        reports = s.execute(
            text("SELECT count(*) FROM capacity_report WHERE capacity_id = :c"),
            {"c": shelter["capacities"][0]["id"]},
        ).scalar_one()
        assert reports == 2
        assert s.execute(text("SELECT count(*) FROM service WHERE id = :s"), {"s": sid}).scalar_one() == 1


def test_an_older_capacity_report_in_a_file_does_not_roll_live_state_back(db) -> None:
    run(db, small_world())
    with db() as s:
        cid = w.capacity_id("Harbor Shelter", "public")
        s.execute(
            text("UPDATE service_capacity SET available = 0, updated = '2026-11-23T06:00:00Z' WHERE id = :c"),
            {"c": cid},
        )
        s.commit()
    summary = run(db, small_world())
    assert summary["updated"] == 0
    with db() as s:
        assert (
            float(s.execute(text("SELECT available FROM service_capacity WHERE id = :c"), {"c": cid}).scalar_one()) == 0
        )


def test_dry_run_validates_and_counts_but_writes_nothing(db) -> None:
    summary = run(db, small_world(), dry_run=True)
    assert summary["created"] == 3 and summary["dry_run"] is True
    assert all(n == 0 for n in counts(db).values())


def test_json_export_then_import_changes_nothing(db, tmp_path: pathlib.Path) -> None:
    run(db, small_world())
    with db() as s:
        count = write_json(s, tmp_path / "catalog.json")
    assert count == 3
    exported = read_hsds_json(tmp_path / "catalog.json")
    pools = {c["id"]: c for doc in exported for c in doc["capacities"]}
    lead = pools[w.capacity_id("Harbor Shelter", "lead")]
    assert (lead["reserved_for"], lead["waitlist"], lead["location_id"]) == (
        ["lead-king-county"],
        0,
        w.uid("location", "Harbor Shelter"),
    )
    before = counts(db)
    summary = run(db, exported)
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 3)
    assert counts(db) == before


@pytest.mark.parametrize("target", ["folder", "zip"])
def test_datapackage_export_then_import_changes_nothing(db, tmp_path: pathlib.Path, target: str) -> None:
    run(db, small_world())
    path = tmp_path / ("package" if target == "folder" else "package.zip")
    with db() as s:
        write_datapackage(s, path, as_zip=target == "zip")
    if target == "zip":
        assert "datapackage.json" in zipfile.ZipFile(path).namelist()
    else:
        descriptor = json.loads((path / "datapackage.json").read_text())
        # The official resource names (singular).
        assert {r["name"] for r in descriptor["resources"]} >= {"service", "service_capacity", "location"}
    data = read_datapackage(path)
    with db() as s:
        summary = import_source_data(s, data, source="hsds", actor="test").to_dict()
        s.commit()
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 3)


def test_a_datapackage_imports_into_an_empty_catalog_like_the_json(db, tmp_path: pathlib.Path) -> None:
    run(db, small_world())
    with db() as s:
        write_datapackage(s, tmp_path / "pkg", as_zip=False)
        json_docs = service_documents(s)
    db_truncate = counts(db)
    with db() as s:
        s.execute(
            text(
                "TRUNCATE service, organization, location, taxonomy, taxonomy_term, unit, metadata, "
                "capacity_report, source_record CASCADE"
            )
        )
        s.commit()
    with db() as s:
        summary = import_source_data(s, read_datapackage(tmp_path / "pkg"), source="hsds", actor="test").to_dict()
        s.commit()
        assert summary["created"] == 3
        assert service_documents(s) == json_docs
    assert counts(db)["match_site"] == db_truncate["match_site"]


# --- the official Open Referral examples (tests/data/interop, see its SOURCE.md) ---------------------


@pytest.mark.parametrize(
    "name",
    ["service_full.json", "organization_full.json", "service_at_location_full.json", "service_list.json"],
)
def test_official_json_examples_import_with_documented_warnings(db, name: str) -> None:
    with db() as s:
        summary = import_source_data(s, read_hsds(INTEROP / name), source="hsds", actor="test").to_dict()
        s.commit()
    assert summary["created"] == 1
    if name != "service_list.json":
        messages = " | ".join(w_["message"] for w_ in summary["warnings"])
        assert "available 12 is more than maximum 10; kept as reported" in messages
        assert "outside -90..90" in messages  # latitude 100 / longitude 101: kept, not mapped
        with db() as s:
            pool = s.execute(text("SELECT available, maximum, unit_id FROM service_capacity")).one()
            assert (float(pool[0]), float(pool[1])) == (12, 10)
            assert s.execute(text("SELECT name FROM unit WHERE id = :u"), {"u": pool[2]}).scalar_one() == "Kilogram"
            assert s.execute(text("SELECT count(*) FROM location WHERE geog IS NOT NULL")).scalar_one() == 0
            extra = s.execute(text("SELECT extra FROM service")).scalar_one()
            assert {"contacts", "funding", "cost_options", "required_documents", "program"} <= set(extra)
            # One phone object quoted in four places is one row linked four ways.
            phone = s.execute(
                text("SELECT service_id, location_id, organization_id, service_at_location_id FROM phone")
            ).all()
            assert len(phone) == 1 and all(phone[0])


def test_official_service_full_round_trips_through_export(db) -> None:
    with db() as s:
        import_source_data(s, read_hsds(INTEROP / "service_full.json"), source="hsds", actor="test")
        s.commit()
    with db() as s:
        exported = service_documents(s)
        original = json.loads((INTEROP / "service_full.json").read_text())
        assert (
            exported[0]["organization"]["organization_identifiers"]
            == original["organization"]["organization_identifiers"]
        )
        assert exported[0]["cost_options"] == original["cost_options"]
        summary = import_services(s, exported, source="hsds", actor="test").to_dict()
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 1)


def test_official_csv_package_fails_naming_every_dangling_reference(db) -> None:
    with pytest.raises(ImportFailed) as failed:
        read_datapackage(INTEROP / "csv")
    dangling = {(e["file"], e["row"], e["column"]) for e in failed.value.extra["errors"]}
    assert dangling == {
        ("attributes.csv", 2, "link_id"),
        ("contacts.csv", 2, "organization_id"),
        ("contacts.csv", 2, "service_at_location_id"),
        ("locations.csv", 2, "organization_id"),
        ("service_areas.csv", 2, "service_at_location_id"),
        ("service_capacity.csv", 2, "service_id"),
        ("service_capacity.csv", 2, "unit_id"),
    }
    assert all(n == 0 for n in counts(db).values())


def test_csv_cells_are_validated_with_file_row_and_column(tmp_path: pathlib.Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "organizations.csv").write_text("id,name\no1,Org\n")
    (package / "services.csv").write_text(
        "id,organization_id,name,minimum_age,status\ns1,o1,Good,12,active\ns2,o1,,x,sleeping\n"
    )
    with pytest.raises(ImportFailed) as failed:
        read_datapackage(package)
    found = {(e["file"], e["row"], e["column"]) for e in failed.value.extra["errors"]}
    assert {
        ("services.csv", 3, "name"),
        ("services.csv", 3, "minimum_age"),
        ("services.csv", 3, "status"),
    } <= found


def test_accepted_json_shapes() -> None:
    one = small_world()[0]
    assert services_from_json(one) == [one]
    assert services_from_json({"services": [one]}) == [one]
    assert services_from_json([one]) == [one]
    sal_full = json.loads((INTEROP / "service_at_location_full.json").read_text())
    [service] = services_from_json(sal_full)
    assert service["service_at_locations"][0]["id"] == sal_full["id"]
    with pytest.raises(ImportFailed):
        services_from_json("nope")


def test_schedule_times_and_geojson_extents_are_parsed() -> None:
    from importers.models import Schedule, parse_clock

    assert parse_clock("09:00").hsds() == "09:00:00"
    assert parse_clock("09:00+05:00").offset_minutes == 300
    assert parse_clock("17:30:00Z").offset_minutes == 0
    assert parse_clock("23:00:00-08:00").hsds() == "23:00:00-08:00"
    for bad in ("25:00", "9am", "09:00+25:00"):
        with pytest.raises(ValueError):
            parse_clock(bad)
    with pytest.raises(ValueError):
        Schedule.model_validate({"id": "x", "opens_at": "09:00+01:00", "closes_at": "17:00+02:00"})


def test_non_geojson_extent_is_kept_as_text(db) -> None:
    service = copy.deepcopy(small_world()[2])
    service["service_areas"][0]["extent"] = "King County, WA"
    service["service_areas"][0]["extent_type"] = "text"
    summary = run(db, [service])
    assert summary["warnings"] == []
    with db() as s:
        assert s.execute(text("SELECT extent, geog IS NULL FROM service_area")).one() == (
            "King County, WA",
            True,
        )


def test_sample_region_imports_cleanly(db) -> None:
    sample = pathlib.Path(__file__).resolve().parents[2] / "data" / "sample" / "king-county.json"
    if not sample.exists():
        pytest.skip("data/sample/king-county.json is not generated yet")
    with db() as s:
        summary = import_source_data(s, read_hsds(sample), source="hsds", actor="test").to_dict()
        s.commit()
    assert summary["created"] > 0 and summary["updated"] == 0
    with db() as s:
        again = import_source_data(s, read_hsds(sample), source="hsds", actor="test").to_dict()
    assert again["created"] == 0 and again["updated"] == 0


def test_an_invalid_email_or_url_is_kept_with_a_warning_naming_record_and_field(db) -> None:
    services = small_world()
    services[0]["email"] = "intake at harbor dot org"
    for service in services:  # the first and third share their organization
        if service["organization"]["id"] == services[0]["organization"]["id"]:
            service["organization"]["website"] = "www.harbor example.org"
    services[1]["url"] = "https://detox.example.org/intake"  # valid: no warning
    services[1]["email"] = "intake@detox.example.org"
    with db() as s:
        summary = import_services(s, services, source="hsds", actor="test").to_dict()
        s.commit()
    assert summary["created"] == 3
    warned = {(w_["path"], w_["message"]) for w_ in summary["warnings"] if "kept as given" in w_["message"]}
    first, org = services[0]["id"], services[0]["organization"]["id"]
    assert warned == {
        ("email", f"service {first!r}: email 'intake at harbor dot org' is not an email address; kept as given"),
        (
            "organization.website",
            f"organization {org!r}: website 'www.harbor example.org' is not an absolute URL "
            "(e.g. https://example.org); kept as given",
        ),
    }
    with db() as s:
        assert s.execute(text("SELECT email FROM service WHERE id = :i"), {"i": first}).scalar_one() == (
            "intake at harbor dot org"
        )
