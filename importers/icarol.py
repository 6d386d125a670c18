"""211 / iCarol CSV exports → HSDS service documents, driven by a JSON column mapping.

Each row is a program at a site of an agency. Which header holds which HSDS field, how a row's key is
made and which AIRS/211 HSIS code prefixes meet which divert need all live in the mapping file
(`importers/mappings/icarol-default.json` unless `--mapping` names another), so a region adapts the
import to its own export without touching code. Every taxonomy code is kept as a term of `211-hsis`.
"""

from __future__ import annotations

import csv
import io
import json
import pathlib
import re
from datetime import datetime
from typing import Any

from divert.errors import ImportFailed
from importers.dedup import KeyedSourceData
from importers.hsds_build import attribute, need_attributes, physical_location, service_phone, stable_id
from matcher.vocabulary import NEEDS

SOURCE = "211"
DEFAULT_MAPPING = pathlib.Path(__file__).with_name("mappings") / "icarol-default.json"
# AIRS/211 HSIS codes: a level-1 letter, a level-2 letter, then -dddd, .dddd, -ddd, .dd (e.g. BH-1800.8500).
_HSIS_CODE = re.compile(r"^[A-Z]{1,2}(-\d{4}(\.\d{4}(-\d{3}(\.\d{2})?)?)?)?$")
# A target term may follow a code after "*" (e.g. "BH-1800.8500 * YF-5000.5000"); the service code leads.
_TARGET = re.compile(r"\s*\*.*$")
MAPPED_FIELDS = {
    "organization.id",
    "organization.name",
    "organization.description",
    "organization.website",
    "location.id",
    "location.name",
    "location.latitude",
    "location.longitude",
    "address.address_1",
    "address.address_2",
    "address.city",
    "address.state_province",
    "address.postal_code",
    "service.name",
    "service.description",
    "service.eligibility_description",
    "service.application_process",
    "service.fees_description",
    "service.url",
    "service.email",
    "service.assured_date",
    "phone.number",
    "taxonomy_codes",
    "languages",
}


def _mapping_error(file: str, path: str, message: str) -> ImportFailed:
    return ImportFailed(f"{file}: {message}", errors=[{"file": file, "row": 0, "path": path, "message": message}])


