"""The gap map's query parameters, checked once: each bad one is a 422 that names it.

The time window is widened to whole days in the region's time zone. Gap events are stored by hour
(CONTRACT R8); if planners could move a window one hour at a time they could tell single events apart
by subtraction, so the finest window the map answers for is a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from divert.errors import InvalidInput
from divert.instants import OUT_OF_RANGE, out_of_range
from matcher.vocabulary import INTERCEPTS, NEEDS

DEFAULT_RESOLUTION: Final = 7
MIN_RESOLUTION: Final = 4
MAX_RESOLUTION: Final = 9
# Gap events carry their res-7 cell only (CONTRACT R8): finer maps have supply but no demand.
DEMAND_RESOLUTION: Final = 7
DEFAULT_WINDOW_DAYS: Final = 30
# A planning window longer than this is almost certainly a typo (e.g. year 1026).
MAX_WINDOW_DAYS: Final = 3660
# Rows per page of /v1/gaps. A national map has about a million area × need × intercept rows (650 MB
# of JSON): the default page keeps a response to seconds; `limit` asks for more, up to a full export.
DEFAULT_LIMIT: Final = 10_000
MAX_LIMIT: Final = 2_000_000

FORMATS: Final = ("json", "geojson", "csv")
SIM_FORMATS: Final = ("json", "csv")
AREA_CELLS: Final = "cell"
AREA_NAMED: Final = "named"
AREA_KINDS: Final = (AREA_CELLS, AREA_NAMED)


@dataclass(frozen=True)
class Window:
    """[start, end): whole days in the region's time zone."""

    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return round((self.end - self.start).total_seconds() / 86400)


@dataclass(frozen=True)
class GapQuery:
    needs: tuple[str, ...]
    intercepts: tuple[int, ...]
    window: Window
    area: str  # cell | named
    resolution: int | None  # None for named areas
    format: str
    limit: int | None = None  # rows per page; None: every row (the SIM table judges them all)
    cursor: tuple[int, str, str] | None = None  # (intercept, need, area) of the previous page's last row

    @property
    def has_demand_by_area(self) -> bool:
        return self.area == AREA_NAMED or (self.resolution or 0) <= DEMAND_RESOLUTION


def _problem(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"invalid {field}: {message}", errors=[{"field": field, "message": message}])


def _codes(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def parse_needs(raw: str | None) -> tuple[str, ...]:
    codes = _codes(raw)
    unknown = [c for c in codes if c not in NEEDS]
    if unknown:
        raise _problem("need", f"unknown need {', '.join(map(repr, unknown))}; one of {', '.join(NEEDS)}")
    return tuple(dict.fromkeys(codes)) or tuple(NEEDS)


def parse_intercepts(raw: str | None) -> tuple[int, ...]:
    codes = _codes(raw)
    chosen: list[int] = []
    for code in codes:
        if not code.isdigit() or int(code) not in INTERCEPTS:
            raise _problem("intercept", f"{code!r} is not a Sequential Intercept (0 to 5)")
        chosen.append(int(code))
    return tuple(sorted(set(chosen))) or tuple(INTERCEPTS)


def _instant(field: str, raw: str, zone: ZoneInfo) -> tuple[datetime, bool]:
    """The instant named by an ISO date or date-time, and whether it was a bare date."""
    text = raw.strip()
    try:
        if len(text) == 10:
            day = datetime.combine(date.fromisoformat(text), time(), zone)
            if out_of_range(day):
                raise _problem(field, OUT_OF_RANGE)
            return day, True
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise _problem(field, f"{raw!r} is not an ISO date (2026-11-01) or date-time") from None
    if out_of_range(moment):
        raise _problem(field, OUT_OF_RANGE)
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)), False


def _day_start(moment: datetime, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    return datetime.combine(local.date(), time(), zone)


def parse_window(raw_from: str | None, raw_to: str | None, zone: ZoneInfo, now: datetime) -> Window:
    """`from` is widened to the start of its day, `to` to the end of its day (a bare date is inclusive)."""
    if raw_to:
        moment, bare = _instant("to", raw_to, zone)
        start_of_day = _day_start(moment, zone)
        end = start_of_day + timedelta(days=1) if bare or moment != start_of_day else start_of_day
    else:
        end = _day_start(now, zone) + timedelta(days=1)
    if raw_from:
        start = _day_start(_instant("from", raw_from, zone)[0], zone)
    else:
        start = end - timedelta(days=DEFAULT_WINDOW_DAYS)
    if start >= end:
        raise _problem("from", "must be before `to`")
    if end - start > timedelta(days=MAX_WINDOW_DAYS):
        raise _problem("from", f"the window may span at most {MAX_WINDOW_DAYS} days")
    return Window(start, end)


def parse_resolution(raw: str | None, area: str) -> int | None:
    if area == AREA_NAMED:
        return None
    if raw is None or raw.strip() == "":
        return DEFAULT_RESOLUTION
    text = raw.strip()
    if not text.isdigit() or not MIN_RESOLUTION <= int(text) <= MAX_RESOLUTION:
        raise _problem("resolution", f"must be an H3 resolution from {MIN_RESOLUTION} to {MAX_RESOLUTION}")
    return int(text)


def parse_choice(field: str, raw: str | None, allowed: tuple[str, ...]) -> str:
    value = (raw or allowed[0]).strip().lower()
    if value not in allowed:
        raise _problem(field, f"{raw!r} is not one of {', '.join(allowed)}")
    return value


def parse_limit(raw: str | None) -> int:
    if raw is None or raw.strip() == "":
        return DEFAULT_LIMIT
    text = raw.strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise _problem("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
    return int(text)


def cursor_text(key: tuple[int, str, str]) -> str:
    """The row key a next page starts after, as `intercept:need:area` (rows are ordered that way)."""
    intercept, need, area = key
    return f"{intercept}:{need}:{area}"


def parse_cursor(raw: str | None) -> tuple[int, str, str] | None:
    if raw is None or raw.strip() == "":
        return None
    parts = raw.strip().split(":", 2)
    if (
        len(parts) != 3
        or not parts[0].isdigit()
        or int(parts[0]) not in INTERCEPTS
        or parts[1] not in NEEDS
        or not parts[2]
    ):
        raise _problem("cursor", "not a cursor of this map (use `next_cursor` of the previous page)")
    return int(parts[0]), parts[1], parts[2]


def parse_gap_query(
    *,
    need: str | None,
    intercept: str | None,
    from_: str | None,
    to: str | None,
    resolution: str | None,
    area: str | None,
    format_: str | None,
    formats: tuple[str, ...],
    zone: ZoneInfo,
    now: datetime,
    limit: str | None = None,
    cursor: str | None = None,
    paged: bool = False,
) -> GapQuery:
    area_kind = parse_choice("area", area, AREA_KINDS)
    return GapQuery(
        needs=parse_needs(need),
        intercepts=parse_intercepts(intercept),
        window=parse_window(from_, to, zone, now),
        area=area_kind,
        resolution=parse_resolution(resolution, area_kind),
        format=parse_choice("format", format_, formats),
        limit=parse_limit(limit) if paged else None,
        cursor=parse_cursor(cursor) if paged else None,
    )
