"""Reads an HSDS 3.1 tabular datapackage (a folder or a zip of `datapackage.json` + CSVs) as services.

Rows are checked where they stand, so every problem names its file, row (the header is row 1) and
column: a value a typed model rejects, a duplicate id, or a reference to a row that is not in the
package (a dangling reference is an error: the package is not imported and every one is listed).
Then each service is assembled into a full document (organization, service_at_locations with
their locations, phones, schedules, areas, languages, attributes, capacities, and the HSDS tables
we keep in `extra`) and handed to the shared pipeline like any other source.
"""

from __future__ import annotations

import csv
import io
import json
import pathlib
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from divert.errors import ImportFailed
from importers import models as m
from importers.normalize import LINK_COLUMNS, WELL_KNOWN_UNITS

# A zip bigger than this once unpacked is refused (a zip bomb must not take the server down); the
# HTTP import passes its own, smaller limit (setting DIVERT_ZIP_UNPACKED_LIMIT).
MAX_UNPACKED_BYTES = 512 * 1024 * 1024

# Resource -> the files it may be found in (HSDS 3.1 names first, then spellings seen in the wild).
RESOURCE_FILES: dict[str, tuple[str, ...]] = {
    "organizations": ("organizations.csv", "organization.csv"),
    "services": ("services.csv", "service.csv"),
    "locations": ("locations.csv", "location.csv"),
    "service_at_locations": ("service_at_locations.csv", "service_at_location.csv"),
    "addresses": ("addresses.csv", "address.csv"),
    "phones": ("phones.csv", "phone.csv"),
    "schedules": ("schedules.csv", "schedule.csv"),
    "service_areas": ("service_areas.csv", "service_area.csv"),
    "languages": ("languages.csv", "language.csv"),
    "taxonomies": ("taxonomies.csv", "taxonomy.csv"),
    "taxonomy_terms": ("taxonomy_terms.csv", "taxonomy_term.csv"),
    "attributes": ("attributes.csv", "attribute.csv"),
    "units": ("units.csv", "unit.csv"),
    "service_capacity": ("service_capacity.csv", "service_capacities.csv"),
    "contacts": ("contacts.csv", "contact.csv"),
    "funding": ("funding.csv",),
    "cost_options": ("cost_options.csv", "cost_option.csv"),
    "required_documents": ("required_documents.csv", "required_document.csv"),
    "accessibility": ("accessibility.csv",),
    "organization_identifiers": ("organization_identifiers.csv", "organization_identifier.csv"),
    "programs": ("programs.csv", "program.csv"),
    "url": ("url.csv", "urls.csv"),
    "metadata": ("metadata.csv",),
    "meta_table_descriptions": ("meta_table_descriptions.csv",),
}

# The official descriptor names resources in the singular (`service`, `service_at_location`, ...).
OFFICIAL_NAMES: dict[str, str] = {
    "organization": "organizations",
    "service": "services",
    "location": "locations",
    "service_at_location": "service_at_locations",
    "address": "addresses",
    "phone": "phones",
    "schedule": "schedules",
    "service_area": "service_areas",
    "language": "languages",
    "taxonomy": "taxonomies",
    "taxonomy_term": "taxonomy_terms",
    "attribute": "attributes",
    "unit": "units",
    "contact": "contacts",
    "cost_option": "cost_options",
    "required_document": "required_documents",
    "organization_identifier": "organization_identifiers",
    "program": "programs",
    "meta_table_description": "meta_table_descriptions",
}

MODELS: dict[str, type[BaseModel]] = {
    "organizations": m.Organization,
    "services": m.Service,
    "locations": m.Location,
    "service_at_locations": m.ServiceAtLocation,
    "addresses": m.Address,
    "phones": m.Phone,
    "schedules": m.Schedule,
    "service_areas": m.ServiceArea,
    "languages": m.Language,
    "taxonomies": m.Taxonomy,
    "taxonomy_terms": m.TaxonomyTerm,
    "attributes": m.Attribute,
    "units": m.Unit,
    "service_capacity": m.ServiceCapacity,
}

