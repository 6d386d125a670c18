"""`divert import hmis-inventory`: HUD HMIS CSV (FY2024) projects and inventory as shelter and housing."""

from __future__ import annotations

import pathlib
import shutil
from datetime import UTC, datetime, timedelta

from sources_support import SOURCES, divert, import_file, needs_of, rows, scalar, service_by_name, terms_of

from catalog.postcodes import centroid

HMIS = SOURCES / "hmis"
EXPORT_DATE = datetime(2024, 10, 1, 8, 0, tzinfo=UTC)


def test_projects_become_services_and_current_inventory_becomes_bed_pools(db, database_url: str) -> None:
    done = divert(database_url, "import", "hmis-inventory", str(HMIS / "Inventory.csv"))
    assert done.returncode == 0, done.stderr
    # P-101 shelter, P-102 transitional housing, P-103 safe haven. P-104 (outreach) has no beds, P-105
    # ended in 2023, P-106's only inventory was deleted.
    assert "3 created, 0 updated, 0 unchanged" in done.stdout

    shelter = service_by_name(db, "Harbor Recovery Center Shelter")
    assert needs_of(db, shelter["id"]) == {"shelter"}
    assert terms_of(db, shelter["id"], "hmis-project-type") == {"1": None}
    assert shelter["minimum_age"] == 18  # households without children only
    assert needs_of(db, service_by_name(db, "Rainier Family Transitional Housing")["id"]) == {"housing"}
    assert needs_of(db, service_by_name(db, "Northgate Safe Haven")["id"]) == {"shelter"}
    assert service_by_name(db, "Rainier Family Transitional Housing")["minimum_age"] is None

    pools = rows(
        db,
        "SELECT unit_id, available, maximum, waitlist, reserved_for, updated, description, location_id "
        "FROM service_capacity WHERE service_id = :s ORDER BY maximum DESC",
        s=shelter["id"],
    )
    assert [(p["unit_id"], p["available"], p["maximum"], p["waitlist"], p["reserved_for"]) for p in pools] == [
        ("bed", 40, 40, 0, []),
        ("bed", 10, 10, 0, []),
    ]  # I-1003 ended in 2022: no pool
    # Inventory, not a vacancy report: never newer than 8 days before the export.
    assert pools[0]["updated"] == EXPORT_DATE - timedelta(days=8)  # DateUpdated 2024-09-27 is too recent
    assert pools[1]["updated"] == datetime(2024, 2, 1, 12, 0, tzinfo=UTC)  # its own, older DateUpdated
    assert all("not a vacancy report" in p["description"] for p in pools)

    site = rows(
        db,
        "SELECT l.id, l.latitude, l.longitude, a.address_1, a.postal_code FROM location l "
        "JOIN address a ON a.location_id = l.id WHERE l.id = :l",
        l=pools[0]["location_id"],
    )
    assert site and (site[0]["latitude"], site[0]["longitude"]) == centroid("98101")
    assert site[0]["address_1"] == "1200 3rd Ave"


def test_inventory_is_offered_only_as_unconfirmed_call_to_confirm(db, client, make_key) -> None:
    import_file(db, "hmis", HMIS)
    lat, lon = centroid("98101") or (0.0, 0.0)
    response = client.post(
        "/v1/match",
        headers=make_key("case_manager"),
        json={"location": {"lat": lat, "lon": lon}, "needs": ["shelter"], "radius_km": 30, "limit": 10},
    )
    assert response.status_code == 200, response.text
    options = response.json()["needs"][0]["options"]
    assert options, response.text
    for option in options:
        assert option["capacity"]["status"] == "unconfirmed"
        assert "capacity_unconfirmed" in option["warnings"]
    assert response.json()["needs"][0]["gap"]["reason"] == "unconfirmed_only"


def test_reimport_is_a_no_op(db) -> None:
    first = import_file(db, "hmis", HMIS / "Inventory.csv")
    assert first["created"] == 3
    again = import_file(db, "hmis", HMIS / "Inventory.csv")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert scalar(db, "SELECT count(*) FROM capacity_report") == 4


