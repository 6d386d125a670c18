"""HSDS 3.1 export: full service documents (nested like the import) and the tabular datapackage.

Nested children are written without the link columns their nesting already states (a phone under a
location carries no `location_id`), so reading the export back yields exactly the rows it came from
and a round trip changes nothing. Capacities carry their current live state.
"""

from __future__ import annotations

import csv
import io
import json
import pathlib
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from catalog import tables as t
from catalog.id_sets import in_ids
from importers.models import ClockTime
from importers.normalize import (
    ADDRESS_COLUMNS,
    ATTRIBUTE_COLUMNS,
    CAPACITY_COLUMNS,
    LANGUAGE_COLUMNS,
    LINK_COLUMNS,
    LOCATION_COLUMNS,
    ORGANIZATION_COLUMNS,
    PHONE_COLUMNS,
    SCHEDULE_COLUMNS,
    SERVICE_AREA_COLUMNS,
    SERVICE_COLUMNS,
    TAXONOMY_COLUMNS,
    TERM_COLUMNS,
    UNIT_COLUMNS,
)

# Services assembled per round of queries: bounds memory on a national export.
EXPORT_CHUNK = 5000


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    return value


def _object(row: dict[str, Any], columns: Iterable[str], skip: Iterable[str] = ()) -> dict[str, Any]:
    skipped = set(skip)
    out = {c: _plain(row[c]) for c in columns if c not in skipped and row.get(c) is not None}
    extra = row.get("extra") or {}
    out.update({k: v for k, v in extra.items() if k not in out})
    return out