# Column -> resource it must name a row of (empty cells name nothing).
REFERENCES: dict[str, dict[str, str]] = {
    "services": {"organization_id": "organizations"},
    "locations": {"organization_id": "organizations"},
    "service_at_locations": {"service_id": "services", "location_id": "locations"},
    "addresses": {"location_id": "locations"},
    "phones": {
        "location_id": "locations",
        "service_id": "services",
        "organization_id": "organizations",
        "contact_id": "contacts",
        "service_at_location_id": "service_at_locations",
    },
    "schedules": {
        "service_id": "services",
        "location_id": "locations",
        "service_at_location_id": "service_at_locations",
    },
    "service_areas": {"service_id": "services", "service_at_location_id": "service_at_locations"},
    "languages": {"service_id": "services", "location_id": "locations", "phone_id": "phones"},
    "attributes": {"taxonomy_term_id": "taxonomy_terms", "link_id": "services"},
    "service_capacity": {"service_id": "services", "unit_id": "units", "location_id": "locations"},
    "contacts": {
        "organization_id": "organizations",
        "service_id": "services",
        "service_at_location_id": "service_at_locations",
        "location_id": "locations",
    },
    "funding": {"organization_id": "organizations", "service_id": "services"},
    "cost_options": {"service_id": "services"},
    "required_documents": {"service_id": "services"},
    "accessibility": {"location_id": "locations"},
    "organization_identifiers": {"organization_id": "organizations"},
    "programs": {"organization_id": "organizations"},
    "url": {"organization_id": "organizations", "service_id": "services"},
}

# HSDS tables without a catalog table: kept inside their parent's `extra` under this key.
EXTRA_KEYS: dict[str, dict[str, str]] = {
    # resource -> {parent column: key in the parent object}
    "contacts": {
        "organization_id": "contacts",
        "service_id": "contacts",
        "service_at_location_id": "contacts",
        "location_id": "contacts",
    },
    "funding": {"organization_id": "funding", "service_id": "funding"},
    "cost_options": {"service_id": "cost_options"},
    "required_documents": {"service_id": "required_documents"},
    "accessibility": {"location_id": "accessibility"},
    "organization_identifiers": {"organization_id": "organization_identifiers"},
    "programs": {"organization_id": "programs"},
    "url": {"service_id": "additional_urls", "organization_id": "additional_websites"},
}


@dataclass
class SourceData:
    """What a reader hands the pipeline: services, warnings, and where each service came from."""

    services: list[Any]
    warnings: list[dict[str, Any]] = field(default_factory=list)
    origins: list[dict[str, Any]] | None = None


@dataclass
class _Table:
    file: str
    rows: list[tuple[int, dict[str, str]]]


def _package_files(source: pathlib.Path | bytes, max_unpacked: int = MAX_UNPACKED_BYTES) -> dict[str, bytes]:
    """File name -> content of the package's top level (the folder holding datapackage.json)."""
    if isinstance(source, pathlib.Path) and source.is_dir():
        return {
            p.name: p.read_bytes() for p in source.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".json")
        }
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError) as exc:
        name = "upload" if isinstance(source, bytes) else source.name
        raise ImportFailed(
            f"{name} is not a zip file or a folder",
            errors=[{"file": name, "row": 0, "path": "", "message": f"not a readable zip ({exc})"}],
        ) from None
    with archive:
        members = [i for i in archive.infolist() if not i.is_dir()]
        # The declared sizes bound what is read: zipfile never returns more than a member declares.
        if sum(i.file_size for i in members) > max_unpacked:
            raise ImportFailed(
                f"the zip unpacks to more than {max_unpacked} bytes",
                errors=[{"file": "zip", "row": 0, "path": "", "message": "too large once unpacked"}],
            )
        names = [i.filename for i in members]
        anchor = next((n for n in names if n.rsplit("/", 1)[-1] == "datapackage.json"), None) or next(
            (n for n in names if n.rsplit("/", 1)[-1] in ("services.csv", "service.csv")), None
        )
        prefix = anchor.rsplit("/", 1)[0] + "/" if anchor and "/" in anchor else ""
        files: dict[str, bytes] = {}
        for info in members:
            if info.filename.startswith(prefix) and "/" not in info.filename[len(prefix) :]:
                files[info.filename[len(prefix) :]] = archive.read(info)
        return files


