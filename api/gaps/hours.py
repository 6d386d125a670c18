"""The planner's hours grid (`GET /v1/gaps/hours`, CONTRACT §2.5): for each hour of a week, in the area's
time zone, how many services of each need are open, and the hours when none is.

The area is a loaded named area (`area`) or a circle (`lat`, `lon`, `radius_km`). The week is seven
days from `from` (default: the Monday of the current week). The time zone is the region's
(`DIVERT_TIMEZONE`): named areas carry no zone of their own, and a region spans one. The counting rules
are matcher.coverage's; this module checks the parameters, gathers the schedules and words the answer.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from api.gaps.hours_queries import named_area_name, sites_in_named_area, sites_within
from api.gaps.params import parse_needs
from catalog.candidates import site_schedules
from divert.errors import InvalidInput, NotFound
from matcher.coverage import need_hours, uncovered_runs, week_hours
from matcher.hours import ScheduleRule
from matcher.vocabulary import NEEDS

DEFAULT_RADIUS_KM: Final = 15.0
MAX_RADIUS_KM: Final = 500.0
WEEKDAY_NAMES: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A week more than this far from today is almost certainly a typo (year 1026).
MAX_YEARS_AWAY: Final = 50


def _problem(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"invalid {field}: {message}", errors=[{"field": field, "message": message}])


@dataclass(frozen=True)
class HoursQuery:
    needs: tuple[str, ...]
    first_day: date
    area: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None


def _number(field: str, raw: str | None, low: float, high: float) -> float | None:
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise _problem(field, "must be a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise _problem(field, f"must be between {low:g} and {high:g}")
    return value


def parse_hours_query(
    *,
    need: str | None,
    area: str | None,
    lat: str | None,
    lon: str | None,
    radius_km: str | None,
    from_: str | None,
    today: date,
) -> HoursQuery:
    needs = parse_needs(need)
    la, lo = _number("lat", lat, -90, 90), _number("lon", lon, -180, 180)
    radius = _number("radius_km", radius_km, 0.001, MAX_RADIUS_KM)
    if (la is None) != (lo is None):
        raise _problem("lon" if lo is None else "lat", "lat and lon go together")
    if area and la is not None:
        raise _problem("area", "give either area or lat/lon, not both")
    if not area and la is None:
        raise _problem("area", "give a named area id, or lat and lon (and radius_km)")
    if radius is not None and la is None:
        raise _problem("radius_km", "needs lat and lon")
    if from_:
        try:
            first = date.fromisoformat(from_.strip()[:10])
        except ValueError:
            raise _problem("from", "must be an ISO date (YYYY-MM-DD)") from None
        if abs(first.year - today.year) > MAX_YEARS_AWAY:
            raise _problem("from", f"must be within {MAX_YEARS_AWAY} years of today")
    else:
        first = today - timedelta(days=today.weekday())
    if la is not None:
        return HoursQuery(needs, first, lat=la, lon=lo, radius_km=radius or DEFAULT_RADIUS_KM)
    return HoursQuery(needs, first, area=area)


def _clock(day: date, hour: int) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()][:3]} {day.isoformat()} {hour:02d}:00"


def build_hours(session: Session, query: HoursQuery, timezone: str) -> dict[str, Any]:
    zone = ZoneInfo(timezone)
    if query.area is not None:
        name = named_area_name(session, query.area)
        if name is None:
            raise NotFound(f"no named area {query.area!r}")
        area: dict[str, Any] = {"id": query.area, "name": name}
        sites = sites_in_named_area(session, query.needs, query.area)
    else:
        assert query.lat is not None and query.lon is not None and query.radius_km is not None
        area = {"lat": query.lat, "lon": query.lon, "radius_km": query.radius_km}
        sites = sites_within(session, query.needs, query.lat, query.lon, query.radius_km)
    by_need: dict[str, dict[str, list[tuple[ScheduleRule, ...]]]] = defaultdict(lambda: defaultdict(list))
    for row in sites:
        rules = site_schedules(row.schedules, row.service_id, row.service_at_location_id, row.location_id)
        by_need[row.need][row.service_id].append(rules)
    spans = week_hours(query.first_day, zone)
    days = [query.first_day + timedelta(days=d) for d in range(7)]
    needs = []
    for need in query.needs:
        grid = need_hours(need, by_need.get(need, {}), spans, zone)
        runs = uncovered_runs(grid.open, query.first_day)
        needs.append(
            {
                "need": need,
                "label": NEEDS[need],
                "services": grid.services,
                "hours_unknown": grid.hours_unknown,
                "open": grid.open,
                "none_open_hours": sum(r.hours for r in runs),
                "none_open": [
                    {
                        "from": datetime.combine(r.start_day, datetime.min.time())
                        .replace(hour=r.start_hour)
                        .isoformat(),
                        "to": datetime.combine(r.end_day, datetime.min.time()).replace(hour=r.end_hour).isoformat(),
                        "hours": r.hours,
                        "text": f"{_clock(r.start_day, r.start_hour)} to {_clock(r.end_day, r.end_hour)}",
                    }
                    for r in runs
                ],
            }
        )
    return {
        "timezone": timezone,
        "area": area,
        "from": query.first_day.isoformat(),
        "days": [{"date": d.isoformat(), "weekday": WEEKDAY_NAMES[d.weekday()]} for d in days],
        "needs": needs,
    }


__all__ = ["HoursQuery", "build_hours", "parse_hours_query"]
