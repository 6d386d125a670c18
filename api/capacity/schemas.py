"""Request and response shapes of the capacity room: reports, pools, history, feeds and holds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from divert.instants import OUT_OF_RANGE, out_of_range

# Largest batch accepted by POST /v1/capacity: big enough for a whole county's pools in one call,
# small enough that one transaction stays short.
MAX_BATCH_ITEMS = 5000
# Hold length bounds (minutes, CONTRACT §2.4): a warm handoff is a drive across town; a unit held
# longer is a unit kept from everyone else for no one who is on the way.
HOLD_MINUTES_DEFAULT = 60
HOLD_MINUTES_MIN = 5
HOLD_MINUTES_MAX = 240
# Feed polling interval bounds (seconds).
FEED_INTERVAL_DEFAULT = 300
FEED_INTERVAL_MIN = 30
FEED_INTERVAL_MAX = 86_400


# PostgreSQL integer columns (waitlist): a bigger number is not a count of people, and must be a 422,
# not a database error.
MAX_PEOPLE = 2_147_483_647
# The earliest `updated` accepted: older dates are not capacity reports (and dates before year 1 in UTC
# could not even be read back).
EARLIEST_REPORT = datetime(1970, 1, 1, tzinfo=UTC)
# A text value may not contain NUL (PostgreSQL text cannot store it); this pattern guards path/query ids.
NO_NUL_PATTERN = r"^[^\x00]+$"


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


SafeText = Annotated[str, AfterValidator(_no_nul)]


def _not_ancient(value: datetime) -> datetime:
    if out_of_range(value):
        raise ValueError(OUT_OF_RANGE)
    if value < EARLIEST_REPORT:
        raise ValueError(f"must not be earlier than {EARLIEST_REPORT.date().isoformat()}")
    return value


def _iso_text_only(value: Any) -> Any:
    """`updated` must be an ISO 8601 string: a bare number could be seconds or milliseconds."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time string with a UTC offset")
    return value


ReportTime = Annotated[AwareDatetime, BeforeValidator(_iso_text_only), AfterValidator(_not_ancient)]
UnitCount = Annotated[float, Field(ge=0, strict=True, allow_inf_nan=False)]
PeopleCount = Annotated[int, Field(ge=0, le=MAX_PEOPLE, strict=True)]


class CapacityReportIn(BaseModel):
    """A provider's report of one pool's state (CONTRACT §2.4). Fields left out keep their stored value."""

    model_config = ConfigDict(extra="ignore")

    available: UnitCount = Field(description="units free now (>= 0)")
    maximum: UnitCount | None = Field(default=None, description="total units; null clears it (unknown)")
    waitlist: PeopleCount | None = Field(default=None, description="people already waiting (>= 0)")
    updated: ReportTime = Field(description="when the provider observed this state, with a UTC offset")

    @model_validator(mode="after")
    def _available_within_maximum(self) -> CapacityReportIn:
        if self.maximum is not None and self.available > self.maximum:
            raise ValueError("available must not exceed maximum")
        return self

    @property
    def sets_maximum(self) -> bool:
        return "maximum" in self.model_fields_set

    @property
    def sets_waitlist(self) -> bool:
        return "waitlist" in self.model_fields_set and self.waitlist is not None


class CapacityBatchItem(CapacityReportIn):
    capacity_id: SafeText = Field(min_length=1)


class CapacityBatchIn(BaseModel):
    """`{"updates": [...]}`: each item is validated on its own, so one bad item fails only itself."""

    updates: list[Any] = Field(
        max_length=MAX_BATCH_ITEMS,
        description="items shaped like the PUT body (CapacityReportIn) plus `capacity_id`",
    )


class FeedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: SafeText = Field(min_length=1, max_length=2000)
    organization_id: SafeText | None = None
    interval_seconds: int = Field(
        default=FEED_INTERVAL_DEFAULT, ge=FEED_INTERVAL_MIN, le=FEED_INTERVAL_MAX, strict=True
    )


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    capacity_id: SafeText = Field(min_length=1)
    program: SafeText | None = Field(default=None, min_length=1)
    minutes: int = Field(default=HOLD_MINUTES_DEFAULT, ge=HOLD_MINUTES_MIN, le=HOLD_MINUTES_MAX, strict=True)


class FieldProblem(BaseModel):
    field: str
    message: str


def field_problems(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    """Pydantic errors as `{field, message}` (the same shape as the API's 422 bodies)."""
    problems = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err.get("loc", ()))
        problems.append(
            {
                "field": prefix + path if path else prefix.rstrip(".") or "item",
                "message": str(err.get("msg", "invalid")).removeprefix("Value error, "),
            }
        )
    return problems


# Answers are declared field for field: a field the service adds without declaring it is an error
# (a 500 in tests), never silently dropped from what clients see.
OUT = ConfigDict(extra="forbid")
# Timestamps are answered as the ISO 8601 text the service wrote (with its offset), declared as such.
Instant = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
# Unit counts are whole numbers when they are whole (2, not 2.0) and may be fractional (slots).
Units = int | float


class CapacityOut(BaseModel):
    """A pool's current state and status, as the capacity API returns it."""

    model_config = OUT
    id: str
    service_id: str
    organization_id: str
    description: str | None
    unit: str
    available: Units
    maximum: Units | None
    waitlist: int
    updated: Instant
    reserved_for: list[str]
    location_id: str | None
    pool: Literal["public", "program"]
    active_holds: int
    open_units: Units
    stale: bool
    fresh_until: Instant
    status: str
    etag: str = Field(description="the pool's ETag as it now stands: send it back as If-Match (CONTRACT §2.4)")


class ReportOut(BaseModel):
    """The answer to one provider report: applied or not (and why), and the pool as it now stands."""

    model_config = OUT
    applied: bool
    capacity: CapacityOut
    etag: str
    reason: str | None = None


class BatchItemOut(BaseModel):
    """One item's outcome in a batch: applied, not applied (and why), or refused (with the error)."""

    model_config = OUT
    index: int
    capacity_id: str | None = None
    status: int
    applied: bool | None = None
    reason: str | None = None
    error: str | None = None
    detail: str | None = None
    errors: list[FieldProblem] | None = None


class BatchOut(BaseModel):
    model_config = OUT
    results: list[BatchItemOut]
    applied: int
    not_applied: int
    rejected: int


class HistoryOut(BaseModel):
    model_config = OUT
    id: int
    capacity_id: str
    available: Units
    maximum: Units | None
    waitlist: int | None
    updated: Instant
    received_at: Instant
    source: str
    applied: bool
    actor: str | None


class FeedOut(BaseModel):
    """A polled feed and its health."""

    model_config = OUT
    id: str
    url: str
    organization_id: str | None
    interval_seconds: int
    created_at: Instant | None
    status: Literal["pending", "failing", "ok"]
    last_polled_at: Instant | None
    last_success_at: Instant | None
    last_error: str | None
    last_error_at: Instant | None
    consecutive_failures: int
    next_poll_at: Instant | None
    last_result: dict[str, Any]


class CapacityTrendPoint(BaseModel):
    """One applied report of a pool, as a trend line draws it."""

    model_config = OUT
    updated: datetime
    available: float
    maximum: float | None


class HoldOut(BaseModel):
    model_config = OUT
    hold_id: str
    capacity_id: str
    program: str | None
    state: str
    created_at: Instant
    expires_at: Instant
    ended_at: Instant | None
    warnings: list[str] = []