def load_mapping(path: pathlib.Path | None) -> dict[str, Any]:
    """Reads and checks a mapping file; a mistake names the key in the file."""
    path = path or DEFAULT_MAPPING
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _mapping_error(path.name, "", f"cannot read the mapping file ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise _mapping_error(path.name, "", f"the mapping file is not JSON ({exc})") from None
    if not isinstance(mapping, dict) or not isinstance(mapping.get("columns"), dict):
        raise _mapping_error(path.name, "columns", "the mapping needs a 'columns' object")
    for field in mapping["columns"]:
        if field not in MAPPED_FIELDS:
            raise _mapping_error(
                path.name,
                f"columns.{field}",
                f"unknown field {field!r} (known: {', '.join(sorted(MAPPED_FIELDS))})",
            )
    if "service.name" not in mapping["columns"]:
        raise _mapping_error(path.name, "columns.service.name", "the mapping must name the program name column")
    prefixes = mapping.get("needs_by_prefix", {})
    if not isinstance(prefixes, dict):
        raise _mapping_error(path.name, "needs_by_prefix", "must be an object of code prefix → {needs: [...]}")
    for prefix, spec in prefixes.items():
        needs = spec.get("needs") if isinstance(spec, dict) else spec
        if not isinstance(needs, list) or any(n not in NEEDS for n in needs):
            raise _mapping_error(
                path.name,
                f"needs_by_prefix.{prefix}",
                f"needs must be a list of divert-needs codes ({', '.join(NEEDS)})",
            )
    if not isinstance(mapping.get("key_columns", []), list):
        raise _mapping_error(path.name, "key_columns", "must be a list of column names")
    mapping.setdefault("list_separator", ";")
    mapping.setdefault("taxonomy", "211-hsis")
    mapping.setdefault("date_formats", ["%Y-%m-%d", "%m/%d/%Y"])
    return mapping


def needs_for(code: str, prefixes: dict[str, Any]) -> list[str]:
    """The needs of the longest prefix of `code` the mapping names."""
    best = max((p for p in prefixes if code.startswith(p)), key=len, default=None)
    if best is None:
        return []
    spec = prefixes[best]
    return list(spec.get("needs", []) if isinstance(spec, dict) else spec)


def read_icarol(path: pathlib.Path, mapping_path: pathlib.Path | None = None) -> KeyedSourceData:
    mapping = load_mapping(mapping_path)
    columns: dict[str, str] = mapping["columns"]
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(
            f"{path.name} is not UTF-8 text",
            errors=[{"file": path.name, "row": 0, "column": "", "message": "not UTF-8 text"}],
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    errors: list[dict[str, Any]] = []
    if columns["service.name"] not in header:
        raise ImportFailed(
            f"{path.name}: no {columns['service.name']} column (mapped to service.name)",
            errors=[
                {
                    "file": path.name,
                    "row": 1,
                    "column": columns["service.name"],
                    "message": "required column is missing",
                }
            ],
        )

    def cell(row: dict[str, str], field: str) -> str | None:
        column = columns.get(field)
        value = (row.get(column) or "").strip() if column else ""
        return value or None

    data = KeyedSourceData(services=[], origins=[])
    seen: dict[str, int] = {}
    unmapped: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        if None in row:
            errors.append(
                {
                    "file": path.name,
                    "row": line,
                    "column": "",
                    "message": "the row has more cells than the header",
                }
            )
            continue
        before = len(errors)

        def error(field: str, message: str, line: int = line) -> None:
            errors.append({"file": path.name, "row": line, "column": columns.get(field, field), "message": message})

        name = cell(row, "service.name")
        if name is None:
            error("service.name", "a program needs a name")
        latitude = _coordinate(cell(row, "location.latitude"), 90, "location.latitude", error)
        longitude = _coordinate(cell(row, "location.longitude"), 180, "location.longitude", error)
        if (latitude is None) != (longitude is None) and len(errors) == before:
            error("location.longitude", "latitude and longitude come together")
        verified = cell(row, "service.assured_date")
        assured = _date(verified, mapping["date_formats"]) if verified else None
        if verified and assured is None:
            error("service.assured_date", f"{verified!r} is not a date ({', '.join(mapping['date_formats'])})")
        codes: list[str] = []
        for raw in (cell(row, "taxonomy_codes") or "").split(mapping["list_separator"]):
            code = _TARGET.sub("", raw.strip()).upper()
            if not code:
                continue
            if not _HSIS_CODE.match(code):
                error("taxonomy_codes", f"{raw.strip()!r} is not an AIRS/211 taxonomy code like BH-1800.8500")
                continue
            if code not in codes:
                codes.append(code)
        if len(errors) > before or name is None:
            continue
        key_parts = [(row.get(c) or "").strip() for c in mapping.get("key_columns", [])]
        if any(key_parts):
            key = "/".join(key_parts)
        else:
            # No ids in the export: agency + site + program names are the next stable key.
            key = "names:" + "/".join(
                re.sub(r"\W+", " ", (v or "").lower()).strip()
                for v in (cell(row, "organization.name"), cell(row, "location.name"), name)
            )
        if key in seen:
            errors.append(
                {
                    "file": path.name,
                    "row": line,
                    "column": ",".join(mapping.get("key_columns", [])),
                    "message": f"program {key!r} is also row {seen[key]}",
                }
            )
            continue
        seen[key] = line
        needs: list[str] = []
        for code in codes:
            found = needs_for(code, mapping.get("needs_by_prefix", {}))
            if not found:
                unmapped[code] = unmapped.get(code, 0) + 1
            needs += found
        data.services.append(_service(key, row, name, codes, needs, assured, latitude, longitude, cell, mapping))
        data.keys.append(key)
        assert data.origins is not None
        data.origins.append({"file": path.name, "row": line})
    if errors:
        noun = "problem" if len(errors) == 1 else "problems"
        raise ImportFailed(f"{len(errors)} {noun} in {path.name}; nothing was written", errors=errors)
    data.warnings = [
        {
            "file": path.name,
            "row": 0,
            "column": columns.get("taxonomy_codes", ""),
            "message": f"taxonomy code {code} ({count} programs) meets no divert need in the mapping; "
            "kept as a 211-hsis term",
        }
        for code, count in sorted(unmapped.items())
    ]
    return data


def _coordinate(value: str | None, bound: float, field: str, error: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        error(field, f"{value!r} is not a number")
        return None
    if not -bound <= number <= bound or number != number:
        error(field, f"{number} is outside -{bound:g}..{bound:g}")
        return None
    return number


def _date(value: str, formats: list[str]) -> str | None:
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _service(
    key: str,
    row: dict[str, str],
    name: str,
    codes: list[str],
    needs: list[str],
    assured: str | None,
    latitude: float | None,
    longitude: float | None,
    cell: Any,
    mapping: dict[str, Any],
) -> dict[str, Any]:
    owner = f"{SOURCE}:{key}"
    agency_key = cell(row, "organization.id") or cell(row, "organization.name") or key
    organization_id = stable_id("organization", f"{SOURCE}:agency:{agency_key}")
    site_key = (
        cell(row, "location.id")
        or f"{agency_key}/{cell(row, 'location.name') or cell(row, 'address.address_1') or key}"
    )
    site_owner = f"{SOURCE}:site:{site_key}"
    location = physical_location(
        site_owner,
        name=cell(row, "location.name"),
        latitude=latitude,
        longitude=longitude,
        address_1=cell(row, "address.address_1"),
        address_2=cell(row, "address.address_2"),
        city=cell(row, "address.city"),
        state=cell(row, "address.state_province"),
        postal_code=cell(row, "address.postal_code"),
        organization_id=organization_id,
    )
    has_place = latitude is not None or location["addresses"]
    labels = {
        p: (s.get("label") if isinstance(s, dict) else None) for p, s in mapping.get("needs_by_prefix", {}).items()
    }
    taxonomy = mapping["taxonomy"]
    languages = [
        lang.strip() for lang in (cell(row, "languages") or "").split(mapping["list_separator"]) if lang.strip()
    ]
    return {
        "id": stable_id(owner),
        "name": name,
        "status": "active",
        "description": cell(row, "service.description"),
        "eligibility_description": cell(row, "service.eligibility_description"),
        "application_process": cell(row, "service.application_process"),
        "fees_description": cell(row, "service.fees_description"),
        "url": cell(row, "service.url"),
        "email": cell(row, "service.email"),
        "assured_date": assured,
        "organization": {
            "id": organization_id,
            "name": cell(row, "organization.name") or name,
            "description": cell(row, "organization.description"),
            "website": cell(row, "organization.website"),
        },
        "phones": service_phone(owner, cell(row, "phone.number")),
        "languages": [{"id": stable_id("language", owner, lang), "name": lang} for lang in languages],
        "service_at_locations": [{"id": stable_id("service_at_location", owner), "location": location}]
        if has_place
        else [],
        "attributes": need_attributes(owner, needs)
        + [attribute(owner, taxonomy, code, name=labels.get(code) or code) for code in codes],
        "capacities": [],
    }
