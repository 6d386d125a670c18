"""Declared answers of the gaps room (the OpenAPI document names them for client generators).

The gap map and the SIM table run to many thousands of rows: api/gaps/render.py writes them with orjson
directly, and the routes declare `GapMapOut` / `SimTableOut` in the OpenAPI document; a test validates
real answers against them (tests/gaps/test_gap_declared_answers.py). The smaller routes answer through
their models.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

OUT = ConfigDict(extra="forbid", populate_by_name=True)

Status = Literal["absent", "lacks_capacity", "barriers_only", "sufficient"]
Number = int | float  # whole unit counts are written as integers


class UnitCountsOut(BaseModel):
    model_config = OUT
    total: Number
    available: Number = Field(description="as reported")
    open: Number = Field(description="offerable now: fresh, minus wait list (public) and active holds")


class UnitsOut(BaseModel):
    model_config = OUT
    public: UnitCountsOut
    program: UnitCountsOut
    barrier_free_open: Number = Field(
        description="open units of pools at services with no harm-reduction barrier (public and program)"
    )


class SupplyOut(BaseModel):
    """Supply of an area (or the whole region, in the SIM table) for one need and intercept."""

    model_config = OUT
    services: int
    low_barrier_services: int
    untracked_services: int
    barrier_services: int = Field(
        description="services that require sobriety, exclude people on MOUD or who "
        "do sex work, or require religious participation"
    )
    barrier_free_untracked_services: int
    pools: int
    fresh_pools: int
    freshness: float | None
    units: UnitsOut


class ReachOut(BaseModel):
    """What a person in the area can reach: the cell and its first ring, plus covering service areas."""

    model_config = OUT
    services: int
    area_services: int
    open_units: Number
    untracked_services: int
    barrier_free_open_units: Number
    barrier_free_untracked_services: int


class DemandOut(BaseModel):
    model_config = OUT
    total: int
    by_reason: dict[str, int] = Field(description="gap events by reason (CONTRACT R7, and unconfirmed_only)")


class WindowOut(BaseModel):
    model_config = OUT
    from_: str = Field(alias="from")
    to: str
    days: int


class GapRowOut(BaseModel):
    model_config = OUT
    area_id: str
    area_name: str | None
    area_kind: str | None
    need: str
    intercept: int
    status: Status
    supply: SupplyOut
    reach: ReachOut
    demand: DemandOut | None = Field(description="null where demand is not known (resolutions 8-9)")


class GapMapOut(BaseModel):
    """One page of the gap map (`format=json`; `geojson` carries the same rows as Feature properties)."""

    model_config = OUT
    area: str
    resolution: int | None
    window: WindowOut
    at: str
    needs: list[str]
    intercepts: list[int]
    demand_by_area: bool
    unplaced_events: int
    total_rows: int
    limit: int | None
    next_cursor: str | None
    rows: list[GapRowOut]


class AreaCountsOut(BaseModel):
    model_config = OUT
    absent: int
    lacks_capacity: int
    barriers_only: int
    sufficient: int


class SimNeedOut(BaseModel):
    model_config = OUT
    need: str
    need_name: str
    status: Status
    areas: AreaCountsOut
    supply: SupplyOut
    demand: DemandOut
    referred: int | str = Field(description='referrals sent in the window; 1-4 shown as "<5"')
    enrolled: int | str
    summary: str


class SimInterceptOut(BaseModel):
    model_config = OUT
    intercept: int
    name: str
    needs: list[SimNeedOut]


class PathwayDemandOut(BaseModel):
    model_config = OUT
    total: int
    by_reason: dict[str, int]


class PathwayRowOut(BaseModel):
    """Intercepts 0–1 split by deflection pathway (`by=pathway`): one row per intercept × pathway × need."""

    model_config = OUT
    intercept: int
    pathway: str
    pathway_name: str
    need: str
    need_name: str
    status: str
    services: int
    demand: PathwayDemandOut


class SimTableOut(BaseModel):
    """The Sequential Intercept Model table (`format=json`)."""

    model_config = OUT
    area: str
    resolution: int | None
    window: WindowOut
    at: str
    needs: list[str]
    intercepts: list[SimInterceptOut]
    demand_by_area: bool
    unplaced_events: int
    top_gaps: list[str]
    pathways: list[PathwayRowOut] | None = Field(default=None, description="only with `by=pathway`")


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
    barriers: list[str] = Field(
        description="eligibility terms: sobriety_required, excludes_moud, "
        "excludes_sex_work, religious_participation_required"
    )
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
    open: list[list[int | None]] = Field(
        description="open[day][hour]: services open in that hour; null for an hour the clock skips"
    )
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
