"""Which days a schedule opens on, checked against a calendar written out by hand.

Each row is one HSDS schedule (RFC 5545 fields) and the days of November and December 2026 it opens
on, read off a wall calendar (1 November 2026 is a Sunday; November has 30 days, December 31), never
asked of matcher/hours.py. The rows cover each recurrence branch: ordinals from the start and the end
of the month, negative month days, intervals counted from DTSTART (with WKST), COUNT, UNTIL,
validity windows, rules without FREQ, and frequencies the matcher does not know.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest

from matcher.hours import ScheduleRule, occurs_on

NOV, DEC = 11, 12
FIRST, LAST = date(2026, 11, 1), date(2026, 12, 31)


def days(*pairs: tuple[int, list[int]]) -> set[date]:
    return {date(2026, month, d) for month, ds in pairs for d in ds}


# Weekdays of the two months, from the calendar.
SUNDAYS = days((NOV, [1, 8, 15, 22, 29]), (DEC, [6, 13, 20, 27]))
SATURDAYS = days((NOV, [7, 14, 21, 28]), (DEC, [5, 12, 19, 26]))
TUESDAYS = days((NOV, [3, 10, 17, 24]), (DEC, [1, 8, 15, 22, 29]))
WEDNESDAYS = days((NOV, [4, 11, 18, 25]), (DEC, [2, 9, 16, 23, 30]))

ROWS: list[tuple[str, dict[str, Any], set[date]]] = [
    ("second Tuesday", {"freq": "MONTHLY", "byday": "2TU"}, days((NOV, [10]), (DEC, [8]))),
    ("second Tuesday, plus sign", {"freq": "MONTHLY", "byday": "+2TU"}, days((NOV, [10]), (DEC, [8]))),
    ("last Friday", {"freq": "MONTHLY", "byday": "-1FR"}, days((NOV, [27]), (DEC, [25]))),
    ("second-to-last Thursday", {"freq": "MONTHLY", "byday": "-2TH"}, days((NOV, [19]), (DEC, [24]))),
    ("first and last Monday", {"freq": "MONTHLY", "byday": "1MO,-1MO"}, days((NOV, [2, 30]), (DEC, [7, 28]))),
    ("fifth Sunday", {"freq": "MONTHLY", "byday": "5SU"}, days((NOV, [29]))),
    ("every Tuesday of the month", {"freq": "MONTHLY", "byday": "TU"}, TUESDAYS),
    ("unknown day codes are dropped", {"freq": "MONTHLY", "byday": "XX,2TU"}, days((NOV, [10]), (DEC, [8]))),
    ("last day of the month", {"freq": "MONTHLY", "bymonthday": "-1"}, days((NOV, [30]), (DEC, [31]))),
    ("second-to-last day", {"freq": "MONTHLY", "bymonthday": "-2"}, days((NOV, [29]), (DEC, [30]))),
    ("1st and 15th", {"freq": "MONTHLY", "bymonthday": "1,15"}, days((NOV, [1, 15]), (DEC, [1, 15]))),
    ("the 31st skips November", {"freq": "MONTHLY", "bymonthday": "31"}, days((DEC, [31]))),
    (
        "second Tuesday within days 8-14",
        {"freq": "MONTHLY", "byday": "2TU", "bymonthday": "8,9,10,11,12,13,14"},
        days((NOV, [10]), (DEC, [8])),
    ),
    ("Tuesday that is a 1st", {"freq": "MONTHLY", "byday": "TU", "bymonthday": "1"}, days((DEC, [1]))),
    ("monthly on DTSTART's day", {"freq": "MONTHLY", "dtstart": date(2026, 10, 31)}, days((DEC, [31]))),
    (
        "every other month from October",
        {"freq": "MONTHLY", "interval": 2, "dtstart": date(2026, 10, 15)},
        days((DEC, [15])),
    ),
    (
        "every other month, last Friday",
        {"freq": "MONTHLY", "interval": 2, "byday": "-1FR", "dtstart": date(2026, 9, 1)},
        days((NOV, [27])),
    ),
    ("no FREQ, ordinal: monthly", {"byday": "-1FR"}, days((NOV, [27]), (DEC, [25]))),
    ("no FREQ, month day: monthly", {"bymonthday": "15"}, days((NOV, [15]), (DEC, [15]))),
    ("no FREQ, plain days: weekly", {"byday": "SA,SU"}, SATURDAYS | SUNDAYS),
    ("weekly, ordinals mean only the weekday", {"freq": "WEEKLY", "byday": "2TU"}, TUESDAYS),
    ("weekly on DTSTART's weekday", {"freq": "WEEKLY", "dtstart": date(2026, 11, 4)}, WEDNESDAYS),
    (
        "every other Tuesday",
        {"freq": "WEEKLY", "interval": 2, "byday": "TU", "dtstart": date(2026, 11, 3)},
        days((NOV, [3, 17]), (DEC, [1, 15, 29])),
    ),
    # RFC 5545's own WKST example: the same rule, weeks starting Monday or Sunday.
    (
        "every other week SU,MO, WKST=MO",
        {"freq": "WEEKLY", "interval": 2, "byday": "SU,MO", "dtstart": date(2026, 11, 1)},
        days((NOV, [1, 9, 15, 23, 29]), (DEC, [7, 13, 21, 27])),
    ),
    (
        "every other week SU,MO, WKST=SU",
        {"freq": "WEEKLY", "interval": 2, "byday": "SU,MO", "wkst": "SU", "dtstart": date(2026, 11, 1)},
        days((NOV, [1, 2, 15, 16, 29, 30]), (DEC, [13, 14, 27, 28])),
    ),
    (
        "every other week MO,SA from a Monday",
        {"freq": "WEEKLY", "interval": 2, "byday": "MO,SA", "dtstart": date(2026, 11, 2)},
        days((NOV, [2, 7, 16, 21, 30]), (DEC, [5, 14, 19, 28])),
    ),
    (
        "every other week WE,TH, WKST=TH",
        {"freq": "WEEKLY", "interval": 2, "byday": "WE,TH", "wkst": "TH", "dtstart": date(2026, 11, 4)},
        days((NOV, [4, 12, 18, 26]), (DEC, [2, 10, 16, 24, 30])),
    ),
    (
        "unknown WKST reads as Monday",
        {"freq": "WEEKLY", "interval": 2, "byday": "MO,SA", "wkst": "XX", "dtstart": date(2026, 11, 2)},
        days((NOV, [2, 7, 16, 21, 30]), (DEC, [5, 14, 19, 28])),
    ),
    (
        "WKST written out in lower case",
        {"freq": "WEEKLY", "interval": 2, "byday": "SU,MO", "wkst": "sunday", "dtstart": date(2026, 11, 1)},
        days((NOV, [1, 2, 15, 16, 29, 30]), (DEC, [13, 14, 27, 28])),
    ),
    (
        "weekly from valid_from, no day named: every day",
        {"freq": "WEEKLY", "valid_from": date(2026, 12, 20)},
        {date(2026, 12, d) for d in range(20, 32)},
    ),
    ("hours only, DTSTART: weekly on its weekday", {"opens_at": time(9), "dtstart": date(2026, 11, 4)}, WEDNESDAYS),
    (
        "every seventh month, across a year",
        {"freq": "MONTHLY", "interval": 7, "dtstart": date(2025, 2, 20)},
        days((NOV, [20])),
    ),
    (
        "every other day",
        {"freq": "DAILY", "interval": 2, "dtstart": date(2026, 11, 2)},
        {date(2026, 11, 2) + timedelta(days=k) for k in range(0, 59, 2)},
    ),
    (
        "every other week from valid_from",
        {"freq": "WEEKLY", "interval": 2, "byday": "WE", "valid_from": date(2026, 11, 4)},
        days((NOV, [4, 18]), (DEC, [2, 16, 30])),
    ),
    (
        "every third day",
        {"freq": "DAILY", "interval": 3, "dtstart": date(2026, 11, 1)},
        {FIRST + timedelta(days=k) for k in range(0, 61, 3)},
    ),
    ("daily on weekends", {"freq": "DAILY", "byday": "SA,SU"}, SATURDAYS | SUNDAYS),
    ("daily on the last day", {"freq": "DAILY", "bymonthday": "-1"}, days((NOV, [30]), (DEC, [31]))),
    ("yearly on DTSTART's date", {"freq": "YEARLY", "dtstart": date(2025, 12, 25)}, days((DEC, [25]))),
    ("every other year", {"freq": "YEARLY", "interval": 2, "dtstart": date(2024, 11, 22)}, days((NOV, [22]))),
    ("not in the odd years", {"freq": "YEARLY", "interval": 2, "dtstart": date(2025, 11, 22)}, set()),
    ("yearly on month days", {"freq": "YEARLY", "bymonthday": "1"}, days((NOV, [1]), (DEC, [1]))),
    (
        "yearly on Sundays, DTSTART's date",
        {"freq": "YEARLY", "byday": "SU", "dtstart": date(2025, 11, 22)},
        days((NOV, [22])),
    ),
    (
        "three Mondays (COUNT)",
        {"freq": "WEEKLY", "byday": "MO", "count": 3, "dtstart": date(2026, 11, 2)},
        days((NOV, [2, 9, 16])),
    ),
    ("COUNT 0 opens never", {"freq": "WEEKLY", "byday": "MO", "count": 0, "dtstart": date(2026, 11, 2)}, set()),
    (
        "Fridays UNTIL the 20th",
        {"freq": "WEEKLY", "byday": "FR", "until": date(2026, 11, 20), "dtstart": date(2026, 11, 1)},
        days((NOV, [6, 13, 20])),
    ),
    (
        "Wednesdays from 1 December",
        {"freq": "WEEKLY", "byday": "WE", "valid_from": date(2026, 12, 1)},
        days((DEC, [2, 9, 16, 23, 30])),
    ),
    (
        "Wednesdays to 11 November",
        {"freq": "WEEKLY", "byday": "WE", "valid_to": date(2026, 11, 11)},
        days((NOV, [4, 11])),
    ),
    ("an unknown FREQ never opens", {"freq": "HOURLY", "byday": "MO"}, set()),
]


@pytest.mark.parametrize(("why", "fields", "expected"), ROWS, ids=[r[0] for r in ROWS])
def test_the_days_a_schedule_opens_on(why: str, fields: dict[str, Any], expected: set[date]) -> None:
    rule = ScheduleRule(**fields)
    got = {
        FIRST + timedelta(days=k) for k in range((LAST - FIRST).days + 1) if occurs_on(rule, FIRST + timedelta(days=k))
    }
    assert sorted(got) == sorted(expected), why


def test_the_hand_written_weekdays_agree_with_the_calendar() -> None:
    """The oracle's own check: the weekday sets above are the ones Python's calendar gives."""
    every = [FIRST + timedelta(days=k) for k in range(61)]
    assert {d for d in every if d.weekday() == 6} == SUNDAYS
    assert {d for d in every if d.weekday() == 5} == SATURDAYS
    assert {d for d in every if d.weekday() == 1} == TUESDAYS
    assert {d for d in every if d.weekday() == 2} == WEDNESDAYS
