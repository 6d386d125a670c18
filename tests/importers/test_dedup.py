"""One facility listed by HSDS, FindTreatment, HMIS and 211 is one service, whatever order they arrive in."""

from __future__ import annotations

import json
import pathlib

from sources_support import SOURCES, divert, import_file, needs_of, rows, scalar, terms_of

from importers.dedup import normalize_address, normalize_name

HSDS = SOURCES / "overlap" / "hsds.json"
LOCATOR = SOURCES / "findtreatment" / "locator.json"
HMIS = SOURCES / "hmis"
EXPORT_211 = SOURCES / "211" / "icarol-export.csv"
HARBOR = "2998df61-166a-5d36-aedf-5247947b672a"  # the HSDS service "Harbor Recovery Center"
HARBOR_SITE = "SELECT location_id FROM service_at_location WHERE service_id = :s"


def test_names_and_addresses_are_compared_normalized() -> None:
    assert normalize_name("The Harbor Recovery Center, Inc.") == "harbor recovery center"
    assert normalize_name("HARBOR RECOVERY CENTER LLC") == "harbor recovery center"
    assert normalize_address("1200 Third Avenue, Suite 200") == "1200 3rd ave"
    assert normalize_address("1200 3rd Ave.") == "1200 3rd ave"
    assert normalize_address("4800 Rainier Avenue South") == "4800 rainier ave s"


def test_findtreatment_hmis_and_hsds_listings_of_one_facility_merge_into_one_service(db, database_url: str) -> None:
    assert import_file(db, "hsds", HSDS)["created"] == 3

    # FindTreatment: "Harbor Recovery Center, Inc." 15 m away -> merged; the mental health clinic 13 m
    # from the legal clinic has another name -> a near miss for a curator, not a merge.
    done = divert(database_url, "import", "findtreatment", str(LOCATOR))
    assert done.returncode == 0, done.stderr
    assert f'merged: findtreatment FT-0421877 "Harbor Recovery Center, Inc." into service {HARBOR}' in done.stdout
    assert 'near miss: findtreatment FT-0512233 "Cascade Mental Health Clinic"' in done.stdout
    assert '"Third Avenue Legal Clinic"' in done.stdout
    assert "3 created, 1 updated" in done.stdout

    # HMIS has no coordinates (ZIP centre only): the same street address with a similar name merges.
    hmis = import_file(db, "hmis", HMIS)
    assert [(m["source_key"], m["service_id"]) for m in hmis["merges"]] == [("WA-500/P-101", HARBOR)]
    assert "same street address" in hmis["merges"][0]["reason"] or "same address" in hmis["merges"][0]["reason"]
    assert (hmis["created"], hmis["updated"]) == (2, 1)

    # One service: HSDS name and place, the union of needs, FindTreatment's codes, HMIS's pools.
    assert scalar(db, "SELECT count(*) FROM service WHERE name ILIKE 'harbor%'") == 1
    assert needs_of(db, HARBOR) == {"shelter", "sud_treatment", "withdrawal_management", "moud"}
    assert {"DT", "BU", "METH", "SF"} <= set(terms_of(db, HARBOR, "findtreatment-services"))
    assert terms_of(db, HARBOR, "hmis-project-type") == {"1": None}
    assert terms_of(db, HARBOR, "divert-eligibility") == {"low_barrier": "true"}
    site = scalar(db, HARBOR_SITE, s=HARBOR)
    pools = rows(
        db,
        "SELECT maximum, location_id FROM service_capacity WHERE service_id = :s ORDER BY maximum",
        s=HARBOR,
    )
    assert [(p["maximum"], p["location_id"]) for p in pools] == [(10, site), (40, site)]
    # The intake number FindTreatment lists is added; the main number is already there.
    phones = {r["number"] for r in rows(db, "SELECT number FROM phone WHERE service_id = :s", s=HARBOR)}
    assert phones == {"(206) 555-0142", "206-555-0199"}

    # Provenance: every source's key points at the one service, merges are in HSDS metadata.
    records = {
        (r["source"], r["source_key"])
        for r in rows(db, "SELECT source, source_key FROM source_record WHERE service_id = :s", s=HARBOR)
    }
    assert records == {("hsds", HARBOR), ("findtreatment", "FT-0421877"), ("hmis", "WA-500/P-101")}
    merges = rows(
        db,
        "SELECT replacement_value, updated_by FROM metadata WHERE resource_id = :s "
        "AND last_action_type = 'merge' ORDER BY replacement_value",
        s=HARBOR,
    )
    assert [m["replacement_value"] for m in merges] == ["findtreatment:FT-0421877", "hmis:WA-500/P-101"]
    assert scalar(db, "SELECT count(*) FROM service") == 3 + 3 + 2


