"""Typed HSDS 3.1 records (with the diversion profile's additions), the validate step of every import.

Each model is named like its HSDS object and declares the fields our tables keep as columns; anything
else a record carries (contacts, funding, cost options, programs, urls, identifiers, keys of newer
HSDS versions) is allowed and lands in `model_extra`, which the normalizer stores verbatim in the
row's `extra` JSONB so an export gives it back. Sources other than HSDS map onto these same models.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

# HSDS ids are any unique strings (UUIDs preferred); a bound keeps one record from bloating indexes.
Id = Annotated[str, StringConstraints(min_length=1, max_length=255)]
# Integer columns are 32-bit in PostgreSQL.
MAX_INT = 2**31 - 1
SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")


class ClockTime(BaseModel):
    """An HSDS `opens_at`/`closes_at`: a wall-clock time, with the UTC offset when one was written."""

    model_config = ConfigDict(frozen=True)
    at: time
    offset_minutes: int | None = None

    def hsds(self) -> str:
        text = self.at.strftime("%H:%M:%S")
        if self.offset_minutes is None:
            return text
        sign = "-" if self.offset_minutes < 0 else "+"
        hours, minutes = divmod(abs(self.offset_minutes), 60)
        return f"{text}{sign}{hours:02d}:{minutes:02d}"


def parse_clock(value: Any) -> Any:
    """Reads "09:00", "09:00:00", "09:00+05:00" or "17:30:00Z" (RFC 3339 partial-time)."""
    if value is None or isinstance(value, ClockTime):
        return value
    if isinstance(value, time):
        return ClockTime(at=value.replace(tzinfo=None))
    if not isinstance(value, str):
        raise ValueError("must be a time like 09:00 or 09:00:00+05:00")
    text = value.strip()
    if not text:
        return None
    m = _CLOCK.match(text)
    if not m:
        raise ValueError(f"{value!r} is not a time like 09:00 or 09:00:00+05:00")
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{value!r} is not a valid time of day")
    offset: int | None = None
    if m[4]:
        if m[4] == "Z":
            offset = 0
        else:
            digits = m[4][1:].replace(":", "")
            offset = int(digits[:2]) * 60 + int(digits[2:])
            if offset > 18 * 60:
                raise ValueError(f"{value!r} has a UTC offset beyond ±18:00")
            offset = -offset if m[4][0] == "-" else offset
    return ClockTime(at=time(hour, minute, second), offset_minutes=offset)


def _empty_to_none(value: Any) -> Any:
    # Tabular sources write "absent" as an empty cell.
    return None if isinstance(value, str) and not value.strip() else value


def _finite(value: Any) -> Any:
    value = _empty_to_none(value)
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, float | int) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
        if not math.isfinite(number):
            raise ValueError("must be a finite number")
    return value


def _text_value(value: Any) -> Any:
    """Attribute values are text; JSON true/12/["a","b"] are written as "true", "12", "a,b"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value) if math.isfinite(value) else None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    return value


def _code_list(value: Any) -> Any:
    """`reserved_for`: a JSON array, or in a CSV cell a JSON array or a comma list."""
    value = _empty_to_none(value)
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            import json

            try:
                return json.loads(text)
            except ValueError:
                raise ValueError("is not a JSON array of program codes") from None
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


def _geojson_text(value: Any) -> Any:
    if isinstance(value, dict):
        import json

        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return value


OptText = Annotated[str | None, BeforeValidator(_empty_to_none)]
OptId = Annotated[Id | None, BeforeValidator(_empty_to_none)]
OptFloat = Annotated[float | None, BeforeValidator(_finite)]
OptNonNegFloat = Annotated[float | None, Field(ge=0), BeforeValidator(_finite)]
OptInt = Annotated[int | None, BeforeValidator(_empty_to_none)]
OptDate = Annotated[date | None, BeforeValidator(_empty_to_none)]
OptClock = Annotated[ClockTime | None, BeforeValidator(parse_clock)]


