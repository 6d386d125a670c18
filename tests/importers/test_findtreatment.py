"""`divert import findtreatment`: locator JSON pages and the CSV export, mapped onto the divert profile."""

from __future__ import annotations

import json
import pathlib
import uuid

from sources_support import SOURCES, divert, import_file, needs_of, rows, scalar, service_by_name, terms_of

from importers.findtreatment import insurance_value
from importers.hsds_build import SOURCE_NAMESPACE

LOCATOR_JSON = SOURCES / "findtreatment" / "locator.json"
LOCATOR_CSV = SOURCES / "findtreatment" / "locator.csv"


def test_locator_json_maps_service_codes_onto_needs_terms_and_insurance(db) -> None:
    summary = import_file(db, "findtreatment", LOCATOR_JSON)
    assert (summary["created"], summary["updated"]) == (4, 0)
    assert summary["merges"] == [] and summary["near_misses"] == []

    harbor = service_by_name(db, "Harbor Recovery Center, Inc.")
    # Ids are uuid5 of the source and its frid, so the same facility is the same service next time.
    assert harbor["id"] == str(uuid.uuid5(SOURCE_NAMESPACE, "findtreatment:FT-0421877"))
    assert harbor["alternate_name"] == "Harbor Recovery Services"
    assert needs_of(db, harbor["id"]) == {"sud_treatment", "withdrawal_management", "moud"}
    codes = terms_of(db, harbor["id"], "findtreatment-services")
    assert {"SA", "DT", "OP", "OIT", "RD", "BU", "METH", "MD", "PI", "SF"} <= set(codes)
    # It takes cash or self-payment: nobody is turned away for lack of insurance, so no insurance rule.
    assert "insurance" not in terms_of(db, harbor["id"], "divert-eligibility")
    phones = {r["number"] for r in rows(db, "SELECT number FROM phone WHERE service_id = :s", s=harbor["id"])}
    assert phones == {"206-555-0142", "206-555-0199"}

    evergreen = service_by_name(db, "Evergreen Treatment Services")
    assert needs_of(db, evergreen["id"]) == {"sud_treatment", "moud"}
    # Medicaid and Medicare only: someone uninsured or privately insured cannot be served there.
    assert terms_of(db, evergreen["id"], "divert-eligibility") == {"insurance": "medicaid,medicare"}
    assert scalar(db, "SELECT name FROM language WHERE service_id = :s", s=evergreen["id"]) == "Spanish"

    # Explicit codes are accepted as a list (`service_codes`) or a string (`codes`).
    cascade = service_by_name(db, "Cascade Mental Health Clinic")
    # A mental health facility's "outpatient" setting is mental health care, not substance use treatment.
    assert needs_of(db, cascade["id"]) == {"mental_health"}
    assert "insurance" not in terms_of(db, cascade["id"], "divert-eligibility")  # sliding fee scale
    rainier = service_by_name(db, "Rainier Valley Withdrawal Management")
    assert needs_of(db, rainier["id"]) == {
        "withdrawal_management",
        "moud",
        "sud_treatment",
    }  # type_facility SA
    assert set(terms_of(db, rainier["id"], "findtreatment-services")) == {
        "DT",
        "RD",
        "BU",
        "METH",
        "MD",
        "MC",
    }

    location = rows(
        db,
        "SELECT l.latitude, l.longitude, a.address_1, a.postal_code FROM service_at_location sal "
        "JOIN location l ON l.id = sal.location_id JOIN address a ON a.location_id = l.id "
        "WHERE sal.service_id = :s",
        s=harbor["id"],
    )
    assert location == [
        {
            "latitude": 47.60162,
            "longitude": -122.3289,
            "address_1": "1200 Third Avenue",
            "postal_code": "98101",
        }
    ]


