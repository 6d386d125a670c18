"""Conformance 1/3: divert's HSDS JSON export judged by the standard's compiled `service.json`.

Draft 2020-12 with format checking, as the standard's own CI validates its examples. The sample region
and every official example go in through the importer and come out through `divert export hsds`.
"""

from __future__ import annotations

import json
import pathlib

import pytest
from hsds_standard import EXAMPLES_DIR, OFFICIAL_EXAMPLES, SAMPLE_REGION, schema_errors

from importers.export import write_json
from importers.sources import import_source_data, read_hsds


def _export(db, source: pathlib.Path, tmp_path: pathlib.Path) -> list[dict]:  # type: ignore[no-untyped-def]
    with db() as s:
        import_source_data(s, read_hsds(source), source="hsds", actor="test")
        s.commit()
    out = tmp_path / "export.json"
    with db() as s:
        write_json(s, out)
    return json.loads(out.read_text())


def _failures(records: list[dict]) -> dict[str, list[str]]:
    out = {}
    for record in records:
        errors = schema_errors("service.json", record)
        if errors:
            out[record.get("id", "?")] = errors[:5]
    return out


def test_sample_region_export_is_valid_hsds(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    records = _export(db, SAMPLE_REGION, tmp_path)
    assert len(records) == len(json.loads(SAMPLE_REGION.read_text()))
    assert _failures(records) == {}


@pytest.mark.parametrize("name", OFFICIAL_EXAMPLES)
def test_official_example_export_is_valid_hsds(db, tmp_path, name: str) -> None:  # type: ignore[no-untyped-def]
    records = _export(db, EXAMPLES_DIR / name, tmp_path)
    assert len(records) == 1
    assert _failures(records) == {}


def test_the_validator_catches_what_the_standard_forbids() -> None:
    """The oracle itself: a null optional field, a unit code as id and a missing status all fail."""
    good = json.loads((EXAMPLES_DIR / "service_full.json").read_text())
    assert schema_errors("service.json", good) == []
    for broken in (
        {**good, "program_id": None},
        {k: v for k, v in good.items() if k != "status"},
        {**good, "capacities": [{**good["capacities"][0], "unit": {"id": "bed", "name": "Bed"}}]},
    ):
        assert schema_errors("service.json", broken)


def test_official_service_full_loses_no_field_through_divert(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Every key of the official full service comes out of the export (organization.locations too)."""
    from test_hsds_datapackage_conformance import differences

    original = json.loads((EXAMPLES_DIR / "service_full.json").read_text())
    exported = _export(db, EXAMPLES_DIR / "service_full.json", tmp_path)[0]
    lost = [d for d in differences(original, exported) if ": lost" in d or " items became " in d]
    assert lost == []


def test_a_strict_pass_fails_only_on_the_profiles_capacity_fields(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """With additionalProperties false everywhere, the sample export's only unknown keys are the
    three the diversion profile adds to service_capacity (CONTRACT §3.4)."""
    from hsds_standard import strict_validator

    unexpected: set[tuple[str, str]] = set()
    for record in _export(db, SAMPLE_REGION, tmp_path):
        for error in strict_validator("service.json").iter_errors(record):
            assert error.validator == "additionalProperties", error.message
            parent = [p for p in error.absolute_path if not isinstance(p, int)]
            where = "/".join(str(p) for p in parent) or "<service>"
            extra = set(error.instance) - set(error.schema.get("properties", {}))
            unexpected |= {(where, key) for key in extra}
    assert unexpected == {("capacities", k) for k in ("waitlist", "reserved_for", "location_id")}, unexpected