class HSDSRecord(BaseModel):
    """Common settings: unknown keys are kept (they become `extra`), ids may arrive as numbers."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True, populate_by_name=True)

    @property
    def extra(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Language(HSDSRecord):
    id: Id
    service_id: OptId = None
    location_id: OptId = None
    phone_id: OptId = None
    name: OptText = None
    code: OptText = None
    note: OptText = None


class Phone(HSDSRecord):
    id: Id
    location_id: OptId = None
    service_id: OptId = None
    organization_id: OptId = None
    contact_id: OptId = None
    service_at_location_id: OptId = None
    number: Annotated[str, StringConstraints(min_length=1)]
    extension: OptFloat = None
    type: OptText = None
    description: OptText = None
    languages: list[Language] = Field(default_factory=list)


class Address(HSDSRecord):
    id: Id
    location_id: OptId = None
    attention: OptText = None
    address_1: OptText = None
    address_2: OptText = None
    city: OptText = None
    region: OptText = None
    state_province: OptText = None
    postal_code: OptText = None
    country: OptText = None
    address_type: OptText = None


class Schedule(HSDSRecord):
    """Every RFC 5545 recurrence field HSDS 3.1 carries, plus opening times with their offset."""

    id: Id
    service_id: OptId = None
    location_id: OptId = None
    service_at_location_id: OptId = None
    valid_from: OptDate = None
    valid_to: OptDate = None
    dtstart: OptDate = None
    timezone: OptFloat = None
    until: OptDate = None
    count: Annotated[int | None, Field(ge=0, le=MAX_INT), BeforeValidator(_empty_to_none)] = None
    wkst: OptText = None
    freq: OptText = None
    interval: Annotated[int | None, Field(ge=1, le=MAX_INT), BeforeValidator(_empty_to_none)] = None
    byday: OptText = None
    byweekno: OptText = None
    bymonthday: OptText = None
    byyearday: OptText = None
    description: OptText = None
    opens_at: OptClock = None
    closes_at: OptClock = None
    schedule_link: OptText = None
    attending_type: OptText = None
    notes: OptText = None

    @field_validator("freq", "wkst")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.strip().upper() if value else value

    @model_validator(mode="after")
    def _one_offset(self) -> Schedule:
        offsets = {t.offset_minutes for t in (self.opens_at, self.closes_at) if t and t.offset_minutes is not None}
        if len(offsets) > 1:
            raise ValueError("opens_at and closes_at carry different UTC offsets")
        return self

    @property
    def time_offset_minutes(self) -> int | None:
        for t in (self.opens_at, self.closes_at):
            if t is not None and t.offset_minutes is not None:
                return t.offset_minutes
        return None


class ServiceArea(HSDSRecord):
    id: Id
    service_id: OptId = None
    service_at_location_id: OptId = None
    name: OptText = None
    description: OptText = None
    # GeoJSON may come as text (HSDS) or as an object; both are stored as text.
    extent: Annotated[str | None, BeforeValidator(_geojson_text), BeforeValidator(_empty_to_none)] = None
    extent_type: OptText = None
    uri: OptText = None


class Taxonomy(HSDSRecord):
    id: Id
    name: Annotated[str, StringConstraints(min_length=1)]
    description: OptText = None
    uri: OptText = None
    version: OptText = None


class TaxonomyTerm(HSDSRecord):
    id: Id
    code: OptText = None
    name: Annotated[str, StringConstraints(min_length=1)]
    description: OptText = None
    parent_id: OptId = None
    taxonomy: OptText = None
    language: OptText = None
    taxonomy_id: OptId = None
    term_uri: OptText = None
    # HSDS 3.1 nests the taxonomy object as `taxonomy_detail`.
    taxonomy_detail: Taxonomy | None = None


class Attribute(HSDSRecord):
    id: Id
    link_id: OptId = None
    taxonomy_term_id: OptId = None
    link_type: OptText = None
    link_entity: OptText = None
    value: Annotated[str | None, BeforeValidator(_text_value)] = None
    label: OptText = None
    taxonomy_term: TaxonomyTerm | None = None

    @model_validator(mode="after")
    def _has_term(self) -> Attribute:
        if self.taxonomy_term is None and not self.taxonomy_term_id:
            raise ValueError("an attribute needs taxonomy_term or taxonomy_term_id")
        if self.taxonomy_term is not None and self.taxonomy_term_id and self.taxonomy_term_id != self.taxonomy_term.id:
            raise ValueError("taxonomy_term_id differs from taxonomy_term.id")
        return self

    @property
    def term_id(self) -> str:
        return self.taxonomy_term.id if self.taxonomy_term is not None else str(self.taxonomy_term_id)


class Unit(HSDSRecord):
    id: Id
    name: Annotated[str, StringConstraints(min_length=1)]
    scheme: OptText = None
    identifier: OptText = None
    uri: OptText = None


class ServiceCapacity(HSDSRecord):
    """A capacity pool, with the profile's `waitlist`, `reserved_for` and `location_id` (CONTRACT §3.4)."""

    id: Id
    service_id: OptId = None
    unit_id: OptId = None
    unit: Unit | None = None
    available: Annotated[float, Field(ge=0), BeforeValidator(_finite)]
    maximum: OptNonNegFloat = None
    description: OptText = None
    updated: datetime
    waitlist: Annotated[
        int, Field(ge=0, le=MAX_INT), BeforeValidator(lambda v: 0 if _empty_to_none(v) is None else v)
    ] = 0
    reserved_for: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=100)]], BeforeValidator(_code_list)
    ] = Field(default_factory=list)
    location_id: OptId = None

    @field_validator("updated")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        # A report without an offset is read as UTC rather than guessed from the server's clock.
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    @model_validator(mode="after")
    def _has_unit(self) -> ServiceCapacity:
        if self.unit is None and not self.unit_id:
            raise ValueError("a capacity needs unit or unit_id")
        if self.unit is not None and self.unit_id and self.unit_id != self.unit.id:
            raise ValueError("unit_id differs from unit.id")
        return self

    @property
    def the_unit_id(self) -> str:
        return self.unit.id if self.unit is not None else str(self.unit_id)