def _resource_paths(files: dict[str, bytes], warnings: list[dict[str, Any]]) -> dict[str, str]:
    """Resource name -> file, from datapackage.json when it is usable, else by HSDS file names."""
    chosen: dict[str, str] = {}
    raw = files.get("datapackage.json")
    if raw is None:
        warnings.append(
            {
                "file": "datapackage.json",
                "row": 0,
                "path": "",
                "message": "no datapackage.json; tables were found by their HSDS file names",
            }
        )
    else:
        try:
            descriptor = json.loads(raw)
            resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
            if not isinstance(resources, list):
                raise ValueError("no resources list")
            for resource in resources:
                if (
                    isinstance(resource, dict)
                    and isinstance(resource.get("name"), str)
                    and isinstance(resource.get("path"), str)
                ):
                    file = resource["path"].rsplit("/", 1)[-1]
                    name = OFFICIAL_NAMES.get(resource["name"], resource["name"])
                    if file in files and name in RESOURCE_FILES:
                        chosen[name] = file
        except ValueError as exc:
            # The official example's datapackage.json is a dangling symlink saved as text.
            warnings.append(
                {
                    "file": "datapackage.json",
                    "row": 0,
                    "path": "",
                    "message": f"datapackage.json is not a usable descriptor ({exc}); "
                    "tables were found by their HSDS file names",
                }
            )
    for resource, candidates in RESOURCE_FILES.items():
        if resource not in chosen:
            found = next((c for c in candidates if c in files), None)
            if found:
                chosen[resource] = found
    return chosen


def _read_csv(file: str, content: bytes, errors: list[dict[str, Any]]) -> _Table:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        errors.append({"file": file, "row": 0, "path": "", "message": "not UTF-8 text"})
        return _Table(file, [])
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        for number, row in enumerate(reader, start=2):
            if None in row:
                errors.append({"file": file, "row": number, "path": "", "message": "more cells than header columns"})
                continue
            cleaned = {k.strip(): (v if v is not None else "") for k, v in row.items() if k}
            if any(v.strip() for v in cleaned.values()):
                rows.append((number, cleaned))
    except csv.Error as exc:
        errors.append({"file": file, "row": 0, "path": "", "message": f"not readable CSV ({exc})"})
    return _Table(file, rows)


def _present(row: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in row.items() if v.strip()}


def read_datapackage(source: pathlib.Path | bytes, max_unpacked: int = MAX_UNPACKED_BYTES) -> SourceData:
    """Services of a datapackage; raises ImportFailed naming file, row and column of every problem."""
    errors: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    files = _package_files(source, max_unpacked)
    paths = _resource_paths(files, warnings)
    if "services" not in paths:
        raise ImportFailed(
            "the datapackage has no services table (services.csv)",
            errors=[{"file": "services.csv", "row": 0, "path": "", "message": "missing"}],
        )
    tables = {name: _read_csv(file, files[file], errors) for name, file in paths.items()}
    for name in ("meta_table_descriptions",):
        if name in tables and tables[name].rows:
            warnings.append(
                {
                    "file": tables[name].file,
                    "row": 0,
                    "path": "",
                    "message": "not imported: the catalog records its own provenance",
                }
            )

    def problem(table: _Table, row: int, column: str, message: str) -> None:
        errors.append({"file": table.file, "row": row, "path": column, "column": column, "message": message})

    # Each row is validated with the same typed model the JSON import uses.
    ids: dict[str, dict[str, tuple[int, dict[str, str]]]] = {}
    for name, table in tables.items():
        model = MODELS.get(name)
        by_id: dict[str, tuple[int, dict[str, str]]] = {}
        for number, row in table.rows:
            row_id = row.get("id", "").strip()
            if model is not None:
                try:
                    model.model_validate(_present(row))
                except ValidationError as exc:
                    for e in exc.errors(include_url=False):
                        column = ".".join(str(p) for p in e.get("loc", ())) or "row"
                        problem(table, number, column, e.get("msg", "invalid"))
                    continue
            if not row_id:
                if model is not None or name in REFERENCES:
                    problem(table, number, "id", "id is empty")
                continue
            if row_id in by_id:
                problem(table, number, "id", f"id {row_id!r} is also row {by_id[row_id][0]}")
                continue
            by_id[row_id] = (number, row)
        ids[name] = by_id

    for name, columns in REFERENCES.items():
        if name not in tables:
            continue
        for number, row in tables[name].rows:
            for column, target in columns.items():
                value = row.get(column, "").strip()
                if not value or value in ids.get(target, {}):
                    continue
                if name == "service_capacity" and column == "unit_id" and value in WELL_KNOWN_UNITS:
                    continue
                if (
                    name == "attributes"
                    and column == "link_id"
                    and any(value in ids.get(other, {}) for other in ("locations", "organizations", "phones"))
                ):
                    continue  # an attribute of another entity: not used by the catalog, not an error
                target_file = tables[target].file if target in tables else RESOURCE_FILES[target][0]
                problem(
                    tables[name],
                    number,
                    column,
                    f"refers to {target} id {value!r}, which is not in {target_file}",
                )
    if errors:
        errors.sort(key=lambda e: (e["file"], e["row"], e["path"]))
        noun = "problem" if len(errors) == 1 else "problems"
        raise ImportFailed(f"{len(errors)} {noun} in the datapackage; nothing was written", errors=errors)
    return _assemble(tables, ids, warnings)


