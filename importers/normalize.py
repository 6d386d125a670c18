"""The normalize step: a validated HSDS service document becomes the catalog rows it stands for.

HSDS repeats one object in several places (the official example nests the same phone under the
service, its service_at_location, the location and the organization). In the tabular form that is
one row with several link columns, so rows that share an id are merged: their content must agree,
and each link column is filled from whichever place set it. The same merge applies across documents
of one import, which is how a location or organization shared by many services is written once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson

from catalog.hsds_face import WELL_KNOWN_UNITS as _WELL_KNOWN_UNITS
from catalog.hsds_face import taxonomy_description, unit_key
from importers.models import (
    Attribute,
    HSDSRecord,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
)

# Write order: a table's foreign keys point only at tables earlier in this list.
TABLES: tuple[str, ...] = (
    "organization",
    "location",
    "taxonomy",
    "taxonomy_term",
    "unit",
    "service",
    "service_at_location",
    "address",
    "phone",
    "schedule",
    "service_area",
    "language",
    "attribute",
    "service_capacity",
)
# The rows replaced wholesale when a service is re-imported (pools are upserted instead, so holds and
# history survive).
CHILD_TABLES: tuple[str, ...] = TABLES[TABLES.index("service_at_location") : TABLES.index("service_capacity")]

# Columns that tie a row to the object(s) it hangs from; merged rather than compared.
LINK_COLUMNS: dict[str, tuple[str, ...]] = {
    "phone": ("location_id", "service_id", "organization_id", "contact_id", "service_at_location_id"),
    "schedule": ("service_id", "location_id", "service_at_location_id"),
    "service_area": ("service_id", "service_at_location_id"),
    "language": ("service_id", "location_id", "phone_id"),
    "location": ("organization_id",),
    "taxonomy_term": ("taxonomy_id",),
}

# A capacity's live state: compared by its `updated` time, never part of the catalog content hash,
# so a provider's push after an import does not make the same file look changed.
LIVE_CAPACITY_COLUMNS = ("available", "maximum", "waitlist", "updated")

# Units the profile names (CONTRACT §3.4) may be referenced by id without a unit object.
WELL_KNOWN_UNITS = _WELL_KNOWN_UNITS

# Fields HSDS types `format: email` / `format: uri`, checked on the catalog's own records.
EMAIL_COLUMNS = ("email", "assurer_email")
URL_COLUMNS = ("url", "website", "logo", "uri")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def looks_like_email(value: str) -> bool:
    return bool(_EMAIL.match(value.strip()))


def looks_like_url(value: str, any_scheme: bool = False) -> bool:
    """A web address with a host (`http(s)://host/...`); with any_scheme, any absolute URI (`uri`)."""
    text = value.strip()
    if any(c.isspace() for c in text):
        return False
    parts = urlsplit(text)
    if any_scheme:
        return bool(parts.scheme) and bool(parts.netloc or parts.path)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


SERVICE_COLUMNS = (
    "id",
    "organization_id",
    "program_id",
    "name",
    "alternate_name",
    "description",
    "url",
    "email",
    "status",
    "interpretation_services",
    "application_process",
    "fees_description",
    "wait_time",
    "fees",
    "accreditations",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "assured_date",
    "assurer_email",
    "licenses",
    "alert",
)
ORGANIZATION_COLUMNS = (
    "id",
    "name",
    "alternate_name",
    "description",
    "email",
    "website",
    "tax_status",
    "tax_id",
    "year_incorporated",
    "legal_status",
    "logo",
    "uri",
    "parent_organization_id",
)
LOCATION_COLUMNS = (
    "id",
    "location_type",
    "url",
    "organization_id",
    "name",
    "alternate_name",
    "description",
    "transportation",
    "latitude",
    "longitude",
    "external_identifier",
    "external_identifier_type",
)
ADDRESS_COLUMNS = (
    "id",
    "location_id",
    "attention",
    "address_1",
    "address_2",
    "city",
    "region",
    "state_province",
    "postal_code",
    "country",
    "address_type",
)
PHONE_COLUMNS = (
    "id",
    "location_id",
    "service_id",
    "organization_id",
    "contact_id",
    "service_at_location_id",
    "number",
    "extension",
    "type",
    "description",
)
SCHEDULE_COLUMNS = (
    "id",
    "service_id",
    "location_id",
    "service_at_location_id",
    "valid_from",
    "valid_to",
    "dtstart",
    "timezone",
    "until",
    "count",
    "wkst",
    "freq",
    "interval",
    "byday",
    "byweekno",
    "bymonthday",
    "byyearday",
    "description",
    "opens_at",
    "closes_at",
    "time_offset_minutes",
    "schedule_link",
    "attending_type",
    "notes",
)
SERVICE_AREA_COLUMNS = (
    "id",
    "service_id",
    "service_at_location_id",
    "name",
    "description",
    "extent",
    "extent_type",
    "uri",
)
LANGUAGE_COLUMNS = ("id", "service_id", "location_id", "phone_id", "name", "code", "note")
TAXONOMY_COLUMNS = ("id", "name", "description", "uri", "version")
TERM_COLUMNS = (
    "id",
    "code",
    "name",
    "description",
    "parent_id",
    "taxonomy",
    "language",
    "taxonomy_id",
    "term_uri",
)
ATTRIBUTE_COLUMNS = ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value", "label")
UNIT_COLUMNS = ("id", "name", "scheme", "identifier", "uri")
CAPACITY_COLUMNS = (
    "id",
    "service_id",
    "unit_id",
    "available",
    "maximum",
    "description",
    "updated",
    "waitlist",
    "reserved_for",
    "location_id",
)


@dataclass
class Problem:
    """One error or warning, located by the path inside its document."""

    path: str
    message: str


@dataclass
class DocumentRows:
    """Every row one service document stands for, by table and id."""

    service_id: str
    index: int = 0  # position in the import, for error messages
    rows: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {t: {} for t in TABLES})
    # Rows made up to satisfy a reference (a taxonomy named only by id, a unit named "bed"):
    # written only when no real row exists, so they never overwrite a curator's or a source's data.
    placeholders: set[tuple[str, str]] = field(default_factory=set)
    # Ids this document refers to without describing them: must exist in the batch or the catalog.
    references: list[tuple[str, str, str]] = field(default_factory=list)  # (table, id, path)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    content_hash: str = ""

    def add(self, table: str, row: dict[str, Any], path: str, placeholder: bool = False) -> None:
        rows = self.rows[table]
        existing = rows.get(row["id"])
        if existing is None:
            rows[row["id"]] = row
            if placeholder:
                self.placeholders.add((table, row["id"]))
            return
        if placeholder:
            return
        if (table, row["id"]) in self.placeholders:
            self.placeholders.discard((table, row["id"]))
            rows[row["id"]] = row
            return
        conflict = merge_row(table, existing, row)
        if conflict:
            self.errors.append(Problem(path, f"{table} {row['id']!r} appears twice with different {conflict}"))


def merge_row(table: str, existing: dict[str, Any], incoming: dict[str, Any]) -> str | None:
    """Merges `incoming` into `existing` (same id); returns what disagrees, or None."""
    if existing == incoming:  # the common case (a shared term or organization), decided in C
        return None
    links = LINK_COLUMNS.get(table, ())
    for column, value in incoming.items():
        current = existing.get(column)
        if column in links:
            if current is None:
                existing[column] = value
            elif value is not None and value != current:
                return f"{column} ({current!r} and {value!r})"
        elif column == "extra":
            # The same object quoted in two places may carry its nested extras in only one of them.
            merged = dict(value or {})
            merged.update(current or {})
            existing[column] = merged
        elif value != current:
            return f"{column} ({current!r} and {value!r})"
    return None


def _pick(model: Any, columns: Iterable[str]) -> dict[str, Any]:
    # Declared fields sit in the instance dict; reading it directly is twice as fast as getattr on a
    # pydantic model, and this runs for every row of every import.
    values = model.__dict__
    try:
        return {c: values[c] for c in columns}
    except KeyError:  # a column that is not a declared field (an extra key, a property)
        return {c: getattr(model, c) for c in columns}


def _extra(model: Any, drop: Iterable[str] = ()) -> dict[str, Any]:
    extra = model.extra
    for key in drop:
        extra.pop(key, None)
    return extra


def point_wkt(latitude: float | None, longitude: float | None) -> str | None:
    if latitude is None or longitude is None:
        return None
    return f"SRID=4326;POINT({longitude!r} {latitude!r})"


def geojson_wkt(extent: str) -> str:
    """EWKT of a GeoJSON geometry, Feature or FeatureCollection; raises ValueError when it is not one."""
    from shapely.geometry import GeometryCollection, shape
    from shapely.validation import make_valid

    try:
        data = json.loads(extent)
    except ValueError:
        raise ValueError("extent is not JSON") from None
    if not isinstance(data, dict):
        raise ValueError("extent is not a GeoJSON object")
    if data.get("type") == "Feature":
        data = data.get("geometry") or {}
    if data.get("type") == "FeatureCollection":
        features = data.get("features") or []
        geometries = [shape(f["geometry"]) for f in features if isinstance(f, dict) and f.get("geometry")]
        geometry: Any = GeometryCollection(geometries)
    else:
        try:
            geometry = shape(data)
        except Exception as exc:  # shapely raises several types for malformed GeoJSON
            raise ValueError(f"extent is not a GeoJSON geometry ({exc})") from None
    if geometry.is_empty:
        raise ValueError("extent is an empty geometry")
    minx, miny, maxx, maxy = geometry.bounds
    if (
        not all(math.isfinite(v) for v in (minx, miny, maxx, maxy))
        or minx < -180
        or maxx > 180
        or miny < -90
        or maxy > 90
    ):
        raise ValueError("extent has coordinates outside longitude -180..180 / latitude -90..90")
    if not geometry.is_valid:
        geometry = make_valid(geometry)
    return "SRID=4326;" + geometry.wkt


@functools.cache
def _contact_columns(model: type[HSDSRecord]) -> tuple[str, ...]:
    """The email and web address fields a model declares, in the order they are checked."""
    return tuple(c for c in (*EMAIL_COLUMNS, *URL_COLUMNS) if c in model.model_fields)


class _Normalizer:
    def __init__(self, service: Service) -> None:
        self.service = service
        self.doc = DocumentRows(service_id=service.id)
        self.dropped: set[tuple[str, str]] = set()

    def warn(self, path: str, message: str) -> None:
        self.doc.warnings.append(Problem(path, message))

    def drop_unkept(self, table: str, model: Any, path: str) -> None:
        """Tables without an `extra` column cannot keep unknown keys: say so once per key."""
        for key in model.extra:
            if (table, key) not in self.dropped:
                self.dropped.add((table, key))
                self.warn(f"{path}.{key}", f"{table} field {key!r} is not part of HSDS 3.1 here and is not kept")

    def check_contacts(self, entity: str, record: Any, path: str) -> None:
        """An email or web address HSDS would reject is kept as given, with a warning naming it."""
        values = record.__dict__  # declared fields (see _pick); an extra key of that name is not one
        model: type[HSDSRecord] = type(record)
        for column in _contact_columns(model):
            value = values.get(column)
            if not isinstance(value, str) or not value.strip():
                continue
            if column in EMAIL_COLUMNS and not looks_like_email(value):
                self.warn(
                    f"{path}.{column}" if path else column,
                    f"{entity} {record.id!r}: {column} {value!r} is not an email address; kept as given",
                )
            elif column in URL_COLUMNS and not looks_like_url(value, any_scheme=column == "uri"):
                self.warn(
                    f"{path}.{column}" if path else column,
                    f"{entity} {record.id!r}: {column} {value!r} is not an absolute URL "
                    "(e.g. https://example.org); kept as given",
                )

    def run(self) -> DocumentRows:
        s = self.service
        self.check_contacts("service", s, "")
        sid = s.id
        row = _pick(s, SERVICE_COLUMNS)
        row["organization_id"] = s.the_organization_id
        row["extra"] = _extra(s, drop=("organization",))
        program = row["extra"].get("program")
        if row["program_id"] is None and isinstance(program, dict) and program.get("id"):
            # HSDS links a service to its program by program_id (the tabular form has nothing else).
            row["program_id"] = str(program["id"])
        self.doc.add("service", row, "")
        if s.organization is not None:
            self.organization(s.organization, "organization")
        else:
            self.doc.references.append(("organization", s.the_organization_id, "organization_id"))
        for i, phone in enumerate(s.phones):
            self.phone(phone, f"phones.{i}", service_id=sid)
        for i, schedule in enumerate(s.schedules):
            self.schedule(schedule, f"schedules.{i}", service_id=sid)
        for i, area in enumerate(s.service_areas):
            self.service_area(area, f"service_areas.{i}", service_id=sid)
        for i, language in enumerate(s.languages):
            self.language(language, f"languages.{i}", service_id=sid)
        for i, sal in enumerate(s.service_at_locations):
            self.service_at_location(sal, f"service_at_locations.{i}")
        for i, attribute in enumerate(s.attributes):
            self.attribute(attribute, f"attributes.{i}")
        for i, capacity in enumerate(s.capacities):
            self.capacity(capacity, f"capacities.{i}")
        self.doc.content_hash = content_hash(self.doc)
        return self.doc

    def organization(self, org: Organization, path: str) -> None:
        self.check_contacts("organization", org, path)
        row = _pick(org, ORGANIZATION_COLUMNS)
        row["extra"] = _extra(org)
        self.doc.add("organization", row, path)
        for i, phone in enumerate(org.phones):
            self.phone(phone, f"{path}.phones.{i}", organization_id=org.id)
        for i, location in enumerate(org.locations):
            self.location(location, f"{path}.locations.{i}", organization_id=org.id)

    def location(self, loc: Location, path: str, organization_id: str | None = None) -> None:
        self.check_contacts("location", loc, path)
        row = _pick(loc, LOCATION_COLUMNS)
        if row["organization_id"] is None:
            row["organization_id"] = organization_id
        row["extra"] = _extra(loc)
        lat, lon = loc.latitude, loc.longitude
        geog = None
        if (lat is None) != (lon is None):
            self.warn(
                f"{path}.latitude",
                f"location {loc.id!r} has only one of latitude/longitude; it is kept but cannot be placed on the map",
            )
        elif lat is not None and lon is not None:
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                geog = point_wkt(lat, lon)
            else:
                # Kept as given (the official HSDS example carries 100/101) but never placed on the map,
                # so the matcher cannot offer it at a made-up spot.
                self.warn(
                    f"{path}.latitude",
                    f"location {loc.id!r} has latitude {lat} / longitude {lon} "
                    "outside -90..90 / -180..180; kept but not placed on the map",
                )
        row["geog"] = geog
        self.doc.add("location", row, path)
        for i, address in enumerate(loc.addresses):
            self.drop_unkept("address", address, f"{path}.addresses.{i}")
            arow = _pick(address, ADDRESS_COLUMNS)
            arow["location_id"] = loc.id
            self.doc.add("address", arow, f"{path}.addresses.{i}")
        for i, phone in enumerate(loc.phones):
            self.phone(phone, f"{path}.phones.{i}", location_id=loc.id)
        for i, schedule in enumerate(loc.schedules):
            self.schedule(schedule, f"{path}.schedules.{i}", location_id=loc.id)
        for i, language in enumerate(loc.languages):
            self.language(language, f"{path}.languages.{i}", location_id=loc.id)

    def service_at_location(self, sal: ServiceAtLocation, path: str) -> None:
        row = {
            "id": sal.id,
            "service_id": self.service.id,
            "location_id": sal.the_location_id,
            "description": sal.description,
            "extra": _extra(sal),
        }
        self.doc.add("service_at_location", row, path)
        if sal.location is not None:
            self.location(sal.location, f"{path}.location")
        else:
            self.doc.references.append(("location", sal.the_location_id, f"{path}.location_id"))
        for i, phone in enumerate(sal.phones):
            self.phone(phone, f"{path}.phones.{i}", service_at_location_id=sal.id)
        for i, schedule in enumerate(sal.schedules):
            self.schedule(schedule, f"{path}.schedules.{i}", service_at_location_id=sal.id)
        for i, area in enumerate(sal.service_areas):
            self.service_area(area, f"{path}.service_areas.{i}", service_at_location_id=sal.id)

    def phone(self, phone: Phone, path: str, **links: str) -> None:
        row = _pick(phone, PHONE_COLUMNS)
        row.update(links)
        row["extra"] = _extra(phone)
        self.doc.add("phone", row, path)
        for i, language in enumerate(phone.languages):
            self.language(language, f"{path}.languages.{i}", phone_id=phone.id)

    def schedule(self, schedule: Schedule, path: str, **links: str) -> None:
        self.drop_unkept("schedule", schedule, path)
        row = _pick(schedule, SCHEDULE_COLUMNS[:-4])
        row.update(links)
        row["opens_at"] = schedule.opens_at.at if schedule.opens_at else None
        row["closes_at"] = schedule.closes_at.at if schedule.closes_at else None
        row["time_offset_minutes"] = schedule.time_offset_minutes
        row.update(_pick(schedule, ("schedule_link", "attending_type", "notes")))
        self.doc.add("schedule", row, path)

    def service_area(self, area: ServiceArea, path: str, **links: str) -> None:
        self.drop_unkept("service_area", area, path)
        row = _pick(area, SERVICE_AREA_COLUMNS)
        row.update(links)
        geog = None
        looks_geojson = (area.extent_type or "").strip().lower() == "geojson" or (
            area.extent or ""
        ).lstrip().startswith("{")
        if area.extent and looks_geojson:
            try:
                geog = geojson_wkt(area.extent)
            except ValueError as exc:
                self.warn(
                    f"{path}.extent",
                    f"service_area {area.id!r}: {exc}; the extent is kept as text and the area is not used for reach",
                )
        row["geog"] = geog
        self.doc.add("service_area", row, path)

    def language(self, language: Language, path: str, **links: str) -> None:
        self.drop_unkept("language", language, path)
        row = _pick(language, LANGUAGE_COLUMNS)
        row.update(links)
        self.doc.add("language", row, path)

    def attribute(self, attribute: Attribute, path: str) -> None:
        self.drop_unkept("attribute", attribute, path)
        if attribute.link_entity not in (None, "service"):
            self.warn(
                f"{path}.link_entity",
                f"attribute {attribute.id!r} is nested in a service; "
                f"link_entity {attribute.link_entity!r} is read as 'service'",
            )
        row = _pick(attribute, ATTRIBUTE_COLUMNS)
        row.update(link_id=self.service.id, link_entity="service", taxonomy_term_id=attribute.term_id)
        self.doc.add("attribute", row, path)
        term = attribute.taxonomy_term
        if term is None:
            self.doc.references.append(("taxonomy_term", attribute.term_id, f"{path}.taxonomy_term_id"))
            return
        tpath = f"{path}.taxonomy_term"
        self.drop_unkept("taxonomy_term", term, tpath)
        trow = _pick(term, TERM_COLUMNS)
        if term.taxonomy_detail is not None:
            detail = term.taxonomy_detail
            self.drop_unkept("taxonomy", detail, f"{tpath}.taxonomy_detail")
            if trow["taxonomy_id"] not in (None, detail.id):
                self.doc.errors.append(Problem(f"{tpath}.taxonomy_id", "taxonomy_id differs from taxonomy_detail.id"))
            trow["taxonomy_id"] = detail.id
            self.doc.add("taxonomy", _pick(detail, TAXONOMY_COLUMNS), f"{tpath}.taxonomy_detail")
        elif trow["taxonomy_id"]:
            # Named only by id (as the scenario files do): a minimal taxonomy row keeps the link.
            self.doc.add(
                "taxonomy",
                {
                    "id": trow["taxonomy_id"],
                    "name": term.taxonomy or trow["taxonomy_id"],
                    "description": taxonomy_description(term.taxonomy or trow["taxonomy_id"], None),
                    "uri": None,
                    "version": None,
                },
                f"{tpath}.taxonomy_id",
                placeholder=True,
            )
        self.doc.add("taxonomy_term", trow, tpath)

    def capacity(self, capacity: ServiceCapacity, path: str) -> None:
        self.drop_unkept("service_capacity", capacity, path)
        row = _pick(capacity, CAPACITY_COLUMNS)
        # An HSDS unit UUID that stands for a code (divert's own export) is read back as that code.
        uid = unit_key(capacity.the_unit_id, capacity.unit.identifier if capacity.unit else None)
        row.update(service_id=self.service.id, unit_id=uid)
        if capacity.maximum is not None and capacity.available > capacity.maximum:
            self.warn(
                f"{path}.available",
                f"capacity {capacity.id!r}: available {capacity.available:g} is more "
                f"than maximum {capacity.maximum:g}; kept as reported",
            )
        if capacity.unit is not None:
            self.drop_unkept("unit", capacity.unit, f"{path}.unit")
            unit_row = _pick(capacity.unit, UNIT_COLUMNS)
            if uid != unit_row["id"]:
                unit_row["id"] = uid
                if unit_row["identifier"] == uid:
                    unit_row["identifier"] = None  # the code is the key; the export writes it back
            self.doc.add("unit", unit_row, f"{path}.unit")
        elif uid in WELL_KNOWN_UNITS:
            self.doc.add(
                "unit",
                {"id": uid, "name": WELL_KNOWN_UNITS[uid], "scheme": None, "identifier": None, "uri": None},
                f"{path}.unit_id",
                placeholder=True,
            )
        else:
            self.doc.references.append(("unit", uid, f"{path}.unit_id"))
        if capacity.location_id:
            self.doc.references.append(("location", capacity.location_id, f"{path}.location_id"))
        self.doc.add("service_capacity", row, path)


def normalize_service(service: Service) -> DocumentRows:
    return _Normalizer(service).run()


def content_hash(doc: DocumentRows) -> str:
    """A digest of the document's catalog content (live capacity state excluded), order-independent."""
    canonical: dict[str, list[dict[str, Any]]] = {}
    for table in TABLES:
        rows = doc.rows[table]
        if not rows:
            continue
        if table == "service_capacity":
            canonical[table] = [
                {k: v for k, v in r.items() if k not in LIVE_CAPACITY_COLUMNS} for _, r in sorted(rows.items())
            ]
        else:
            canonical[table] = [r for _, r in sorted(rows.items())]
    blob = orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    return hashlib.sha256(blob).hexdigest()
