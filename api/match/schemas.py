"""Request and response shapes of POST /v1/match (CONTRACT §2.2): names exactly as the contract has them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from divert.instants import BoundedDatetime
from matcher.model import DEFAULT_LIMIT, DEFAULT_RADIUS_KM
from matcher.vocabulary import INTERCEPTS, NEEDS

MAX_NEEDS = 10
MAX_RADIUS_KM = 200.0
MAX_LIMIT = 50


class LocationIn(BaseModel):
    """Where the participant is: coordinates, or a US postcode resolved offline to its centroid."""

    model_config = ConfigDict(extra="forbid")

    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)] | None = None
    postcode: Annotated[str, Field(min_length=1, max_length=20)] | None = None

    @model_validator(mode="after")
    def _coordinates_or_postcode(self) -> LocationIn:
        if self.postcode is None and (self.lat is None or self.lon is None):
            raise ValueError("give lat and lon, or postcode")
        if self.postcode is not None and (self.lat is not None or self.lon is not None):
            raise ValueError("give lat and lon, or postcode, not both")
        return self


class ParticipantIn(BaseModel):
    """What the case manager says about the person; every field optional, nothing stored or logged.

    Unknown fields are refused: a misspelt field would silently exclude nothing.
    """

    model_config = ConfigDict(extra="forbid")

    age: Annotated[float, Field(ge=0, le=130, allow_inf_nan=False)] | None = None
    gender: Annotated[str, Field(max_length=64)] | None = None
    active_substance_use: bool | None = None
    on_moud: bool | None = None
    sex_work: bool | None = None
    has_id: bool | None = None
    criminal_record: bool | None = None
    pets: bool | None = None
    languages: Annotated[list[Annotated[str, Field(max_length=35)]], Field(max_length=20)] | None = None
    insurance: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=20)] | None = None


class MatchIn(BaseModel):
    location: LocationIn
    needs: Annotated[list[str], Field(min_length=1, max_length=MAX_NEEDS)]
    radius_km: Annotated[float, Field(gt=0, le=MAX_RADIUS_KM, allow_inf_nan=False)] = DEFAULT_RADIUS_KM
    at: BoundedDatetime | None = None
    program: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    intercept: Annotated[int, Field(ge=min(INTERCEPTS), le=max(INTERCEPTS))] | None = None
    # The deflection pathway the person comes by (CONTRACT §3.3b): ranks up services receiving by it.
    pathway: (
        Literal["self_referral", "active_outreach", "naloxone_plus", "officer_prevention", "officer_intervention"]
        | None
    ) = None
    open_now: bool = False
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT
    participant: ParticipantIn | None = None

    @field_validator("needs")
    @classmethod
    def _known_needs(cls, needs: list[str]) -> list[str]:
        unknown = [n for n in needs if n not in NEEDS]
        if unknown:
            raise ValueError(f"unknown need code(s) {', '.join(map(repr, unknown))}; known: {', '.join(NEEDS)}")
        return list(dict.fromkeys(needs))


class CapacityOut(BaseModel):
    status: str
    pool: str | None = None
    capacity_id: str | None = None
    unit: str | None = None
    open_units: int | float | None = None
    updated: datetime | None = None


class OptionOut(BaseModel):
    service_id: str
    service_at_location_id: str | None
    location_id: str | None
    name: str
    organization: str
    distance_km: float | None
    open_now: bool | None
    capacity: CapacityOut
    score: float
    reasons: list[str]
    warnings: list[str]
    next_open: datetime | None


class GapOut(BaseModel):
    reason: str
    detail: str


class NeedOut(BaseModel):
    need: str
    options: list[OptionOut]
    gap: GapOut | None


class MatchOut(BaseModel):
    at: datetime
    needs: list[NeedOut]
