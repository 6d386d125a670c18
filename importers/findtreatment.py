"""FindTreatment.gov locator listings (JSON pages or the CSV export) → HSDS service documents.

One facility is one service at one location. Its SAMHSA service codes are kept as terms of taxonomy
`findtreatment-services` and mapped onto `divert-needs` and the `insurance` eligibility list by
`importers/mappings/findtreatment-codes.json` (docs/sources.md has the table). Ids are uuid5 of
"findtreatment:" + frid, so importing the same listing again changes nothing.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import pathlib
import re
from typing import Any

from divert.errors import ImportFailed
from importers.dedup import KeyedSourceData
from importers.hsds_build import (
    attribute,
    clean,
    need_attributes,
    physical_location,
    service_phone,
    stable_id,
)
from matcher.vocabulary import ELIGIBILITY_TAXONOMY

SOURCE = "findtreatment"
TAXONOMY = "findtreatment-services"
MAPPING_FILE = pathlib.Path(__file__).with_name("mappings") / "findtreatment-codes.json"
# Columns of the CSV export that describe the facility rather than a service code.
FACILITY_COLUMNS = (
    "frid",
    "name1",
    "name2",
    "street1",
    "street2",
    "city",
    "state",
    "zip",
    "phone",
    "intake1",
    "intake2",
    "website",
    "latitude",
    "longitude",
    "type_facility",
    "service_codes",
    "codes",
    "county",
    "intake1a",
    "intake2a",
    "fax",
    "hotline1",
    "_irow",
    "distance",
)
_CODE_SPLIT = re.compile(r"[;,|\s]+")


@functools.cache
def code_mapping() -> dict[str, Any]:
    mapping: dict[str, Any] = json.loads(MAPPING_FILE.read_text(encoding="utf-8"))
    return mapping


@functools.cache
def _code_by_name() -> dict[str, str]:
    """The locator's JSON lists service names ("Detoxification"), not codes: name → code."""
    return {_name_key(spec["name"]): code for code, spec in code_mapping()["codes"].items()}


def _name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


class _Problems:
    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[dict[str, Any]] = []
        self.warnings: list[dict[str, Any]] = []
        self.unknown: dict[str, int] = {}

    def error(self, row: int, where: dict[str, str], message: str) -> None:
        self.errors.append({"file": self.file, "row": row, **where, "message": message})