def test_reimporting_every_source_changes_nothing_and_keeps_the_merge(db) -> None:
    for source, path in (("hsds", HSDS), ("findtreatment", LOCATOR), ("hmis", HMIS), ("211", EXPORT_211)):
        import_file(db, source, path)
    services, metadata = (
        scalar(db, "SELECT count(*) FROM service"),
        scalar(db, "SELECT count(*) FROM metadata"),
    )
    for source, path in (("hsds", HSDS), ("findtreatment", LOCATOR), ("hmis", HMIS), ("211", EXPORT_211)):
        again = import_file(db, source, path)
        assert (again["created"], again["updated"]) == (0, 0), (source, again)
        assert again.get("merges", []) == []
    assert scalar(db, "SELECT count(*) FROM service") == services
    assert scalar(db, "SELECT count(*) FROM metadata") == metadata
    # The owner's re-import did not drop what the other sources added.
    assert needs_of(db, HARBOR) == {"shelter", "sud_treatment", "withdrawal_management", "moud"}
    assert scalar(db, "SELECT count(*) FROM service_capacity WHERE service_id = :s", s=HARBOR) == 2


def test_an_owner_update_keeps_the_contributions(db, tmp_path: pathlib.Path) -> None:
    import_file(db, "hsds", HSDS)
    import_file(db, "findtreatment", LOCATOR)
    import_file(db, "hmis", HMIS)
    changed = json.loads(HSDS.read_text())
    changed["services"][0]["description"] = "Low-barrier shelter and recovery services downtown."
    path = tmp_path / "hsds.json"
    path.write_text(json.dumps(changed))
    summary = import_file(db, "hsds", path)
    assert (summary["created"], summary["updated"]) == (0, 1)
    assert scalar(db, "SELECT description FROM service WHERE id = :s", s=HARBOR).startswith("Low-barrier")
    assert needs_of(db, HARBOR) == {"shelter", "sud_treatment", "withdrawal_management", "moud"}
    assert scalar(db, "SELECT count(*) FROM service_capacity WHERE service_id = :s", s=HARBOR) == 2


def test_a_changed_contribution_replaces_its_old_part(db, tmp_path: pathlib.Path) -> None:
    import_file(db, "hsds", HSDS)
    import_file(db, "findtreatment", LOCATOR)
    listing = json.loads(LOCATOR.read_text())
    harbor = listing["rows"][0]
    harbor["services"] = [{"f1": "Type of Care", "f2": "TC", "f3": "Substance use treatment"}]  # no detox any more
    path = tmp_path / "locator.json"
    path.write_text(json.dumps(listing))
    summary = import_file(db, "findtreatment", path)
    assert (summary["created"], summary["updated"]) == (0, 1)
    assert needs_of(db, HARBOR) == {"shelter", "sud_treatment"}
    assert set(terms_of(db, HARBOR, "findtreatment-services")) == {"SA"}


def test_a_211_listing_of_an_hsds_food_bank_merges_and_others_nearby_are_near_misses(db) -> None:
    import_file(db, "hsds", HSDS)
    summary = import_file(db, "211", EXPORT_211)
    assert [m["service_name"] for m in summary["merges"]] == ["Pioneer Square Food Bank"]
    food_bank = summary["merges"][0]["service_id"]
    assert terms_of(db, food_bank, "211-hsis") == {"BD-1800.2000": None}
    assert summary["created"] == 3 and summary["updated"] == 1


def test_dry_run_reports_merges_and_writes_nothing(db, database_url: str) -> None:
    import_file(db, "hsds", HSDS)
    before = scalar(db, "SELECT count(*) FROM source_record")
    done = divert(database_url, "import", "findtreatment", str(LOCATOR), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "merged: findtreatment FT-0421877" in done.stdout and "dry run" in done.stdout
    assert scalar(db, "SELECT count(*) FROM source_record") == before
    assert needs_of(db, HARBOR) == {"shelter", "sud_treatment"}


def test_one_query_finds_candidates_for_the_whole_import(db, engine) -> None:
    """The candidate search is one statement per import, not one per record."""
    from sqlalchemy import event

    import_file(db, "hsds", HSDS)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        import_file(db, "findtreatment", LOCATOR, dry_run=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert sum("ST_DWithin" in s for s in statements) == 1