def _field_types() -> dict[str, dict[str, str]]:
    """Resource -> column -> Table Schema type, from the standard's descriptor divert ships."""
    from importers.export import official_package

    out: dict[str, dict[str, str]] = {}
    for resource in official_package()["resources"]:
        name = OFFICIAL_NAMES.get(resource["name"], resource["name"])
        out[name] = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
    return out


def _typed_value(kind: str, value: str) -> Any:
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            number = float(value)
            return int(number) if number.is_integer() else number
    except ValueError:
        return value
    if kind == "boolean" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _assemble(
    tables: dict[str, _Table],
    ids: dict[str, dict[str, tuple[int, dict[str, str]]]],
    warnings: list[dict[str, Any]],
) -> SourceData:
    field_types = _field_types()

    def typed(name: str, row: dict[str, Any]) -> dict[str, Any]:
        """Cells of the tables kept in `extra` as the JSON form types them (no model reads them)."""
        kinds = field_types.get(name, {})
        return {k: _typed_value(kinds[k], v) if isinstance(v, str) and k in kinds else v for k, v in row.items()}

    def rows_of(name: str) -> list[dict[str, str]]:
        return [_present(row) for _, row in tables[name].rows] if name in tables else []

    def group(name: str, column: str) -> dict[str, list[dict[str, str]]]:
        grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in rows_of(name):
            if row.get(column):
                grouped[row[column]].append(row)
        return grouped

    def strip(row: dict[str, str], columns: tuple[str, ...] | list[str]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if k not in columns}

    extras: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    contact_phones = group("phones", "contact_id")
    contact_ids = set(ids.get("contacts", {}))
    languages_by = {c: group("languages", c) for c in ("service_id", "location_id", "phone_id")}

    def phone(row: dict[str, str], under_contact: bool = False) -> dict[str, Any]:
        links = [c for c in LINK_COLUMNS["phone"] if c != "contact_id"]
        if not under_contact and row.get("contact_id") in contact_ids:
            links.append("contact_id")  # the contact lists this phone; nested elsewhere it needs no link
        out = typed("phones", strip(row, links))
        langs = [strip(g, LINK_COLUMNS["language"]) for g in languages_by["phone_id"].get(row["id"], [])]
        if langs:
            out["languages"] = langs
        return out

    for name, parents in EXTRA_KEYS.items():
        for row in rows_of(name):
            linked = False
            for column, key in parents.items():
                if row.get(column):
                    item = typed(name, strip(row, list(parents)))
                    if name == "contacts" and row.get("id") in contact_phones:
                        item["phones"] = [
                            strip(phone(p, under_contact=True), ["contact_id"]) for p in contact_phones[row["id"]]
                        ]
                    extras[(column, row[column])][key].append(item)
                    linked = True
            if not linked and name in tables:
                warnings.append(
                    {
                        "file": tables[name].file,
                        "row": 0,
                        "path": "",
                        "message": f"a {name} row linked to nothing was skipped (id {row.get('id')!r})",
                    }
                )

    # Metadata rows name their object by resource_id alone: nested back under that object.
    owners = (
        ("services", "service_id"),
        ("organizations", "organization_id"),
        ("locations", "location_id"),
        ("service_at_locations", "service_at_location_id"),
    )
    for row in rows_of("metadata"):
        owner = next((c for name, c in owners if row.get("resource_id") in ids.get(name, {})), None)
        if owner is None:
            warnings.append(
                {
                    "file": tables["metadata"].file,
                    "row": 0,
                    "path": "",
                    "message": f"a metadata row of no imported object was skipped (id {row.get('id')!r})",
                }
            )
            continue
        extras[(owner, row["resource_id"])]["metadata"].append(strip(row, ["resource_id"]))

    def with_extras(out: dict[str, Any], column: str, row_id: str) -> dict[str, Any]:
        for key, items in extras.get((column, row_id), {}).items():
            out[key] = items
        return out

    phones_by = {
        c: group("phones", c) for c in ("service_id", "location_id", "organization_id", "service_at_location_id")
    }
    schedules_by = {c: group("schedules", c) for c in ("service_id", "location_id", "service_at_location_id")}
    areas_by = {c: group("service_areas", c) for c in ("service_id", "service_at_location_id")}
    addresses_by = group("addresses", "location_id")
    locations = {row["id"]: row for row in rows_of("locations")}
    locations_by_org = group("locations", "organization_id")
    organizations = {row["id"]: row for row in rows_of("organizations")}
    programs = {row["id"]: row for row in rows_of("programs")}
    sals_by = group("service_at_locations", "service_id")
    terms = {row["id"]: row for row in rows_of("taxonomy_terms")}
    taxonomies = {row["id"]: row for row in rows_of("taxonomies")}
    units = {row["id"]: row for row in rows_of("units")}
    attributes_by = group("attributes", "link_id")
    capacities_by = group("service_capacity", "service_id")

    def location(loc_id: str) -> dict[str, Any]:
        out: dict[str, Any] = dict(locations[loc_id])
        out["addresses"] = [strip(a, ["location_id"]) for a in addresses_by.get(loc_id, [])]
        out["phones"] = [phone(p) for p in phones_by["location_id"].get(loc_id, [])]
        out["schedules"] = [strip(s, LINK_COLUMNS["schedule"]) for s in schedules_by["location_id"].get(loc_id, [])]
        out["languages"] = [strip(g, LINK_COLUMNS["language"]) for g in languages_by["location_id"].get(loc_id, [])]
        return with_extras(out, "location_id", loc_id)

    def attribute(row: dict[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = strip(row, ["link_id"])
        term = terms.get(row["taxonomy_term_id"])
        if term is not None:
            tout: dict[str, Any] = dict(term)
            if term.get("taxonomy_id") in taxonomies:
                tout["taxonomy_detail"] = dict(taxonomies[term["taxonomy_id"]])
            out["taxonomy_term"] = tout
        return out

    def capacity(row: dict[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = strip(row, ["service_id"])
        if row["unit_id"] in units:
            out["unit"] = dict(units[row["unit_id"]])
        return out

    services: list[Any] = []
    origins: list[dict[str, Any]] = []
    used_locations: set[str] = set()
    services_table = tables["services"]
    for number, raw in services_table.rows:
        row = _present(raw)
        sid = row["id"]
        doc: dict[str, Any] = dict(row)
        org_row = organizations.get(row.get("organization_id", ""))
        sals = sals_by.get(sid, [])
        if org_row is not None:
            org: dict[str, Any] = dict(org_row)
            org["phones"] = [phone(p) for p in phones_by["organization_id"].get(org_row["id"], [])]
            sites = [location(loc["id"]) for loc in locations_by_org.get(org_row["id"], [])]
            used_locations.update(loc["id"] for loc in locations_by_org.get(org_row["id"], []))
            if sites:
                org["locations"] = sites
            doc["organization"] = with_extras(org, "organization_id", org_row["id"])
        if row.get("program_id") in programs:
            doc["program"] = strip(programs[row["program_id"]], ["organization_id"])
        doc["service_at_locations"] = []
        for sal in sals:
            used_locations.add(sal["location_id"])
            sout: dict[str, Any] = strip(sal, ["service_id"])
            sout["phones"] = [phone(p) for p in phones_by["service_at_location_id"].get(sal["id"], [])]
            sout["schedules"] = [
                strip(s, LINK_COLUMNS["schedule"]) for s in schedules_by["service_at_location_id"].get(sal["id"], [])
            ]
            sout["service_areas"] = [
                strip(a, LINK_COLUMNS["service_area"]) for a in areas_by["service_at_location_id"].get(sal["id"], [])
            ]
            sout["location"] = location(sal["location_id"])
            doc["service_at_locations"].append(with_extras(sout, "service_at_location_id", sal["id"]))
        doc["phones"] = [phone(p) for p in phones_by["service_id"].get(sid, [])]
        doc["schedules"] = [strip(s, LINK_COLUMNS["schedule"]) for s in schedules_by["service_id"].get(sid, [])]
        doc["service_areas"] = [strip(a, LINK_COLUMNS["service_area"]) for a in areas_by["service_id"].get(sid, [])]
        doc["languages"] = [strip(g, LINK_COLUMNS["language"]) for g in languages_by["service_id"].get(sid, [])]
        doc["attributes"] = [attribute(a) for a in attributes_by.get(sid, [])]
        doc["capacities"] = [capacity(c) for c in capacities_by.get(sid, [])]
        services.append(with_extras(doc, "service_id", sid))
        origins.append({"file": services_table.file, "row": number})
    unused = sorted(set(locations) - used_locations)
    if unused:
        warnings.append(
            {
                "file": tables["locations"].file,
                "row": 0,
                "path": "",
                "message": f"{len(unused)} location(s) used by no service were not imported",
            }
        )
    return SourceData(services=services, warnings=warnings, origins=origins)