def read_findtreatment(path: pathlib.Path) -> KeyedSourceData:
    """Reads a locator JSON page (`{"page","totalPages","recordCount","rows"}`) or its CSV export."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(
            f"{path.name} is not UTF-8 text",
            errors=[{"file": path.name, "row": 0, "column": "", "message": "not UTF-8 text"}],
        ) from None
    problems = _Problems(path.name)
    if path.suffix.lower() == ".csv" or not text.lstrip().startswith(("{", "[")):
        rows = _csv_rows(text, problems)
        json_layout = False
    else:
        rows = _json_rows(text, problems)
        json_layout = True
    data = KeyedSourceData(services=[], origins=[])
    seen: dict[str, int] = {}
    for row_number, row in rows:

        def where(field: str, row_number: int = row_number) -> dict[str, str]:
            return {"path": f"rows.{row_number - 1}.{field}"} if json_layout else {"column": field}

        facility = _facility(row, row_number, where, problems)
        if facility is None:
            continue
        key = facility["key"]
        if key in seen:
            problems.error(row_number, where("frid"), f"facility {key!r} is also row {seen[key]}")
            continue
        seen[key] = row_number
        data.services.append(facility["service"])
        data.keys.append(key)
        assert data.origins is not None
        data.origins.append({"file": path.name, "row": row_number})
    if problems.errors:
        noun = "problem" if len(problems.errors) == 1 else "problems"
        raise ImportFailed(f"{len(problems.errors)} {noun} in {path.name}; nothing was written", errors=problems.errors)
    for code, count in sorted(problems.unknown.items()):
        problems.warnings.append(
            {
                "file": path.name,
                "row": 0,
                "column": "service_codes",
                "message": f"service code {code!r} ({count} facilities) is not in the code "
                "mapping: kept as a findtreatment-services term, meets no need",
            }
        )
    data.warnings = problems.warnings
    return data


def _unrecognised_layout(file: str, found: list[str], form: str) -> ImportFailed:
    """One error for a file in a layout this reader does not know, naming the layout it expects
    (rather than one "needs a name" per row)."""
    expected = ", ".join(c for c in FACILITY_COLUMNS[:9])
    shown = ", ".join(found[:12]) + (", ..." if len(found) > 12 else "") if found else "none"
    message = (
        f"not a FindTreatment.gov locator {form}: expected the locator's columns ({expected}, ...; "
        f"name1 at least), found {shown}"
    )
    return ImportFailed(
        f"1 problem in {file} (an unrecognised layout); nothing was written",
        errors=[{"file": file, "row": 1, "column": "name1", "message": message}],
    )


def _json_rows(text: str, problems: _Problems) -> list[tuple[int, dict[str, Any]]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            f"{problems.file} is not JSON: {exc.msg} at line {exc.lineno}",
            errors=[{"file": problems.file, "row": exc.lineno, "path": "", "message": f"not JSON: {exc.msg}"}],
        ) from None
    rows = document.get("rows") if isinstance(document, dict) else document
    if not isinstance(rows, list):
        raise ImportFailed(
            f'{problems.file}: expected a locator listing {{"rows": [...]}}',
            errors=[{"file": problems.file, "row": 0, "path": "rows", "message": "expected a list of facilities"}],
        )
    keys = list(dict.fromkeys(k for row in rows if isinstance(row, dict) for k in row))
    if rows and keys and "name1" not in keys:
        raise _unrecognised_layout(problems.file, keys, 'listing (JSON {"rows": [...]})')
    out: list[tuple[int, dict[str, Any]]] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            problems.error(i + 1, {"path": f"rows.{i}"}, "a facility must be a JSON object")
            continue
        out.append((i + 1, row))
    return out


def _csv_rows(text: str, problems: _Problems) -> list[tuple[int, dict[str, Any]]]:
    """CSV export: one facility a row; codes in a `service_codes` column or one 1/0 column per code."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if "name1" not in header:
        raise _unrecognised_layout(problems.file, header, "CSV export")
    reader.fieldnames = header
    code_columns = [h for h in header if h not in FACILITY_COLUMNS and h.upper() == h and h]
    out: list[tuple[int, dict[str, Any]]] = []
    for line, cells in enumerate(reader, start=2):
        if None in cells:
            problems.error(line, {"column": ""}, "the row has more cells than the header")
            continue
        row: dict[str, Any] = {k: v for k, v in cells.items() if k not in code_columns}
        flagged: list[str] = []
        for code in code_columns:
            value = (cells.get(code) or "").strip()
            if value in ("1", "Y", "y", "yes", "true", "TRUE"):
                flagged.append(code)
            elif value not in ("", "0", "N", "n", "no", "false", "FALSE"):
                problems.error(line, {"column": code}, f"{value!r} is not 1 or 0")
        if flagged:
            row["flag_codes"] = flagged
        out.append((line, row))
    return out


def _number(
    row: dict[str, Any], field: str, low: float, high: float, row_number: int, where: Any, problems: _Problems
) -> float | None:
    value = clean(row.get(field))
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        problems.error(row_number, where(field), f"{value!r} is not a number")
        return None
    if not low <= number <= high:
        problems.error(row_number, where(field), f"{number} is outside {low:g}..{high:g}")
        return None
    return number


def _codes(row: dict[str, Any], problems: _Problems) -> list[tuple[str, str]]:
    """(code, name) of every service the row lists, in the order first seen."""
    codes: dict[str, str] = {}
    known = code_mapping()["codes"]
    explicit: list[str] = []
    for field in ("service_codes", "codes", "flag_codes"):
        value = row.get(field)
        if isinstance(value, str):
            explicit += [c for c in _CODE_SPLIT.split(value) if c]
        elif isinstance(value, list):
            explicit += [str(c).strip() for c in value if str(c).strip()]
    for code in explicit:
        code = code.upper()
        codes.setdefault(code, known.get(code, {}).get("name", code))
    services = row.get("services")
    if isinstance(services, list):
        by_name = _code_by_name()
        for group in services:
            if not isinstance(group, dict) or _is_language_group(group):
                continue
            for name in str(group.get("f3") or "").split(";"):
                name = name.strip()
                if not name:
                    continue
                named = by_name.get(_name_key(name))
                if named is None:
                    # A service the mapping does not name: kept under its own words as the code.
                    codes.setdefault(name, name)
                else:
                    codes.setdefault(named, known[named]["name"])
    for code in codes:
        if code not in known:
            problems.unknown[code] = problems.unknown.get(code, 0) + 1
    return list(codes.items())


def _is_language_group(group: dict[str, Any]) -> bool:
    """The locator's "Language Services" group lists languages, which HSDS keeps as `languages`."""
    return "language" in str(group.get("f1") or "").lower() or str(group.get("f2") or "").upper() == "LANG"


