"""Opening hours: HSDS 3.1 schedules (RFC 5545 recurrence fields) evaluated at an instant.

`is_open(schedules, at, default_tz)` answers True / False, or None when no schedule says anything
(hours unknown: the matcher warns instead of guessing). Time is a parameter; nothing here reads a
clock. An opening belongs to the day it starts on: a shelter open Friday 20:00-08:00 is open at
Saturday 03:00 because Friday's opening runs past midnight, even if it is not open on Saturdays.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

WEEKDAYS: Final[dict[str, int]] = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
# Counting occurrences for COUNT walks day by day from dtstart; past this many days the rule is
# judged on its other fields only (a schedule with COUNT that far back is a data error, not hours).
MAX_COUNT_WALK_DAYS: Final = 3660


@dataclass(frozen=True)
class ScheduleRule:
    """One HSDS `schedule` row as the hours rules see it (column names as in HSDS 3.1)."""

    freq: str | None = None  # DAILY | WEEKLY | MONTHLY | YEARLY
    interval: int | None = None
    byday: str | None = None  # "MO,WE" or with ordinals for MONTHLY: "2TU", "-1FR"
    bymonthday: str | None = None  # "1,15,-1"
    opens_at: time | None = None
    closes_at: time | None = None
    # The UTC offset written with the times ("09:00-08:00"), in minutes; None = region time zone.
    time_offset_minutes: int | None = None
    # HSDS `timezone`: the UTC offset in hours all dates are expressed in; used when no offset above.
    timezone: float | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    dtstart: date | None = None
    until: date | None = None
    count: int | None = None
    wkst: str | None = None

    @property
    def says_anything(self) -> bool:
        """A rule with neither recurrence nor hours (a description only) cannot tell open from closed."""
        return any(
            v is not None and v != "" for v in (self.freq, self.byday, self.bymonthday, self.opens_at, self.closes_at)
        )


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    return ZoneInfo(name)


def rule_zone(rule: ScheduleRule, default_tz: tzinfo) -> tzinfo:
    """The zone a rule's times are read in: its written offset, its HSDS `timezone`, else the region's."""
    if rule.time_offset_minutes is not None:
        return timezone(timedelta(minutes=rule.time_offset_minutes))
    if rule.timezone is not None:
        return timezone(timedelta(hours=rule.timezone))
    return default_tz


def _split(value: str | None) -> list[str]:
    return [p.strip().upper() for p in (value or "").split(",") if p.strip()]


# A region has a few dozen distinct byday/bymonthday strings; each request reads hundreds of rules.
@lru_cache(maxsize=4096)
def _byday(value: str | None) -> tuple[tuple[int | None, int], ...]:
    """ "2TU,-1FR,SA" -> ((2, 1), (-1, 4), (None, 5)); unknown codes are dropped."""
    out: list[tuple[int | None, int]] = []
    for part in _split(value):
        code, prefix = part[-2:], part[:-2]
        if code not in WEEKDAYS:
            continue
        try:
            ordinal = int(prefix) if prefix not in ("", "+") else None
        except ValueError:
            continue
        out.append((ordinal, WEEKDAYS[code]))
    return tuple(out)


@lru_cache(maxsize=4096)
def _bymonthday(value: str | None) -> tuple[int, ...]:
    out: list[int] = []
    for part in _split(value):
        try:
            n = int(part)
        except ValueError:
            continue
        if n != 0 and -31 <= n <= 31:
            out.append(n)
    return tuple(out)


def _nth_weekday_matches(day: date, ordinal: int, weekday: int) -> bool:
    """Is `day` the ordinal-th (negative: from the end) `weekday` of its month?"""
    if day.weekday() != weekday:
        return False
    if ordinal > 0:
        return (day.day - 1) // 7 + 1 == ordinal
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    return (days_in_month - day.day) // 7 + 1 == -ordinal


def _monthday_matches(day: date, monthday: int) -> bool:
    if monthday > 0:
        return day.day == monthday
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    return day.day == days_in_month + monthday + 1


def _week_start(day: date, wkst: int) -> date:
    return day - timedelta(days=(day.weekday() - wkst) % 7)


def _pattern_matches(rule: ScheduleRule, day: date) -> bool:
    """Does the recurrence pattern (freq, interval, byday, bymonthday) include this day?"""
    freq = (rule.freq or "").upper()
    byday = _byday(rule.byday)
    monthdays = _bymonthday(rule.bymonthday)
    if not freq:
        # HSDS data often gives byday or bymonthday with no freq; read them as they are meant.
        freq = "MONTHLY" if monthdays or any(o is not None for o, _ in byday) else "WEEKLY"
    interval = rule.interval if rule.interval and rule.interval > 1 else 1
    anchor = rule.dtstart or rule.valid_from

    if freq == "DAILY":
        if interval > 1 and anchor is not None and (day - anchor).days % interval:
            return False
        if byday and day.weekday() not in {wd for _, wd in byday}:
            return False
        return not monthdays or any(_monthday_matches(day, m) for m in monthdays)

    if freq == "WEEKLY":
        if interval > 1 and anchor is not None:
            wkst = WEEKDAYS.get((rule.wkst or "MO").upper()[:2], 0)
            weeks = (_week_start(day, wkst) - _week_start(anchor, wkst)).days // 7
            if weeks % interval:
                return False
        if byday:
            # Ordinals mean nothing in a weekly rule; the weekday still does.
            return day.weekday() in {wd for _, wd in byday}
        return anchor is None or rule.dtstart is None or day.weekday() == rule.dtstart.weekday()

    if freq == "MONTHLY":
        if interval > 1 and anchor is not None:
            months = (day.year - anchor.year) * 12 + day.month - anchor.month
            if months % interval:
                return False
        if monthdays and not any(_monthday_matches(day, m) for m in monthdays):
            return False
        if byday:
            return any(day.weekday() == wd if o is None else _nth_weekday_matches(day, o, wd) for o, wd in byday)
        if monthdays:
            return True
        return rule.dtstart is None or day.day == rule.dtstart.day

    if freq == "YEARLY":
        if interval > 1 and anchor is not None and (day.year - anchor.year) % interval:
            return False
        if byday and day.weekday() not in {wd for _, wd in byday}:
            return False
        if monthdays:
            return any(_monthday_matches(day, m) for m in monthdays)
        return rule.dtstart is None or (day.month, day.day) == (rule.dtstart.month, rule.dtstart.day)

    return False  # an unknown freq (HOURLY, typos) never invents an opening


def occurs_on(rule: ScheduleRule, day: date) -> bool:
    """Does this rule open on `day` (a date in the rule's own time zone)?"""
    if rule.valid_from is not None and day < rule.valid_from:
        return False
    if rule.valid_to is not None and day > rule.valid_to:
        return False
    if rule.dtstart is not None and day < rule.dtstart:
        return False
    if rule.until is not None and day > rule.until:
        return False
    if not _pattern_matches(rule, day):
        return False
    if rule.count is not None and rule.dtstart is not None:
        if rule.count <= 0:
            return False
        span = (day - rule.dtstart).days
        if span <= MAX_COUNT_WALK_DAYS:
            seen = sum(1 for i in range(span) if _pattern_matches(rule, rule.dtstart + timedelta(days=i)))
            return seen < rule.count
    return True


def opening_on(rule: ScheduleRule, day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The [opens, closes) instants (UTC) of this rule's opening that starts on `day`.

    Closing at or before opening means the opening runs past midnight into the next day; equal
    times (00:00-00:00) mean open around the clock. A missing time is the day's edge.
    """
    opens_t = rule.opens_at or time(0, 0)
    opens = datetime.combine(day, opens_t.replace(tzinfo=None), tzinfo=zone)
    if rule.closes_at is None:
        closes = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone)
    else:
        closes_t = rule.closes_at.replace(tzinfo=None)
        closes_day = day if closes_t > opens_t.replace(tzinfo=None) else day + timedelta(days=1)
        closes = datetime.combine(closes_day, closes_t, tzinfo=zone)
    # Compared in UTC: aware datetimes sharing one ZoneInfo compare by wall clock, which is wrong
    # across a DST change inside an overnight opening.
    return opens.astimezone(UTC), closes.astimezone(UTC)


def rule_is_open(rule: ScheduleRule, at: datetime, default_tz: tzinfo) -> bool:
    zone = rule_zone(rule, default_tz)
    instant = at.astimezone(UTC)
    local_day = at.astimezone(zone).date()
    # An opening that began yesterday may still run (overnight hours).
    for day in (local_day, local_day - timedelta(days=1)):
        if occurs_on(rule, day):
            opens, closes = opening_on(rule, day, zone)
            if opens <= instant < closes:
                return True
    return False


def is_open(schedules: Iterable[ScheduleRule], at: datetime, default_tz: str | tzinfo) -> bool | None:
    """Open at `at` under any of these schedules? None when no schedule says anything (unknown).

    `at` must be timezone-aware; `default_tz` (an IANA name such as "America/Los_Angeles", or a
    tzinfo) is how times written without an offset are read.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")
    zone = _zone(default_tz) if isinstance(default_tz, str) else default_tz
    usable = [r for r in schedules if r.says_anything]
    if not usable:
        return None
    return any(rule_is_open(r, at, zone) for r in usable)


# How far ahead next_open looks: a year covers every monthly and yearly rule once.
NEXT_OPEN_HORIZON_DAYS: Final = 370


def _first_opening(rule: ScheduleRule, at: datetime, zone: tzinfo) -> datetime | None:
    """The start of this rule's first opening at or after `at`, in the rule's zone."""
    instant = at.astimezone(UTC)
    first_day = at.astimezone(zone).date()
    for offset in range(NEXT_OPEN_HORIZON_DAYS):
        day = first_day + timedelta(days=offset)
        if occurs_on(rule, day):
            opens, _ = opening_on(rule, day, zone)
            if opens >= instant:
                return opens.astimezone(zone)
    return None


def next_open(schedules: Iterable[ScheduleRule], at: datetime, default_tz: str | tzinfo) -> datetime | None:
    """The next instant at or after `at` when any of these schedules opens: `at` itself when open
    now, None when no schedule says anything (or none opens within a year).

    The answer is written in the zone of the rule that opens (the service's own zone, or the region's
    for times given without an offset), so "opens Mon 09:00" reads as the door says it, on either
    side of a DST change: openings are computed as wall-clock times of their own day.
    """
    opened = is_open(schedules, at, default_tz)
    if opened is None:
        return None
    if opened:
        return at
    zone = _zone(default_tz) if isinstance(default_tz, str) else default_tz
    found = [t for r in schedules if r.says_anything if (t := _first_opening(r, at, rule_zone(r, zone))) is not None]
    return min(found, key=lambda t: t.astimezone(UTC)) if found else None


__all__ = ["ScheduleRule", "is_open", "next_open", "occurs_on", "opening_on", "rule_is_open", "rule_zone", "WEEKDAYS"]