def _rows(session: Session, table: Table, column: Any, ids: Sequence[str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    return [dict(r) for r in session.execute(select(table).where(in_ids(column, ids))).mappings()]


def _by(rows: Iterable[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get(key) is not None:
            grouped[row[key]].append(row)
    for group in grouped.values():
        group.sort(key=lambda r: r["id"])
    return grouped


def _schedule(row: dict[str, Any]) -> dict[str, Any]:
    out = _object(
        row, [c for c in SCHEDULE_COLUMNS if c != "time_offset_minutes"], skip=LINK_COLUMNS["schedule"]
    )
    for key in ("opens_at", "closes_at"):
        if row.get(key) is not None:
            out[key] = ClockTime(at=row[key], offset_minutes=row.get("time_offset_minutes")).hsds()
    return out


def service_documents(session: Session, service_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Full HSDS 3.1 service documents for these services (all when None), in id order."""
    return list(iter_service_documents(session, service_ids))


def iter_service_documents(
    session: Session, service_ids: Sequence[str] | None = None
) -> Iterator[dict[str, Any]]:
    if service_ids is None:
        service_ids = list(session.execute(select(t.Service.id).order_by(t.Service.id)).scalars())
    ids = sorted(set(service_ids))
    for start in range(0, len(ids), EXPORT_CHUNK):
        yield from _assemble(session, ids[start : start + EXPORT_CHUNK])


def _assemble(session: Session, ids: list[str]) -> list[dict[str, Any]]:
    T = {
        name: cls.__table__
        for name, cls in (
            ("service", t.Service),
            ("organization", t.Organization),
            ("location", t.Location),
            ("sal", t.ServiceAtLocation),
            ("address", t.Address),
            ("phone", t.Phone),
            ("schedule", t.Schedule),
            ("area", t.ServiceArea),
            ("language", t.Language),
            ("attribute", t.Attribute),
            ("term", t.TaxonomyTerm),
            ("taxonomy", t.Taxonomy),
            ("capacity", t.ServiceCapacity),
            ("unit", t.Unit),
        )
    }
    services = _rows(session, T["service"], T["service"].c.id, ids)
    org_ids = sorted({s["organization_id"] for s in services})
    organizations = {o["id"]: o for o in _rows(session, T["organization"], T["organization"].c.id, org_ids)}
    sals = _rows(session, T["sal"], T["sal"].c.service_id, ids)
    sal_ids = [s["id"] for s in sals]
    org_locations = _rows(session, T["location"], T["location"].c.organization_id, org_ids)
    location_ids = sorted({s["location_id"] for s in sals} | {loc["id"] for loc in org_locations})
    locations = {loc["id"]: loc for loc in _rows(session, T["location"], T["location"].c.id, location_ids)}
    addresses = _by(_rows(session, T["address"], T["address"].c.location_id, location_ids), "location_id")
    phone_t = T["phone"]
    phones = (
        _rows(session, phone_t, phone_t.c.service_id, ids)
        + _rows(session, phone_t, phone_t.c.location_id, location_ids)
        + _rows(session, phone_t, phone_t.c.organization_id, org_ids)
        + _rows(session, phone_t, phone_t.c.service_at_location_id, sal_ids)
    )
    phones = list({p["id"]: p for p in phones}.values())
    sched_t = T["schedule"]
    schedules = list(
        {
            s["id"]: s
            for s in (
                _rows(session, sched_t, sched_t.c.service_id, ids)
                + _rows(session, sched_t, sched_t.c.location_id, location_ids)
                + _rows(session, sched_t, sched_t.c.service_at_location_id, sal_ids)
            )
        }.values()
    )
    area_t = T["area"]
    areas = list(
        {
            a["id"]: a
            for a in (
                _rows(session, area_t, area_t.c.service_id, ids)
                + _rows(session, area_t, area_t.c.service_at_location_id, sal_ids)
            )
        }.values()
    )
    lang_t = T["language"]
    languages = list(
        {
            g["id"]: g
            for g in (
                _rows(session, lang_t, lang_t.c.service_id, ids)
                + _rows(session, lang_t, lang_t.c.location_id, location_ids)
                + _rows(session, lang_t, lang_t.c.phone_id, [p["id"] for p in phones])
            )
        }.values()
    )
    attributes = [
        a
        for a in _rows(session, T["attribute"], T["attribute"].c.link_id, ids)
        if a["link_entity"] == "service"
    ]
    terms = {
        r["id"]: r
        for r in _rows(
            session, T["term"], T["term"].c.id, sorted({a["taxonomy_term_id"] for a in attributes})
        )
    }
    taxonomies = {
        r["id"]: r
        for r in _rows(
            session,
            T["taxonomy"],
            T["taxonomy"].c.id,
            sorted({tm["taxonomy_id"] for tm in terms.values() if tm["taxonomy_id"]}),
        )
    }
    capacities = _by(_rows(session, T["capacity"], T["capacity"].c.service_id, ids), "service_id")
    units = {
        u["id"]: u
        for u in _rows(
            session,
            T["unit"],
            T["unit"].c.id,
            sorted({c["unit_id"] for cs in capacities.values() for c in cs}),
        )
    }

    phones_by = {
        k: _by(phones, k) for k in ("service_id", "location_id", "organization_id", "service_at_location_id")
    }
    langs_by = {k: _by(languages, k) for k in ("service_id", "location_id", "phone_id")}
    scheds_by = {k: _by(schedules, k) for k in ("service_id", "location_id", "service_at_location_id")}
    areas_by = {k: _by(areas, k) for k in ("service_id", "service_at_location_id")}
    sals_by = _by(sals, "service_id")
    attrs_by = _by(attributes, "link_id")
    org_locations_by = _by(org_locations, "organization_id")

    def phone(row: dict[str, Any]) -> dict[str, Any]:
        out = _object(row, PHONE_COLUMNS, skip=[c for c in LINK_COLUMNS["phone"] if c != "contact_id"])
        langs = [
            _object(g, LANGUAGE_COLUMNS, skip=LINK_COLUMNS["language"])
            for g in langs_by["phone_id"].get(row["id"], [])
        ]
        if langs:
            out["languages"] = langs
        return out

    def location(loc_id: str) -> dict[str, Any]:
        row = locations[loc_id]
        out = _object(row, LOCATION_COLUMNS)
        out["addresses"] = [
            _object(a, ADDRESS_COLUMNS, skip=["location_id"]) for a in addresses.get(loc_id, [])
        ]
        out["phones"] = [phone(p) for p in phones_by["location_id"].get(loc_id, [])]
        out["schedules"] = [_schedule(s) for s in scheds_by["location_id"].get(loc_id, [])]
        out["languages"] = [
            _object(g, LANGUAGE_COLUMNS, skip=LINK_COLUMNS["language"])
            for g in langs_by["location_id"].get(loc_id, [])
        ]
        return out

    def attribute(row: dict[str, Any]) -> dict[str, Any]:
        out = _object(row, ATTRIBUTE_COLUMNS, skip=["link_id"])
        term = terms.get(row["taxonomy_term_id"])
        if term is not None:
            tout = _object(term, TERM_COLUMNS)
            if term["taxonomy_id"] in taxonomies:
                tout["taxonomy_detail"] = _object(taxonomies[term["taxonomy_id"]], TAXONOMY_COLUMNS)
            out["taxonomy_term"] = tout
        return out

    def capacity(row: dict[str, Any]) -> dict[str, Any]:
        out = _object(row, CAPACITY_COLUMNS, skip=["service_id"])
        out["waitlist"] = row["waitlist"]
        out["reserved_for"] = list(row["reserved_for"] or [])
        if row["unit_id"] in units:
            out["unit"] = _object(units[row["unit_id"]], UNIT_COLUMNS)
        return out

    documents: list[dict[str, Any]] = []
    for s in sorted(services, key=lambda r: r["id"]):
        sid = s["id"]
        doc = _object(s, SERVICE_COLUMNS)
        org = organizations.get(s["organization_id"])
        if org is not None:
            oout = _object(org, ORGANIZATION_COLUMNS)
            oout["phones"] = [phone(p) for p in phones_by["organization_id"].get(org["id"], [])]
            own_sites = {sal["location_id"] for sal in sals_by.get(sid, [])}
            # The organization's other sites travel with it, so nothing it listed is lost on export.
            others = [
                location(loc["id"])
                for loc in org_locations_by.get(org["id"], [])
                if loc["id"] not in own_sites
            ]
            if others:
                oout["locations"] = others
            doc["organization"] = oout
        doc["service_at_locations"] = []
        for sal in sals_by.get(sid, []):
            sout = _object(sal, ("id", "description"))
            sout["location_id"] = sal["location_id"]
            sout["phones"] = [phone(p) for p in phones_by["service_at_location_id"].get(sal["id"], [])]
            sout["schedules"] = [_schedule(x) for x in scheds_by["service_at_location_id"].get(sal["id"], [])]
            sout["service_areas"] = [
                _object(a, SERVICE_AREA_COLUMNS, skip=LINK_COLUMNS["service_area"])
                for a in areas_by["service_at_location_id"].get(sal["id"], [])
            ]
            sout["location"] = location(sal["location_id"])
            doc["service_at_locations"].append(sout)
        doc["phones"] = [phone(p) for p in phones_by["service_id"].get(sid, [])]
        doc["schedules"] = [_schedule(x) for x in scheds_by["service_id"].get(sid, [])]
        doc["service_areas"] = [
            _object(a, SERVICE_AREA_COLUMNS, skip=LINK_COLUMNS["service_area"])
            for a in areas_by["service_id"].get(sid, [])
        ]
        doc["languages"] = [
            _object(g, LANGUAGE_COLUMNS, skip=LINK_COLUMNS["language"])
            for g in langs_by["service_id"].get(sid, [])
        ]
        doc["attributes"] = [attribute(a) for a in attrs_by.get(sid, [])]
        doc["capacities"] = [capacity(c) for c in capacities.get(sid, [])]
        documents.append(doc)
    return documents


# --- writing files ----------------------------------------------------------------------------------


def write_json(session: Session, path: pathlib.Path) -> int:
    """Writes a JSON array of full services (streamed, one service at a time); returns the count."""
    count = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for document in iter_service_documents(session):
            out.write(",\n" if count else "\n")
            out.write(json.dumps(document, ensure_ascii=False))
            count += 1
        out.write("\n]\n")
    return count


# Resource name, file name and columns of each table of the datapackage (HSDS 3.1 tabular names).
PACKAGE_TABLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("organizations", "organizations.csv", ORGANIZATION_COLUMNS),
    ("services", "services.csv", SERVICE_COLUMNS),
    ("locations", "locations.csv", LOCATION_COLUMNS),
    ("service_at_locations", "service_at_locations.csv", ("id", "service_id", "location_id", "description")),
    ("addresses", "addresses.csv", ADDRESS_COLUMNS),
    ("phones", "phones.csv", PHONE_COLUMNS),
    ("schedules", "schedules.csv", tuple(c for c in SCHEDULE_COLUMNS if c != "time_offset_minutes")),
    ("service_areas", "service_areas.csv", SERVICE_AREA_COLUMNS),
    ("languages", "languages.csv", LANGUAGE_COLUMNS),
    ("taxonomies", "taxonomies.csv", TAXONOMY_COLUMNS),
    ("taxonomy_terms", "taxonomy_terms.csv", TERM_COLUMNS),
    ("attributes", "attributes.csv", ATTRIBUTE_COLUMNS),
    ("units", "units.csv", UNIT_COLUMNS),
    ("service_capacity", "service_capacity.csv", CAPACITY_COLUMNS),
)

# HSDS tables we keep inside `extra`: resource name -> (the key it is nested under, the parent's id column).
EXTRA_TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "contacts": (
        "contacts",
        {
            "service": "service_id",
            "organization": "organization_id",
            "location": "location_id",
            "service_at_location": "service_at_location_id",
        },
    ),
    "funding": ("funding", {"service": "service_id", "organization": "organization_id"}),
    "cost_options": ("cost_options", {"service": "service_id"}),
    "required_documents": ("required_documents", {"service": "service_id"}),
    "accessibility": ("accessibility", {"location": "location_id"}),
    "organization_identifiers": ("organization_identifiers", {"organization": "organization_id"}),
    "programs": ("programs", {"organization": "organization_id"}),
}


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def package_tables(session: Session) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Every table of the datapackage as (header, rows): catalog columns plus the extras they carry."""
    source: dict[str, Table] = {
        "organizations": t.Organization.__table__,
        "services": t.Service.__table__,
        "locations": t.Location.__table__,
        "service_at_locations": t.ServiceAtLocation.__table__,
        "addresses": t.Address.__table__,
        "phones": t.Phone.__table__,
        "schedules": t.Schedule.__table__,
        "service_areas": t.ServiceArea.__table__,
        "languages": t.Language.__table__,
        "taxonomies": t.Taxonomy.__table__,
        "taxonomy_terms": t.TaxonomyTerm.__table__,
        "attributes": t.Attribute.__table__,
        "units": t.Unit.__table__,
        "service_capacity": t.ServiceCapacity.__table__,
    }  # type: ignore[dict-item]
    entity_of = {
        "organizations": "organization",
        "services": "service",
        "locations": "location",
        "service_at_locations": "service_at_location",
    }
    out: dict[str, tuple[list[str], list[list[str]]]] = {}
    extra_rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for name, _, columns in PACKAGE_TABLES:
        table = source[name]
        rows = [dict(r) for r in session.execute(select(table).order_by(table.c.id)).mappings()]
        header = list(columns)
        scalar_extras: list[str] = []
        entity = entity_of.get(name)
        if entity is not None:
            for row in rows:
                for key, value in (row.get("extra") or {}).items():
                    spec = EXTRA_TABLES.get(key)
                    if spec and entity in spec[1] and isinstance(value, list):
                        for item in value:
                            if isinstance(item, dict):
                                extra_rows[key].append({**item, spec[1][entity]: row["id"]})
                    elif (
                        not isinstance(value, list | dict) and key not in header and key not in scalar_extras
                    ):
                        scalar_extras.append(key)
        header += scalar_extras
        body: list[list[str]] = []
        for row in rows:
            cells = []
            for column in header:
                if column in ("opens_at", "closes_at") and row.get(column) is not None:
                    cells.append(
                        ClockTime(at=row[column], offset_minutes=row.get("time_offset_minutes")).hsds()
                    )
                elif column in row:
                    cells.append(_cell(row[column]))
                else:
                    cells.append(_cell((row.get("extra") or {}).get(column)))
            body.append(cells)
        out[name] = (header, body)
    for key, items in extra_rows.items():
        header = []
        for item in items:
            header += [k for k, v in item.items() if k not in header and not isinstance(v, list | dict)]
        out[key] = (header, [[_cell(item.get(c)) for c in header] for item in items])
    return out


def _descriptor(tables: dict[str, tuple[list[str], list[list[str]]]]) -> dict[str, Any]:
    return {
        "name": "divert-hsds-export",
        "profile": "tabular-data-package",
        "description": "HSDS 3.1 catalog exported by divert (with the diversion profile's service_capacity fields)",
        "resources": [
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": [{"name": c, "type": "string"} for c in header]},
            }
            for name, (header, _) in tables.items()
        ],
    }


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_datapackage(session: Session, path: pathlib.Path, *, as_zip: bool) -> int:
    """Writes the tabular datapackage to a folder or a zip; returns the number of services."""
    tables = package_tables(session)
    files = {"datapackage.json": json.dumps(_descriptor(tables), indent=2)}
    files.update({f"{name}.csv": _csv_text(header, rows) for name, (header, rows) in tables.items()})
    if as_zip:
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():
                archive.writestr(name, content)
    else:
        path.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (path / name).write_text(content, encoding="utf-8")
    return len(tables["services"][1])
