"""`divert import 211`: iCarol-style CSV exports, columns and taxonomy codes mapped by a JSON file."""

from __future__ import annotations

import datetime as dt
import json
import pathlib

from sources_support import SOURCES, divert, import_file, needs_of, rows, scalar, service_by_name, terms_of

from importers.icarol import DEFAULT_MAPPING, load_mapping, needs_for

EXPORT = SOURCES / "211" / "icarol-export.csv"


def test_default_mapping_keeps_hsis_codes_and_maps_them_onto_needs(db) -> None:
    summary = import_file(db, "211", EXPORT)
    assert (summary["created"], summary["updated"]) == (4, 0)

    pantry = service_by_name(db, "Pioneer Square Food Bank")
    assert needs_of(db, pantry["id"]) == {"food"}
    assert terms_of(db, pantry["id"], "211-hsis") == {"BD-1800.2000": None}
    assert pantry["assured_date"] == dt.date(2024, 8, 15)
    assert pantry["eligibility_description"] == "Anyone in need."
    languages = {r["name"] for r in rows(db, "SELECT name FROM language WHERE service_id = :s", s=pantry["id"])}
    assert languages == {"English", "Spanish", "Vietnamese"}

    shelter = service_by_name(db, "Main Shelter Night Program")
    # A target term after "*" is not the service's code; the longest mapped prefix decides the need.
    assert set(terms_of(db, shelter["id"], "211-hsis")) == {"BH-1800.8500", "BH-1800.8500-800"}
    assert needs_of(db, shelter["id"]) == {"shelter"}
    assert shelter["assured_date"] == dt.date(2024, 8, 30)  # written 08/30/2024

    crisis = service_by_name(db, "Crisis Solutions Center")
    assert needs_of(db, crisis["id"]) == {"crisis", "withdrawal_management"}
    # Two programs of one site share one location.
    sites = rows(
        db,
        "SELECT DISTINCT location_id FROM service_at_location WHERE service_id IN (:a, :b)",
        a=shelter["id"],
        b=crisis["id"],
    )
    assert len(sites) == 1
    assert needs_of(db, service_by_name(db, "Record Vacation Clinic")["id"]) == {"legal"}
    # Eligibility stays words for people: it is never guessed into rules that would exclude someone.
    assert terms_of(db, shelter["id"], "divert-eligibility") == {}

    again = import_file(db, "211", EXPORT)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)


def test_a_regional_mapping_file_adapts_the_import_without_code(db, database_url: str) -> None:
    done = divert(
        database_url,
        "import",
        "211",
        str(SOURCES / "211" / "regional-export.csv"),
        "--mapping",
        str(SOURCES / "211" / "regional-mapping.json"),
    )
    assert done.returncode == 0, done.stderr
    assert "2 created" in done.stdout
    shelter = service_by_name(db, "Men's Winter Shelter")
    assert needs_of(db, shelter["id"]) == {"shelter", "food"}
    assert set(terms_of(db, shelter["id"], "211-hsis")) == {"BH-1800.8500", "BD-5000.8300"}
    assert shelter["assured_date"] == dt.date(2024, 3, 1)
    assert (
        scalar(
            db,
            "SELECT o.name FROM organization o JOIN service s ON s.organization_id = o.id WHERE s.id = :s",
            s=shelter["id"],
        )
        == "Eastside Men's Shelter"
    )
    keys = {r["source_key"] for r in rows(db, "SELECT source_key FROM source_record WHERE source = '211'")}
    assert keys == {"R-88", "R-89"}


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_written(db, database_url: str) -> None:
    done = divert(database_url, "import", "211", str(SOURCES / "211" / "bad.csv"))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "bad.csv row 3, field TaxonomyCodes: 'food please' is not an AIRS/211 taxonomy code" in done.stderr
    assert "bad.csv row 4, field LastVerifiedOn: 'yesterday' is not a date" in done.stderr
    assert "bad.csv row 5, field Longitude: -222.33 is outside -180..180" in done.stderr
    assert scalar(db, "SELECT count(*) FROM service") == 0


def test_a_wrong_mapping_file_is_a_one_line_error(db, database_url: str, tmp_path: pathlib.Path) -> None:
    mapping = json.loads(DEFAULT_MAPPING.read_text())
    mapping["needs_by_prefix"]["BD"] = {"needs": ["groceries"]}
    bad = tmp_path / "mapping.json"
    bad.write_text(json.dumps(mapping))
    done = divert(database_url, "import", "211", str(EXPORT), "--mapping", str(bad))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "needs_by_prefix.BD" in done.stderr
    mapping = json.loads(DEFAULT_MAPPING.read_text())
    mapping["columns"]["service.nickname"] = "Nick"
    bad.write_text(json.dumps(mapping))
    done = divert(database_url, "import", "211", str(EXPORT), "--mapping", str(bad))
    assert done.returncode != 0 and "columns.service.nickname" in done.stderr
    assert scalar(db, "SELECT count(*) FROM service") == 0


def test_longest_prefix_wins() -> None:
    prefixes = load_mapping(None)["needs_by_prefix"]
    assert needs_for("BH-1800.8500-800", prefixes) == ["shelter"]
    assert needs_for("BH-3000", prefixes) == ["housing"]
    assert needs_for("ZZ-1000", prefixes) == []