def test_csv_export_with_one_column_per_code_through_the_cli(db, database_url: str) -> None:
    done = divert(database_url, "import", "findtreatment", str(LOCATOR_CSV))
    assert done.returncode == 0, done.stderr
    assert "3 created, 0 updated, 0 unchanged" in done.stdout
    lakeside = service_by_name(db, "Lakeside Recovery House")
    assert needs_of(db, lakeside["id"]) == {"sud_treatment", "housing", "moud", "peer_support"}
    assert "insurance" not in terms_of(db, lakeside["id"], "divert-eligibility")
    northgate = service_by_name(db, "Northgate Outpatient Services")
    assert terms_of(db, northgate["id"], "divert-eligibility") == {"insurance": "medicaid,medicare,private"}
    assert needs_of(db, northgate["id"]) == {"sud_treatment", "mental_health", "moud"}
    otp = service_by_name(db, "Sound Opioid Treatment Program")
    assert {"moud", "sud_treatment"} <= needs_of(db, otp["id"])

    again = divert(database_url, "import", "findtreatment", str(LOCATOR_CSV))
    assert again.returncode == 0, again.stderr
    assert "0 created, 0 updated, 3 unchanged" in again.stdout


def test_reimport_of_the_json_listing_is_a_no_op(db) -> None:
    import_file(db, "findtreatment", LOCATOR_JSON)
    metadata = scalar(db, "SELECT count(*) FROM metadata")
    again = import_file(db, "findtreatment", LOCATOR_JSON)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)
    assert scalar(db, "SELECT count(*) FROM metadata") == metadata
    assert scalar(db, "SELECT count(*) FROM source_record WHERE source = 'findtreatment'") == 4


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_written(db, database_url: str) -> None:
    done = divert(database_url, "import", "findtreatment", str(SOURCES / "findtreatment" / "bad.csv"))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: bad.csv")]
    assert any("row 3" in e and "field latitude" in e and "'north' is not a number" in e for e in errors), errors
    assert any("row 4" in e and "field name1" in e for e in errors), errors
    assert any("row 5" in e and "field SA" in e for e in errors), errors
    assert len(errors) == 3
    assert scalar(db, "SELECT count(*) FROM service") == 0

    done = divert(database_url, "import", "findtreatment", str(SOURCES / "findtreatment" / "bad.json"))
    assert done.returncode != 0
    assert "bad.json row 2, field rows.1.latitude: 147.6 is outside -90..90" in done.stderr
    assert scalar(db, "SELECT count(*) FROM service") == 0


def test_dry_run_reports_and_writes_nothing(db, database_url: str) -> None:
    done = divert(database_url, "import", "findtreatment", str(LOCATOR_JSON), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "would import 4 services" in done.stdout and "dry run" in done.stdout
    assert scalar(db, "SELECT count(*) FROM service") == 0
    assert scalar(db, "SELECT count(*) FROM source_record") == 0


def test_a_listing_without_frid_gets_a_stable_derived_key(db, tmp_path: pathlib.Path) -> None:
    listing = json.loads(LOCATOR_JSON.read_text())
    for row in listing["rows"]:
        row.pop("frid")
    path = tmp_path / "no-ids.json"
    path.write_text(json.dumps(listing))
    assert import_file(db, "findtreatment", path)["created"] == 4
    assert import_file(db, "findtreatment", path)["unchanged"] == 4
    keys = {r["source_key"] for r in rows(db, "SELECT source_key FROM source_record")}
    assert "derived:harbor recovery center inc 1200 third avenue 98101" in keys


def test_insurance_is_a_restriction_only_without_a_way_in_for_the_uninsured() -> None:
    assert insurance_value({"MD", "MC"}) == "medicaid,medicare"
    assert insurance_value({"MD", "PI", "MI"}) == "medicaid,military,private"
    assert insurance_value({"MD", "SF"}) is None  # self-payment
    assert insurance_value({"PI", "SS"}) is None  # sliding fee scale
    assert insurance_value({"MD", "PA"}) is None  # payment assistance
    assert insurance_value({"DT", "BU"}) is None  # no payment stated: excludes nobody


def test_a_file_in_another_layout_is_one_error_naming_the_layout_expected(db, database_url: str) -> None:
    """Another system's facility listing: said once, with what was expected and what was found."""
    for name in ("other-layout.json", "other-layout.csv"):
        done = divert(database_url, "import", "findtreatment", str(SOURCES / "findtreatment" / name))
        assert done.returncode != 0 and "Traceback" not in done.stderr
        errors = [line for line in done.stderr.splitlines() if line.startswith(f"error: {name}")]
        assert len(errors) == 1, done.stderr
        assert "not a FindTreatment.gov locator" in errors[0] and "name1" in errors[0]
        assert "facility_name" in errors[0] or "Facility Name" in errors[0]
    assert scalar(db, "SELECT count(*) FROM service") == 0
