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
from catalog.hsds_face import taxonomy_description, unit_object, unit_uuid
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
    out = _object(row, [c for c in SCHEDULE_COLUMNS if c != "time_offset_minutes"], skip=LINK_COLUMNS["schedule"])
    for key in ("opens_at", "closes_at"):
        if row.get(key) is not None:
            out[key] = ClockTime(at=row[key], offset_minutes=row.get("time_offset_minutes")).hsds()
    return out


def service_documents(session: Session, service_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Full HSDS 3.1 service documents for these services (all when None), in id order."""
    return list(iter_service_documents(session, service_ids))


def iter_service_documents(session: Session, service_ids: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
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
        a for a in _rows(session, T["attribute"], T["attribute"].c.link_id, ids) if a["link_entity"] == "service"
    ]
    terms = {
        r["id"]: r
        for r in _rows(session, T["term"], T["term"].c.id, sorted({a["taxonomy_term_id"] for a in attributes}))
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

    phones_by = {k: _by(phones, k) for k in ("service_id", "location_id", "organization_id", "service_at_location_id")}
    langs_by = {k: _by(languages, k) for k in ("service_id", "location_id", "phone_id")}
    scheds_by = {k: _by(schedules, k) for k in ("service_id", "location_id", "service_at_location_id")}
    areas_by = {k: _by(areas, k) for k in ("service_id", "service_at_location_id")}
    sals_by = _by(sals, "service_id")
    attrs_by = _by(attributes, "link_id")
    org_locations_by = _by(org_locations, "organization_id")

    def phone(row: dict[str, Any]) -> dict[str, Any]:
        out = _object(row, PHONE_COLUMNS, skip=[c for c in LINK_COLUMNS["phone"] if c != "contact_id"])
        langs = [
            _object(g, LANGUAGE_COLUMNS, skip=LINK_COLUMNS["language"]) for g in langs_by["phone_id"].get(row["id"], [])
        ]
        if langs:
            out["languages"] = langs
        return out

    def location(loc_id: str) -> dict[str, Any]:
        row = locations[loc_id]
        out = _object(row, LOCATION_COLUMNS)
        out["addresses"] = [_object(a, ADDRESS_COLUMNS, skip=["location_id"]) for a in addresses.get(loc_id, [])]
        out["phones"] = [phone(p) for p in phones_by["location_id"].get(loc_id, [])]
        out["schedules"] = [_schedule(s) for s in scheds_by["location_id"].get(loc_id, [])]
        out["languages"] = [
            _object(g, LANGUAGE_COLUMNS, skip=LINK_COLUMNS["language"]) for g in langs_by["location_id"].get(loc_id, [])
        ]
        return out

    def attribute(row: dict[str, Any]) -> dict[str, Any]:
        out = _object(row, ATTRIBUTE_COLUMNS, skip=["link_id"])
        term = terms.get(row["taxonomy_term_id"])
        if term is not None:
            tout = _object(term, TERM_COLUMNS)
            if term["taxonomy_id"] in taxonomies:
                taxonomy = taxonomies[term["taxonomy_id"]]
                tout["taxonomy_detail"] = _object(taxonomy, TAXONOMY_COLUMNS)
                tout["taxonomy_detail"]["description"] = taxonomy_description(taxonomy["name"], taxonomy["description"])
            out["taxonomy_term"] = tout
        return out

    def capacity(row: dict[str, Any]) -> dict[str, Any]:
        out = _object(row, CAPACITY_COLUMNS, skip=["service_id"])
        out["unit_id"] = unit_uuid(row["unit_id"])
        out["waitlist"] = row["waitlist"]
        out["reserved_for"] = list(row["reserved_for"] or [])
        if row["unit_id"] in units:
            unit = units[row["unit_id"]]
            out["unit"] = {**_object(unit, UNIT_COLUMNS), **unit_object(unit)}
        return out

    documents: list[dict[str, Any]] = []
    for s in sorted(services, key=lambda r: r["id"]):
        sid = s["id"]
        doc = _object(s, SERVICE_COLUMNS)
        org = organizations.get(s["organization_id"])
        if org is not None:
            oout = _object(org, ORGANIZATION_COLUMNS)
            oout["phones"] = [phone(p) for p in phones_by["organization_id"].get(org["id"], [])]
            # Every site of the organization travels with it (HSDS `organization.locations`), the
            # service's own sites included, so nothing it listed is lost on export.
            sites = [location(loc["id"]) for loc in org_locations_by.get(org["id"], [])]
            if sites:
                oout["locations"] = sites
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
            _object(g, LANGUAGE_COLUMNS, skip=LINK_COLUMNS["language"]) for g in langs_by["service_id"].get(sid, [])
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


# The standard's tabular descriptor (file names, column order, types, keys), shipped with divert:
# the official datapackage.json with its two incomplete resources rebuilt (docs/data-formats.md).
OFFICIAL_PACKAGE_FILE = pathlib.Path(__file__).with_name("mappings") / "hsds-3.1-datapackage.json"

# Official resources kept in catalog tables.
CATALOG_RESOURCES: dict[str, Any] = {
    "organization": t.Organization,
    "service": t.Service,
    "location": t.Location,
    "service_at_location": t.ServiceAtLocation,
    "address": t.Address,
    "phone": t.Phone,
    "schedule": t.Schedule,
    "service_area": t.ServiceArea,
    "language": t.Language,
    "taxonomy": t.Taxonomy,
    "taxonomy_term": t.TaxonomyTerm,
    "attribute": t.Attribute,
    "unit": t.Unit,
    "service_capacity": t.ServiceCapacity,
}

# Official resources the catalog keeps inside an entity's `extra`: resource -> entity -> (key, column).
EXTRA_RESOURCES: dict[str, dict[str, tuple[str, str]]] = {
    "contact": {
        "organization": ("contacts", "organization_id"),
        "service": ("contacts", "service_id"),
        "service_at_location": ("contacts", "service_at_location_id"),
        "location": ("contacts", "location_id"),
    },
    "funding": {"organization": ("funding", "organization_id"), "service": ("funding", "service_id")},
    "cost_option": {"service": ("cost_options", "service_id")},
    "required_document": {"service": ("required_documents", "service_id")},
    "accessibility": {"location": ("accessibility", "location_id")},
    "organization_identifier": {"organization": ("organization_identifiers", "organization_id")},
    "program": {"organization": ("programs", "organization_id")},
    "url": {
        "service": ("additional_urls", "service_id"),
        "organization": ("additional_websites", "organization_id"),
    },
}

# Columns of the diversion profile (CONTRACT §3.4) written after the official ones.
PROFILE_COLUMNS: dict[str, tuple[str, ...]] = {"service_capacity": ("waitlist", "reserved_for", "location_id")}


def official_package() -> dict[str, Any]:
    return json.loads(OFFICIAL_PACKAGE_FILE.read_text(encoding="utf-8"))


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class _Rows:
    """Rows of one resource by id, in first-seen order; a row seen again merges its linking columns
    (HSDS tabular: one row per object, the links it has in the nested form all on that row)."""

    def __init__(self) -> None:
        self.by_id: dict[str, dict[str, Any]] = {}

    def add(self, row: dict[str, Any]) -> None:
        key = str(row.get("id"))
        current = self.by_id.get(key)
        if current is None:
            self.by_id[key] = dict(row)
            return
        for column, value in row.items():
            if current.get(column) in (None, "") and value not in (None, ""):
                current[column] = value


def _extra_items(entity: str, row: dict[str, Any], extra_rows: dict[str, _Rows], phones: _Rows) -> None:
    extra = row.get("extra") or {}
    for resource, spec in EXTRA_RESOURCES.items():
        if entity not in spec:
            continue
        key, column = spec[entity]
        for item in extra.get(key) or []:
            if not isinstance(item, dict):
                continue
            extra_rows[resource].add({**item, column: row["id"]})
            if resource == "contact":
                for p in item.get("phones") or []:
                    if isinstance(p, dict) and p.get("id"):
                        phones.add({**p, "contact_id": item.get("id")})
    for item in extra.get("metadata") or []:
        # A source's own metadata nested under this object: the tabular form links it by resource_id.
        if isinstance(item, dict) and item.get("id"):
            extra_rows["metadata"].add({"resource_id": row["id"], **item})
    program = extra.get("program")
    if entity == "service" and isinstance(program, dict) and program.get("id"):
        extra_rows["program"].add({**program, "organization_id": row["organization_id"]})


def package_tables(session: Session) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Every resource of the official package as (header, rows), keyed by the official resource name.

    Columns in the standard's order, then the profile's columns, then scalar keys a source sent
    beyond HSDS (kept in `extra`), so nothing the catalog holds is left behind."""
    catalog: dict[str, list[dict[str, Any]]] = {}
    for name, cls in CATALOG_RESOURCES.items():
        table = cls.__table__
        catalog[name] = [dict(r) for r in session.execute(select(table).order_by(table.c.id)).mappings()]
    extra_rows: dict[str, _Rows] = defaultdict(_Rows)
    phones = _Rows()
    for p in catalog["phone"]:
        phones.add(p)
    for entity in ("organization", "service", "location", "service_at_location"):
        for row in catalog[entity]:
            _extra_items(entity, row, extra_rows, phones)
    for service in catalog["service"]:
        program = (service.get("extra") or {}).get("program")
        if not service.get("program_id") and isinstance(program, dict) and program.get("id"):
            service["program_id"] = program["id"]
    catalog["phone"] = list(phones.by_id.values())

    out: dict[str, tuple[list[str], list[list[str]]]] = {}
    for resource in official_package()["resources"]:
        name = resource["name"]
        header = [f["name"] for f in resource["schema"]["fields"]]
        header += [c for c in PROFILE_COLUMNS.get(name, ()) if c not in header]
        # metadata carries what sources sent (the catalog's own provenance is served by the API);
        # meta_table_description stays empty.
        from_extra = name in EXTRA_RESOURCES or name == "metadata"
        rows = list(extra_rows[name].by_id.values()) if from_extra else catalog.get(name, [])
        for row in rows:
            for key, value in (row.get("extra") or {}).items():
                if not isinstance(value, list | dict) and key not in header:
                    header.append(key)
            if from_extra:
                header += [k for k, v in row.items() if k not in header and not isinstance(v, list | dict)]
        out[name] = (header, [_package_row(name, row, header) for row in rows])
    return out


def _package_row(resource: str, row: dict[str, Any], header: list[str]) -> list[str]:
    extra = row.get("extra") or {}
    cells = []
    for column in header:
        if column in ("opens_at", "closes_at") and resource == "schedule" and row.get(column) is not None:
            cells.append(ClockTime(at=row[column], offset_minutes=row.get("time_offset_minutes")).hsds())
        elif resource == "unit" and column in ("id", "identifier"):
            cells.append(_cell(unit_object(row).get(column)))
        elif resource == "service_capacity" and column == "unit_id":
            cells.append(unit_uuid(row["unit_id"]))
        elif resource == "taxonomy" and column == "description":
            cells.append(taxonomy_description(row.get("name"), row.get("description")))
        elif column == "last_modified" and "extra" in row:
            # The source's own modification time (kept in extra), as the JSON export writes it.
            cells.append(_cell(extra.get("last_modified")))
        elif column in row and column != "extra":
            cells.append(_cell(row[column]))
        else:
            cells.append(_cell(extra.get(column)))
    return cells


def _descriptor(tables: dict[str, tuple[list[str], list[list[str]]]]) -> dict[str, Any]:
    """The official descriptor, each resource's fields extended by the extra columns written."""
    package = official_package()
    package.pop("description_divert", None)
    package["name"] = "divert-hsds-export"
    package["description"] = (
        "HSDS 3.1 catalog exported by divert (with the diversion profile's service_capacity fields)"
    )
    for resource in package["resources"]:
        header = tables[resource["name"]][0]
        known = {f["name"] for f in resource["schema"]["fields"]}
        resource["schema"]["fields"] += [
            {"name": c, "type": "string", "description": "beyond HSDS 3.1: diversion profile or source"}
            for c in header
            if c not in known
        ]
    return package


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_datapackage(session: Session, path: pathlib.Path, *, as_zip: bool) -> int:
    """Writes the tabular datapackage to a folder or a zip; returns the number of services."""
    tables = package_tables(session)
    descriptor = _descriptor(tables)
    files = {"datapackage.json": json.dumps(descriptor, indent=2, ensure_ascii=False)}
    for resource in descriptor["resources"]:
        header, rows = tables[resource["name"]]
        files[resource["path"]] = _csv_text(header, rows)
    if as_zip:
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():
                archive.writestr(name, content)
    else:
        path.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (path / name).write_text(content, encoding="utf-8")
    return len(tables["service"][1])
