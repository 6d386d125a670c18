"""Time-of-day coverage: for each hour of a week, which services are open (the planner's hours grid).

Police make contact at all hours and the field asks for 24/7 access: a need covered 9-5 on weekdays is
absent at 2 a.m. on a Saturday. The week is seven local days from a first day, in the area's time zone,
each cut into its 24 wall-clock hours. An hour is the span from its start to the next hour's start
(both read as wall-clock times, the first of two readings when a clock falls back), so the hour a
clock falls back lasts two real hours and the hour a clock springs forward over does not exist
(`None`, never "nothing open"). A service counts in an hour if any opening of its schedules overlaps
it. Pure: no clock, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from matcher.hours import ScheduleRule, occurs_on, opening_on, rule_zone

DAYS_IN_WEEK = 7
HOURS_IN_DAY = 24


@dataclass(frozen=True)
class HourSpan:
    day: date
    hour: int
    start: datetime  # UTC
    end: datetime  # UTC; equal to start for an hour the clock skips


def week_hours(first_day: date, zone: tzinfo) -> list[HourSpan]:
    """The 7 × 24 wall-clock hours from `first_day`, each as its real [start, end) in UTC."""

    def instant(day: date, hour: int) -> datetime:
        day, hour = day + timedelta(days=hour // HOURS_IN_DAY), hour % HOURS_IN_DAY
        # fold=0: the earlier reading of an ambiguous time; a skipped time reads as the offset before
        # the change, which lands on the same instant as the next hour's start (an empty span).
        return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)

    spans = []
    for d in range(DAYS_IN_WEEK):
        day = first_day + timedelta(days=d)
        for hour in range(HOURS_IN_DAY):
            start, end = instant(day, hour), instant(day, hour + 1)
            spans.append(HourSpan(day, hour, start, max(start, end)))
    return spans


def open_during(rules: Iterable[ScheduleRule], start: datetime, end: datetime, default_tz: tzinfo) -> bool:
    """Any opening of these rules overlaps [start, end) (UTC instants)?"""
    for rule in rules:
        if not rule.says_anything:
            continue
        zone = rule_zone(rule, default_tz)
        first = start.astimezone(zone).date() - timedelta(days=1)  # an overnight opening from the day before
        last = end.astimezone(zone).date()
        day = first
        while day <= last:
            if occurs_on(rule, day):
                opens, closes = opening_on(rule, day, zone)
                if opens < end and closes > start:
                    return True
            day += timedelta(days=1)
    return False


@dataclass(frozen=True)
class NeedHours:
    need: str
    services: int  # services meeting the need in the area
    hours_unknown: int  # of which no schedule says when they are open
    # open[d][h]: services open during that hour; None for an hour the clock skips.
    open: list[list[int | None]]


def need_hours(
    need: str, services: Mapping[str, Sequence[Sequence[ScheduleRule]]], spans: Sequence[HourSpan], zone: tzinfo
) -> NeedHours:
    """The grid of one need. `services`: service id -> the schedules of each of its places in the area;
    a service is open in an hour if it is open at any of its places."""
    grid: list[list[int | None]] = [[0] * HOURS_IN_DAY for _ in range(DAYS_IN_WEEK)]
    unknown = 0
    known = []
    for places in services.values():
        if any(rule.says_anything for rules in places for rule in rules):
            known.append(places)
        else:
            unknown += 1
    for i, span in enumerate(spans):
        d, h = divmod(i, HOURS_IN_DAY)
        if span.end == span.start:
            grid[d][h] = None
            continue
        grid[d][h] = sum(
            1 for places in known if any(open_during(rules, span.start, span.end, zone) for rules in places)
        )
    return NeedHours(need, len(services), unknown, grid)


@dataclass(frozen=True)
class Uncovered:
    """A run of consecutive hours (local wall clock) when no service of a need is open."""

    start_day: date
    start_hour: int
    end_day: date  # the run ends at end_day end_hour:00 (exclusive)
    end_hour: int
    hours: int


def uncovered_runs(grid: Sequence[Sequence[int | None]], first_day: date) -> list[Uncovered]:
    """The hours with nothing open, as runs; a skipped hour neither breaks nor lengthens a run."""
    runs: list[Uncovered] = []
    begin: int | None = None
    length = 0
    flat = [count for day in grid for count in day]
    for i, count in enumerate([*flat, 1]):
        if count is None:
            continue
        if count == 0:
            if begin is None:
                begin, length = i, 0
            length += 1
        elif begin is not None:
            runs.append(
                Uncovered(
                    first_day + timedelta(days=begin // HOURS_IN_DAY),
                    begin % HOURS_IN_DAY,
                    first_day + timedelta(days=i // HOURS_IN_DAY),
                    i % HOURS_IN_DAY,
                    length,
                )
            )
            begin = None
    return runs


__all__ = ["HourSpan", "NeedHours", "Uncovered", "need_hours", "open_during", "uncovered_runs", "week_hours"]
