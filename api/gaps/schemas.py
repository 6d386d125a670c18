"""Declared answers of the gaps room (the OpenAPI document names them for client generators).

The gap map and the SIM table are still serialized by api/gaps/render.py without a model (see
tests/api/test_declared_routes.py); the routes below answer plain JSON that these models check.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

OUT = ConfigDict(extra="forbid", populate_by_name=True)


class ReservedPoolOut(BaseModel):
    """A program-reserved pool at a service whose rules shut out people the program serves."""

    model_config = OUT
    capacity_id: str
    service_id: str
    service: str
    organization: str | None
    description: str | None
    unit: str
    available: int | float
    maximum: int | float | None
    reserved_for: list[str]
    barriers: list[str] = Field(description="eligibility terms: sobriety_required, excludes_moud, "
                                            "excludes_sex_work, religious_participation_required")
    words: str


class ReservedBarriersOut(BaseModel):
    model_config = OUT
    pools: list[ReservedPoolOut]


class HoursAreaOut(BaseModel):
    """A named area (id, name) or a circle (lat, lon, radius_km)."""

    model_config = OUT
    id: str | None = None
    name: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None


class HoursDayOut(BaseModel):
    model_config = OUT
    date: str
    weekday: str


class UncoveredRunOut(BaseModel):
    """Hours in a row when no service of the need is open (local times, no offset)."""

    model_config = OUT
    from_: str = Field(alias="from")
    to: str
    hours: int
    text: str


class HoursNeedOut(BaseModel):
    model_config = OUT
    need: str
    label: str
    services: int
    hours_unknown: int
    open: list[list[int | None]] = Field(description="open[day][hour]: services open in that hour; null for an "
                                                     "hour the clock skips")
    none_open_hours: int
    none_open: list[UncoveredRunOut]


class HoursOut(BaseModel):
    """Services open per hour of a week, per need, in the area's time zone (CONTRACT §2.5)."""

    model_config = OUT
    timezone: str
    area: HoursAreaOut
    from_: str = Field(alias="from")
    days: list[HoursDayOut]
    needs: list[HoursNeedOut]