def test_a_provider_report_is_not_rolled_back_by_the_next_inventory_import(db, client, make_key) -> None:
    import_file(db, "hmis", HMIS)
    capacity_id = scalar(
        db,
        "SELECT c.id FROM service_capacity c JOIN service s ON s.id = c.service_id "
        "WHERE s.name = 'Northgate Safe Haven'",
    )
    now = datetime.now(UTC).isoformat()
    r = client.put(f"/v1/capacity/{capacity_id}", headers=make_key("admin"), json={"available": 2, "updated": now})
    assert r.status_code == 200, r.text
    again = import_file(db, "hmis", HMIS)
    assert again["updated"] == 0
    assert scalar(db, "SELECT available FROM service_capacity WHERE id = :c", c=capacity_id) == 2


def test_bad_rows_name_file_row_and_column_and_nothing_is_written(db, database_url: str) -> None:
    done = divert(database_url, "import", "hmis-inventory", str(SOURCES / "hmis-bad" / "Inventory.csv"))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "Inventory.csv row 3, field BedInventory: 'twenty' is not a whole number" in done.stderr
    assert "Inventory.csv row 4, field ProjectID: ProjectID 'P-999' is not in Project.csv" in done.stderr
    assert "Inventory.csv row 5, field DateUpdated: 'last tuesday' is not a date" in done.stderr
    assert scalar(db, "SELECT count(*) FROM service") == 0


def test_missing_project_file_and_missing_column(db, tmp_path: pathlib.Path, database_url: str) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    shutil.copy(HMIS / "Inventory.csv", folder / "Inventory.csv")
    done = divert(database_url, "import", "hmis-inventory", str(folder / "Inventory.csv"))
    assert done.returncode != 0 and "Project.csv" in done.stderr and "missing" in done.stderr
    (folder / "Project.csv").write_text("ProjectID,OrganizationID,ProjectName\nP-1,O-1,Somewhere\n")
    done = divert(database_url, "import", "hmis-inventory", str(folder))
    assert "Project.csv row 1, field ProjectType: required column is missing" in done.stderr
    assert scalar(db, "SELECT count(*) FROM service") == 0


def test_projects_of_other_types_with_beds_are_skipped_with_a_warning(db, tmp_path: pathlib.Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(HMIS, folder)
    with (folder / "Inventory.csv").open("a") as f:
        f.write(
            "I-4001,P-104,WA-500,1,1,3,3,0,0,0,0,0,0,3,,2020-01-01,,2020-01-01 08:00:00,"
            "2024-01-01 08:00:00,U-9,,EX-2024-10-01\n"
        )
    summary = import_file(db, "hmis", folder)
    assert summary["created"] == 3
    assert any(w.get("file") == "Project.csv" and "Street Outreach" in w["message"] for w in summary["warnings"])


def test_export_of_another_layout_and_csv_version_is_read_with_warnings(db) -> None:
    """A vendor's Export.csv (ExportDate `MM-DD-YYYY hh:mm:ss`, CSVVersion FY2026): read, and said."""
    summary = import_file(db, "hmis", SOURCES / "hmis-fy2026")
    assert summary["created"] == 3
    # The same export date as the FY2024 file's 2024-10-01 08:00:00: pools dated 8 days before it.
    assert scalar(db, "SELECT max(updated) FROM service_capacity") == EXPORT_DATE - timedelta(days=8)
    versions = [w for w in summary["warnings"] if w.get("column") == "CSVVersion"]
    assert len(versions) == 1
    assert "'2026 v1.0' found" in versions[0]["message"] and "read it as that" in versions[0]["message"]
    assert "FY2024" in versions[0]["message"]
    assert not any(w.get("column") == "ExportDate" for w in summary["warnings"])


def test_an_unreadable_export_date_is_a_warning_not_a_refusal(db, tmp_path: pathlib.Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(HMIS, folder)
    text = (folder / "Export.csv").read_text().replace("2024-10-01 08:00:00", "1st October 2024")
    (folder / "Export.csv").write_text(text)
    summary = import_file(db, "hmis", folder)
    assert summary["created"] == 3
    warned = [w for w in summary["warnings"] if w.get("column") == "ExportDate"]
    assert len(warned) == 1 and "'1st October 2024'" in warned[0]["message"]
    assert "DateUpdated is used instead" in warned[0]["message"]
    assert not any(w.get("column") == "CSVVersion" for w in summary["warnings"])  # "2024 v1.3" expected
