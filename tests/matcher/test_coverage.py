"""matcher.coverage (the planner's hours grid, docs/gaps.md "Hours") without a database: the week's
wall-clock hours as real spans across both clock changes, which openings overlap an hour, the grid of
a need and its runs of hours with nothing open. Every expected value is written out by hand from the
docs (and a calendar), never computed by matcher code."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from matcher.coverage import HourSpan, Uncovered, need_hours, open_during, uncovered_runs, week_hours
from matcher.hours import ScheduleRule

LA = ZoneInfo("America/Los_Angeles")
MONDAY = date(2026, 12, 7)  # a Monday; no clock change in December


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def weekly(byday: str, opens: time, closes: time, **kw: object) -> ScheduleRule:
    return ScheduleRule(freq="WEEKLY", byday=byday, opens_at=opens, closes_at=closes, **kw)  # type: ignore[arg-type]


# --- week_hours ---------------------------------------------------------------------------------------


def test_a_plain_week_in_utc_is_168_one_hour_spans_in_order() -> None:
    spans = week_hours(MONDAY, UTC)
    assert len(spans) == 168
    assert spans[0] == HourSpan(date(2026, 12, 7), 0, utc(2026, 12, 7, 0), utc(2026, 12, 7, 1))
    assert spans[23] == HourSpan(date(2026, 12, 7), 23, utc(2026, 12, 7, 23), utc(2026, 12, 8, 0))
    assert spans[24] == HourSpan(date(2026, 12, 8), 0, utc(2026, 12, 8, 0), utc(2026, 12, 8, 1))
    assert spans[-1] == HourSpan(date(2026, 12, 13), 23, utc(2026, 12, 13, 23), utc(2026, 12, 14, 0))


def test_the_hour_the_clock_falls_back_lasts_two_real_hours() -> None:
    # Sunday 1 November 2026, 02:00 PDT becomes 01:00 PST: 01:00 is read first as PDT (UTC-7).
    spans = week_hours(date(2026, 11, 1), LA)
    assert spans[0] == HourSpan(date(2026, 11, 1), 0, utc(2026, 11, 1, 7), utc(2026, 11, 1, 8))
    assert spans[1] == HourSpan(date(2026, 11, 1), 1, utc(2026, 11, 1, 8), utc(2026, 11, 1, 10))
    assert spans[2] == HourSpan(date(2026, 11, 1), 2, utc(2026, 11, 1, 10), utc(2026, 11, 1, 11))
    # Saturday 7 November 23:00 PST to Sunday 00:00 PST.
    assert spans[-1] == HourSpan(date(2026, 11, 7), 23, utc(2026, 11, 8, 7), utc(2026, 11, 8, 8))


def test_the_hour_the_clock_springs_over_is_empty() -> None:
    # Sunday 8 March 2026, 02:00 PST becomes 03:00 PDT: there is no 02:00-03:00.
    spans = week_hours(date(2026, 3, 8), LA)
    assert spans[1] == HourSpan(date(2026, 3, 8), 1, utc(2026, 3, 8, 9), utc(2026, 3, 8, 10))
    assert spans[2] == HourSpan(date(2026, 3, 8), 2, utc(2026, 3, 8, 10), utc(2026, 3, 8, 10))
    assert spans[3] == HourSpan(date(2026, 3, 8), 3, utc(2026, 3, 8, 10), utc(2026, 3, 8, 11))


# --- open_during --------------------------------------------------------------------------------------


def test_an_opening_counts_in_an_hour_it_overlaps_and_edges_do_not_overlap() -> None:
    clinic = [weekly("MO", time(9), time(17))]  # Monday 7 December 09:00-17:00 UTC
    assert open_during(clinic, utc(2026, 12, 7, 9), utc(2026, 12, 7, 10), UTC)
    assert open_during(clinic, utc(2026, 12, 7, 16), utc(2026, 12, 7, 17), UTC)
    assert not open_during(clinic, utc(2026, 12, 7, 8), utc(2026, 12, 7, 9), UTC)  # ends as it opens
    assert not open_during(clinic, utc(2026, 12, 7, 17), utc(2026, 12, 7, 18), UTC)  # starts as it closes
    assert not open_during(clinic, utc(2026, 12, 8, 9), utc(2026, 12, 8, 10), UTC)  # Tuesday
    # 12:30-13:15 counts in 12 and in 13 (docs/gaps.md).
    lunch = [weekly("MO", time(12, 30), time(13, 15))]
    assert open_during(lunch, utc(2026, 12, 7, 12), utc(2026, 12, 7, 13), UTC)
    assert open_during(lunch, utc(2026, 12, 7, 13), utc(2026, 12, 7, 14), UTC)
    assert not open_during(lunch, utc(2026, 12, 7, 14), utc(2026, 12, 7, 15), UTC)


def test_an_overnight_opening_counts_on_the_next_day_until_it_closes() -> None:
    friday_night = [weekly("FR", time(20), time(8))]  # Friday 11 December 20:00 to Saturday 08:00
    assert open_during(friday_night, utc(2026, 12, 12, 3), utc(2026, 12, 12, 4), UTC)
    assert open_during(friday_night, utc(2026, 12, 12, 7), utc(2026, 12, 12, 8), UTC)
    assert not open_during(friday_night, utc(2026, 12, 12, 8), utc(2026, 12, 12, 9), UTC)
    assert not open_during(friday_night, utc(2026, 12, 11, 19), utc(2026, 12, 11, 20), UTC)


def test_a_long_span_looks_at_every_day_it_touches() -> None:
    tuesday = [weekly("TU", time(9), time(10))]
    assert open_during(tuesday, utc(2026, 12, 7, 12), utc(2026, 12, 8, 9, 30), UTC)  # Mon noon to Tue 09:30
    assert open_during(tuesday, utc(2026, 12, 6, 12), utc(2026, 12, 8, 9, 30), UTC)  # from Sunday
    assert not open_during(tuesday, utc(2026, 12, 6, 12), utc(2026, 12, 8, 9), UTC)  # ends as it opens
    wednesday = [weekly("WE", time(9), time(10))]
    assert open_during(wednesday, utc(2026, 12, 7, 0), utc(2026, 12, 10, 0), UTC)  # Mon to Thu


def test_a_rule_that_says_nothing_is_skipped_not_the_end_and_times_read_in_the_rules_zone() -> None:
    described = ScheduleRule()  # a description only
    clinic = weekly("MO", time(9), time(17))
    assert not open_during([described], utc(2026, 12, 7, 9), utc(2026, 12, 7, 10), UTC)
    assert open_during([described, clinic], utc(2026, 12, 7, 9), utc(2026, 12, 7, 10), UTC)
    # Region time: Monday 09:00 in Los Angeles is 17:00 UTC.
    assert open_during([clinic], utc(2026, 12, 7, 17), utc(2026, 12, 7, 18), LA)
    assert not open_during([clinic], utc(2026, 12, 7, 9), utc(2026, 12, 7, 10), LA)
    # Written at UTC-7 (09:00-07:00): 16:00 UTC, whatever the region's zone.
    offset = weekly("MO", time(9), time(10), time_offset_minutes=-420)
    assert open_during([offset], utc(2026, 12, 7, 16), utc(2026, 12, 7, 17), LA)
    assert not open_during([offset], utc(2026, 12, 7, 17), utc(2026, 12, 7, 18), LA)


# --- need_hours ---------------------------------------------------------------------------------------


def hours_of(by_day: dict[int, list[int]]) -> list[list[int | None]]:
    """A 7 × 24 grid with 1 in the listed hours of each day (0 = Monday)."""
    return [[1 if h in by_day.get(d, []) else 0 for h in range(24)] for d in range(7)]


def test_a_need_grid_counts_each_service_once_per_hour_and_unknown_hours_never() -> None:
    services = {
        "weekdays": [[weekly("MO,TU,WE,TH,FR", time(9), time(17))]],
        # Two places; only the second says when: Saturday 22:00 to Sunday 02:00.
        "late": [[], [weekly("SA", time(22), time(2))]],
        # Two places with the same hours count once.
        "twice": [[weekly("MO", time(9), time(10))], [weekly("MO", time(9), time(10))]],
        "no hours": [[ScheduleRule()], []],
        "never said": [],
    }
    grid = need_hours("crisis", services, week_hours(MONDAY, UTC), UTC)
    assert (grid.need, grid.services, grid.hours_unknown) == ("crisis", 5, 2)
    expected = hours_of({d: list(range(9, 17)) for d in range(5)})
    expected[0][9] = 2  # weekdays + twice
    expected[5][22] = expected[5][23] = 1
    expected[6][0] = expected[6][1] = 1
    assert grid.open == expected


def test_the_hour_the_clock_skips_is_none_and_the_long_hour_counts() -> None:
    around_the_clock = {
        "always": [[ScheduleRule(freq="DAILY", opens_at=time(0), closes_at=time(0))]],
        "mondays": [[weekly("MO", time(9), time(10))]],
    }
    spring = need_hours("crisis", around_the_clock, week_hours(date(2026, 3, 8), LA), LA)
    assert spring.open[0][:4] == [1, 1, None, 1]
    assert spring.open[1][9] == 2  # Monday 9 March 09:00
    assert sum(h is None for day in spring.open for h in day) == 1
    autumn = need_hours("crisis", around_the_clock, week_hours(date(2026, 11, 1), LA), LA)
    assert autumn.open[0][:3] == [1, 1, 1]
    assert all(h is not None for day in autumn.open for h in day)


# --- uncovered_runs -----------------------------------------------------------------------------------


def test_runs_of_hours_with_nothing_open() -> None:
    grid: list[list[int | None]] = [[1] * 24 for _ in range(7)]
    for h in range(6):
        grid[0][h] = 0  # Monday 00:00-06:00
    grid[1][1], grid[1][2], grid[1][3] = 0, None, 0  # Tuesday 01:00-04:00, the skipped hour inside
    grid[2][22] = grid[2][23] = grid[3][0] = grid[3][1] = 0  # Wednesday 22:00 to Thursday 02:00
    grid[4][10] = 0  # one hour
    grid[4][11] = 3
    for h in range(20, 24):
        grid[6][h] = 0  # Sunday 20:00 to the end of the week
    assert uncovered_runs(grid, MONDAY) == [
        Uncovered(date(2026, 12, 7), 0, date(2026, 12, 7), 6, 6),
        Uncovered(date(2026, 12, 8), 1, date(2026, 12, 8), 4, 2),
        Uncovered(date(2026, 12, 9), 22, date(2026, 12, 10), 2, 4),
        Uncovered(date(2026, 12, 11), 10, date(2026, 12, 11), 11, 1),
        Uncovered(date(2026, 12, 13), 20, date(2026, 12, 14), 0, 4),
    ]


def test_a_skipped_hour_does_not_break_a_run_or_start_one() -> None:
    grid: list[list[int | None]] = [[2] * 24 for _ in range(7)]
    grid[0][2] = None
    assert uncovered_runs(grid, MONDAY) == []
    grid[0][1] = grid[0][3] = 0
    assert uncovered_runs(grid, MONDAY) == [Uncovered(date(2026, 12, 7), 1, date(2026, 12, 7), 4, 2)]
    nothing: list[list[int | None]] = [[0] * 24 for _ in range(7)]
    assert uncovered_runs(nothing, MONDAY) == [Uncovered(MONDAY, 0, MONDAY + timedelta(days=7), 0, 168)]


def test_an_opening_from_the_day_before_is_found_on_the_local_day_not_the_utc_day() -> None:
    # Around the clock from Sunday 21:00 to Monday 21:00 in Los Angeles; Monday 20:00-21:00 local is
    # already Tuesday 04:00-05:00 UTC.
    sunday = [weekly("SU", time(21), time(21))]
    assert open_during(sunday, utc(2026, 12, 8, 4), utc(2026, 12, 8, 5), LA)
    assert not open_during(sunday, utc(2026, 12, 8, 5), utc(2026, 12, 8, 6), LA)


def test_the_last_day_looked_at_is_the_local_day_of_the_end() -> None:
    # Monday 09:00-10:00 at UTC+10 is Sunday 23:00 to Monday 00:00 UTC.
    ahead = timezone(timedelta(hours=10))
    monday = [weekly("MO", time(9), time(10))]
    assert open_during(monday, utc(2026, 12, 6, 23), utc(2026, 12, 6, 23, 30), ahead)
    assert not open_during(monday, utc(2026, 12, 6, 22), utc(2026, 12, 6, 23), ahead)
