"""The directory's request parameters and bodies: parsed and checked here, so every bad value is a 422
that names its parameter (never a 500), and the queries receive a `DirectoryQuery` they can trust."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Annotated, Any, Final, Literal
from zoneinfo import ZoneInfo

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from api.directory.queries import BBox, DirectoryQuery
from catalog.postcodes import centroid
from catalog.search.field_words import read_query
from divert.errors import InvalidInput
from divert.instants import OUT_OF_RANGE, out_of_range
from matcher.eligibility import Participant
from matcher.model import DEFAULT_RADIUS_KM
from matcher.vocabulary import INTERCEPTS, NEEDS

DEFAULT_PER_PAGE: Final = 50
MAX_PER_PAGE: Final = 500
# A directory radius wider than a region is a national dump; ask for ndjson instead.
MAX_RADIUS_KM: Final = 500.0
MAX_PROXIMITY_M: Final = MAX_RADIUS_KM * 1000
MAX_SEARCH_CHARS: Final = 200
SERVICE_STATUSES: Final = ("active", "inactive", "defunct", "temporarily closed")
FORMATS: Final = ("json", "ndjson")


def invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"invalid {field}: {message}", errors=[{"field": field, "message": message}])


def listed(values: Sequence[str] | None) -> list[str]:
    """Repeated parameters and comma lists alike: `need=shelter&need=food` or `need=shelter,food`."""
    out: list[str] = []
    for v in values or ():
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return list(dict.fromkeys(out))


def finite(field: str, value: float | None, low: float, high: float) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value) or not low <= value <= high:
        raise invalid(field, f"must be a number from {low:g} to {high:g}")
    return value


def instant(field: str, value: str | None, region_timezone: str) -> datetime | None:
    """An ISO 8601 date or date-time; without an offset it is read in the region's time zone."""
    if value is None or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace(" ", "+") if "T" in value else value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text), time(0, 0))
        except ValueError:
            raise invalid(field, "must be an ISO 8601 date or date-time, e.g. 2026-11-22T20:00:00-08:00") from None
    if out_of_range(parsed):
        raise invalid(field, OUT_OF_RANGE)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(region_timezone))
    return parsed


def parse_bbox(value: str | None) -> BBox | None:
    if value is None:
        return None
    parts = value.split(",")
    if len(parts) != 4:
        raise invalid("bbox", "must be minLon,minLat,maxLon,maxLat")
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError:
        raise invalid("bbox", "must be four numbers: minLon,minLat,maxLon,maxLat") from None
    if not all(math.isfinite(x) for x in (min_lon, min_lat, max_lon, max_lat)):
        raise invalid("bbox", "must be four finite numbers")
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180 and -90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise invalid("bbox", "longitudes must be within -180..180 and latitudes within -90..90")
    if min_lon > max_lon or min_lat > max_lat:
        raise invalid("bbox", "min must not exceed max (boxes across the antimeridian are not supported)")
    return BBox(min_lon, min_lat, max_lon, max_lat)


def parse_needs(values: Sequence[str] | None) -> tuple[str, ...]:
    needs = listed(values)
    unknown = [n for n in needs if n not in NEEDS]
    if unknown:
        raise invalid("need", f"unknown need code(s) {', '.join(unknown)}; known: {', '.join(sorted(NEEDS))}")
    return tuple(needs)


def parse_intercepts(values: Sequence[str] | None) -> tuple[int, ...]:
    out = []
    for v in listed(values):
        if not v.isdigit() or int(v) not in INTERCEPTS:
            raise invalid("intercept", f"{v!r} is not an intercept; use 0 to 5")
        out.append(int(v))
    return tuple(out)


def parse_participant(fields: dict[str, Any]) -> Participant | None:
    given = {k: v for k, v in fields.items() if v not in (None, [], ())}
    if not given:
        return None
    if "age" in given:
        finite("age", float(given["age"]), 0, 130)
    if "insurance" in given:
        given["insurance"] = listed(given["insurance"])
    return Participant.from_mapping(given)


class ListParams:
    """`page`, `per_page` and `format`, shared by every list endpoint."""

    def __init__(
        self,
        page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number")] = 1,
        per_page: Annotated[
            int, Query(ge=1, le=MAX_PER_PAGE, description=f"items per page (at most {MAX_PER_PAGE})")
        ] = DEFAULT_PER_PAGE,
        format: Annotated[str, Query(description="`json` (pages) or `ndjson` (every result, streamed)")] = "json",
    ) -> None:
        if format not in FORMATS:
            raise invalid("format", "must be json or ndjson")
        self.page = page
        self.per_page = per_page
        self.format = format