class Location(HSDSRecord):
    id: Id
    location_type: Annotated[str, BeforeValidator(lambda v: _empty_to_none(v) or "physical")] = "physical"
    url: OptText = None
    organization_id: OptId = None
    name: OptText = None
    alternate_name: OptText = None
    description: OptText = None
    transportation: OptText = None
    latitude: OptFloat = None
    longitude: OptFloat = None
    external_identifier: OptText = None
    external_identifier_type: OptText = None
    addresses: list[Address] = Field(default_factory=list)
    phones: list[Phone] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    languages: list[Language] = Field(default_factory=list)


class Organization(HSDSRecord):
    id: Id
    name: Annotated[str, StringConstraints(min_length=1)]
    alternate_name: OptText = None
    description: OptText = None
    email: OptText = None
    website: OptText = None
    tax_status: OptText = None
    tax_id: OptText = None
    year_incorporated: OptFloat = None
    legal_status: OptText = None
    logo: OptText = None
    uri: OptText = None
    parent_organization_id: OptId = None
    phones: list[Phone] = Field(default_factory=list)
    locations: list[Location] = Field(default_factory=list)


class ServiceAtLocation(HSDSRecord):
    id: Id
    service_id: OptId = None
    location_id: OptId = None
    description: OptText = None
    location: Location | None = None
    phones: list[Phone] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    service_areas: list[ServiceArea] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_location(self) -> ServiceAtLocation:
        if self.location is None and not self.location_id:
            raise ValueError("a service_at_location needs location or location_id")
        if self.location is not None and self.location_id and self.location_id != self.location.id:
            raise ValueError("location_id differs from location.id")
        return self

    @property
    def the_location_id(self) -> str:
        return self.location.id if self.location is not None else str(self.location_id)


class Service(HSDSRecord):
    """A full HSDS 3.1 service document: the unit every source is mapped to before it is written."""

    id: Id
    organization_id: OptId = None
    organization: Organization | None = None
    program_id: OptId = None
    name: Annotated[str, StringConstraints(min_length=1)]
    alternate_name: OptText = None
    description: OptText = None
    url: OptText = None
    email: OptText = None
    status: Annotated[str, BeforeValidator(lambda v: _empty_to_none(v) or "active")] = "active"
    interpretation_services: OptText = None
    application_process: OptText = None
    fees_description: OptText = None
    wait_time: OptText = None
    fees: OptText = None
    accreditations: OptText = None
    eligibility_description: OptText = None
    minimum_age: OptNonNegFloat = None
    maximum_age: OptNonNegFloat = None
    assured_date: OptDate = None
    assurer_email: OptText = None
    licenses: OptText = None
    alert: OptText = None
    phones: list[Phone] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    service_areas: list[ServiceArea] = Field(default_factory=list)
    service_at_locations: list[ServiceAtLocation] = Field(default_factory=list)
    languages: list[Language] = Field(default_factory=list)
    attributes: list[Attribute] = Field(default_factory=list)
    capacities: list[ServiceCapacity] = Field(default_factory=list)

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        if value not in SERVICE_STATUSES:
            raise ValueError(f"status must be one of {', '.join(SERVICE_STATUSES)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Service:
        if self.organization is None and not self.organization_id:
            raise ValueError("a service needs organization or organization_id")
        if self.organization is not None and self.organization_id and self.organization_id != self.organization.id:
            raise ValueError("organization_id differs from organization.id")
        if self.minimum_age is not None and self.maximum_age is not None and self.minimum_age > self.maximum_age:
            raise ValueError("minimum_age is greater than maximum_age")
        return self

    @property
    def the_organization_id(self) -> str:
        return self.organization.id if self.organization is not None else str(self.organization_id)