def _languages(row: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for group in row.get("services") or []:
        if isinstance(group, dict) and _is_language_group(group):
            out += [n.strip() for n in str(group.get("f3") or "").split(";") if n.strip()]
    return out


def insurance_value(codes: set[str]) -> str | None:
    """The `insurance` eligibility list, or None when the facility takes people without insurance.

    The attribute excludes every participant whose insurance shares nothing with it, `uninsured`
    included. A facility that accepts self-payment, a sliding fee or payment assistance turns no one
    away for lack of insurance, so it gets no list at all; only a facility whose payment codes are all
    insurers is restricted. No payment code at all means "not stated", which excludes nobody.
    """
    mapping = code_mapping()
    payment = codes & set(mapping["payment_codes"])
    if not payment or payment & set(mapping["uninsured_accepted"]):
        return None
    accepted = sorted({mapping["insurance"][c] for c in payment if c in mapping["insurance"]})
    return ",".join(accepted) or None


def _facility(row: dict[str, Any], row_number: int, where: Any, problems: _Problems) -> dict[str, Any] | None:
    errors_before = len(problems.errors)
    name = clean(row.get("name1"))
    if name is None:
        problems.error(row_number, where("name1"), "a facility needs a name (name1)")
    latitude = _number(row, "latitude", -90, 90, row_number, where, problems)
    longitude = _number(row, "longitude", -180, 180, row_number, where, problems)
    if (latitude is None) != (longitude is None) and len(problems.errors) == errors_before:
        problems.error(
            row_number,
            where("longitude" if latitude is not None else "latitude"),
            "latitude and longitude come together",
        )
    codes = _codes(row, problems)
    if len(problems.errors) > errors_before or name is None:
        return None
    # The public locator does not always carry an id: name + street + ZIP is the next stable key.
    derived = "derived:" + _name_key(f"{name} {row.get('street1') or ''} {row.get('zip') or ''}")
    frid = clean(row.get("frid")) or derived
    owner = f"{SOURCE}:{frid}"
    service_id = stable_id(owner)
    organization_id = stable_id("organization", owner)
    code_set = {code for code, _ in codes}
    mapping = code_mapping()
    facility_type = clean(row.get("type_facility"))
    mental_health_only = "SA" not in code_set and (facility_type or "").upper() == "MH"
    settings = mapping["settings_of_mental_health_facilities"]
    needs: list[str] = []
    for code in code_set:
        if mental_health_only and code in settings["codes"]:
            needs += settings["needs"]
        else:
            needs += mapping["codes"].get(code, {}).get("needs", [])
    if facility_type:
        needs += mapping["facility_types"].get(facility_type.upper(), {}).get("needs", [])
    attributes = need_attributes(owner, needs)
    attributes += [attribute(owner, TAXONOMY, code, name=label) for code, label in sorted(codes)]
    insurance = insurance_value(code_set)
    if insurance:
        attributes.append(
            attribute(owner, ELIGIBILITY_TAXONOMY, "insurance", name="Insurance accepted", value=insurance)
        )
    phone = clean(row.get("phone"))
    intake = clean(row.get("intake1"))
    phones = service_phone(owner, phone) + (
        service_phone(owner, intake, description="Intake", n=1) if intake and intake != phone else []
    )
    location = physical_location(
        owner,
        name=name,
        latitude=latitude,
        longitude=longitude,
        address_1=clean(row.get("street1")),
        address_2=clean(row.get("street2")),
        city=clean(row.get("city")),
        state=clean(row.get("state")),
        postal_code=clean(row.get("zip")),
        organization_id=organization_id,
    )
    service: dict[str, Any] = {
        "id": service_id,
        "name": name,
        "alternate_name": clean(row.get("name2")),
        "status": "active",
        "url": clean(row.get("website")),
        "description": _description(codes),
        "organization": {
            "id": organization_id,
            "name": clean(row.get("name2")) or name,
            "website": clean(row.get("website")),
        },
        "phones": phones,
        "languages": [{"id": stable_id("language", owner, lang), "name": lang} for lang in _languages(row)],
        "service_at_locations": [{"id": stable_id("service_at_location", owner), "location": location}],
        "attributes": attributes,
        "capacities": [],
    }
    return {"key": frid, "service": service}


def _description(codes: list[tuple[str, str]]) -> str | None:
    names = [label for code, label in codes if code in code_mapping()["codes"]]
    if not names:
        return None
    return "Listed on FindTreatment.gov: " + "; ".join(names[:40]) + "."