def directory_query(
    *,
    region_timezone: str,
    search: str | None,
    taxonomy_term_id: list[str] | None,
    taxonomy_id: str | None,
    organization_id: str | None,
    modified_after: str | None,
    need: list[str] | None,
    intercept: list[str] | None,
    language: list[str] | None,
    status: str | None,
    lat: float | None,
    lon: float | None,
    radius_km: float | None,
    bbox: str | None,
    postcode: str | None,
    proximity: float | None,
    open_at: str | None,
    participant: dict[str, Any],
) -> DirectoryQuery:
    """Checks the HSDS and diversion parameters together (some only make sense in pairs)."""
    if search is not None and len(search) > MAX_SEARCH_CHARS:
        raise invalid("search", f"at most {MAX_SEARCH_CHARS} characters")
    if status is not None and status not in SERVICE_STATUSES:
        raise invalid("status", f"must be one of {', '.join(SERVICE_STATUSES)}")
    finite("lat", lat, -90, 90)
    finite("lon", lon, -180, 180)
    finite("radius_km", radius_km, 0.001, MAX_RADIUS_KM)
    finite("proximity", proximity, 1, MAX_PROXIMITY_M)
    if (lat is None) != (lon is None):
        raise invalid("lon" if lon is None else "lat", "lat and lon go together")
    if radius_km is not None and lat is None:
        raise invalid("radius_km", "needs lat and lon")
    if proximity is not None and not postcode:
        raise invalid("proximity", "needs postcode (proximity is the radius around its centroid, in meters)")
    if postcode and lat is not None:
        raise invalid("postcode", "give either postcode or lat/lon, not both")

    zip5 = None
    postcode_point = None
    radius_m = None if lat is None else (radius_km if radius_km is not None else DEFAULT_RADIUS_KM) * 1000
    if postcode:
        zip5 = postcode.strip()[:5]
        point = centroid(postcode)
        if not zip5.isdigit() or len(zip5) != 5:
            raise invalid("postcode", "must be a 5-digit US ZIP code")
        if point is None:
            # Said plainly: "nothing found" for a ZIP code nobody has would send a caller away.
            raise invalid("postcode", f"unknown ZIP code {postcode!r}")
        if proximity is not None:
            lat, lon = point
            radius_m = proximity
            zip5 = None  # with proximity the radius decides, not the address
        else:
            postcode_point = point

    query_text = search.strip() if search and search.strip() else None
    # "detox spanish": the language words are the language filter, the rest is what to look for.
    read = read_query(query_text) if query_text else None
    spoken = read.languages if read else ()
    if read is not None and not read.units:
        query_text = None
    return DirectoryQuery(
        search=query_text,
        taxonomy_term_ids=tuple(listed(taxonomy_term_id)),
        taxonomy_id=taxonomy_id or None,
        organization_id=organization_id or None,
        modified_after=instant("modified_after", modified_after, region_timezone),
        needs=parse_needs(need),
        intercepts=parse_intercepts(intercept),
        languages=tuple(dict.fromkeys([*listed(language), *spoken])),
        status=status,
        lat=lat,
        lon=lon,
        radius_m=radius_m,
        bbox=parse_bbox(bbox),
        postcode=zip5,
        postcode_point=postcode_point,
        open_at=instant("open_at", open_at, region_timezone),
        participant=parse_participant(participant),
    )


# ---- bodies --------------------------------------------------------------------------------------


class ReportIn(BaseModel):
    """Someone says a listing is wrong. Anonymous; nothing about the reporter is kept."""

    model_config = ConfigDict(extra="forbid")
    field: str | None = Field(default=None, max_length=100, description="the HSDS field that is wrong, if known")
    message: str = Field(min_length=1, max_length=2000)


class ReportResolution(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["resolved", "rejected"]
    resolution: str | None = Field(default=None, max_length=2000)


class ServicePatch(BaseModel):
    """A curator's correction of a service's own fields (nested objects go through import)."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=500)
    alternate_name: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=20_000)
    url: str | None = Field(default=None, max_length=2000)
    email: str | None = Field(default=None, max_length=500)
    status: Literal["active", "inactive", "defunct", "temporarily closed"] | None = None
    interpretation_services: str | None = Field(default=None, max_length=5000)
    application_process: str | None = Field(default=None, max_length=5000)
    fees_description: str | None = Field(default=None, max_length=5000)
    wait_time: str | None = Field(default=None, max_length=1000)
    fees: str | None = Field(default=None, max_length=5000)
    accreditations: str | None = Field(default=None, max_length=5000)
    eligibility_description: str | None = Field(default=None, max_length=5000)
    minimum_age: float | None = Field(default=None, ge=0, le=130, allow_inf_nan=False)
    maximum_age: float | None = Field(default=None, ge=0, le=130, allow_inf_nan=False)
    assured_date: date | None = None
    assurer_email: str | None = Field(default=None, max_length=500)
    licenses: str | None = Field(default=None, max_length=5000)
    alert: str | None = Field(default=None, max_length=5000)


class ReportOut(BaseModel):
    """A listing report as curators see it (nothing about who sent it)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    service_id: str
    field: str | None
    message: str
    status: Literal["open", "resolved", "rejected"]
    resolution: str | None
    created_at: Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})] | None
    resolved_at: Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})] | None


class PointOut(BaseModel):
    """Where a service at a location is (WGS84), and the number to call there (null when none is listed)."""

    lat: float
    lon: float
    phone: str | None = None


__all__ = [
    "PointOut",
    "ReportOut",
    "DEFAULT_PER_PAGE",
    "ListParams",
    "MAX_PER_PAGE",
    "ReportIn",
    "ReportResolution",
    "ServicePatch",
    "directory_query",
    "invalid",
    "listed",
]
