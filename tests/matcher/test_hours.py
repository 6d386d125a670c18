"""Opening hours at an instant: weekly and monthly rules, overnight openings, DST, offsets."""

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from matcher.hours import ScheduleRule, is_open, occurs_on

LA = ZoneInfo("America/Los_Angeles")
TZ = "America/Los_Angeles"


def local(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LA)


def weekly(byday: str, opens: str, closes: str, **kw: object) -> ScheduleRule:
    return ScheduleRule(
        freq="WEEKLY", byday=byday, opens_at=time.fromisoformat(opens), closes_at=time.fromisoformat(closes), **kw
    )  # type: ignore[arg-type]


def test_no_schedule_means_hours_unknown() -> None:
    assert is_open([], local(2026, 11, 22, 20), TZ) is None
    assert is_open([ScheduleRule()], local(2026, 11, 22, 20), TZ) is None


def test_weekday_clinic_open_and_closed() -> None:
    clinic = [weekly("MO,TU,WE,TH,FR", "09:00", "17:00")]
    # 2026-11-23 is a Monday.
    assert is_open(clinic, local(2026, 11, 23, 9, 0), TZ) is True
    assert is_open(clinic, local(2026, 11, 23, 16, 59), TZ) is True
    assert is_open(clinic, local(2026, 11, 23, 17, 0), TZ) is False  # closing time is exclusive
    assert is_open(clinic, local(2026, 11, 22, 12), TZ) is False  # Sunday


def test_the_instant_is_read_in_the_region_time_zone() -> None:
    clinic = [weekly("MO", "09:00", "17:00")]
    # Monday 10:00 in Seattle is Monday 18:00 UTC.
    assert is_open(clinic, datetime(2026, 11, 23, 18, 0, tzinfo=UTC), TZ) is True
    # Monday 10:00 UTC is still Monday 02:00 in Seattle.
    assert is_open(clinic, datetime(2026, 11, 23, 10, 0, tzinfo=UTC), TZ) is False


def test_overnight_opening_belongs_to_the_day_it_starts() -> None:
    shelter = [weekly("FR", "20:00", "08:00")]
    # 2026-11-27 is a Friday; Saturday 03:00 is inside Friday's opening.
    assert is_open(shelter, local(2026, 11, 27, 21), TZ) is True
    assert is_open(shelter, local(2026, 11, 28, 3), TZ) is True
    assert is_open(shelter, local(2026, 11, 28, 8), TZ) is False
    assert is_open(shelter, local(2026, 11, 28, 21), TZ) is False  # Saturday evening: no opening
    assert is_open(shelter, local(2026, 11, 27, 3), TZ) is False  # Thursday had no opening


def test_round_the_clock_when_opens_equals_closes() -> None:
    drop_in = [weekly("MO,TU,WE,TH,FR,SA,SU", "00:00", "00:00")]
    for hour in (0, 5, 13, 23):
        assert is_open(drop_in, local(2026, 11, 25, hour), TZ) is True


def test_overnight_across_dst_end() -> None:
    # 2026-11-01 02:00 PDT -> 01:00 PST. A Saturday 22:00-06:00 opening lasts 9 real hours.
    shelter = [weekly("SA", "22:00", "06:00")]
    assert is_open(shelter, local(2026, 11, 1, 5, 30), TZ) is True
    assert is_open(shelter, local(2026, 11, 1, 6, 0), TZ) is False
    # 13:30 UTC on 1 Nov is 05:30 PST: still open; 14:00 UTC is 06:00 PST: closed.
    assert is_open(shelter, datetime(2026, 11, 1, 13, 30, tzinfo=UTC), TZ) is True
    assert is_open(shelter, datetime(2026, 11, 1, 14, 0, tzinfo=UTC), TZ) is False


def test_overnight_across_dst_start() -> None:
    # 2026-03-08 02:00 PST -> 03:00 PDT. Saturday 22:00 - Sunday 06:00 is 7 real hours.
    shelter = [weekly("SA", "22:00", "06:00")]
    assert is_open(shelter, datetime(2026, 3, 8, 12, 59, tzinfo=UTC), TZ) is True  # 05:59 PDT
    assert is_open(shelter, datetime(2026, 3, 8, 13, 0, tzinfo=UTC), TZ) is False  # 06:00 PDT


def test_summer_and_winter_read_the_same_wall_clock() -> None:
    clinic = [weekly("MO", "09:00", "17:00")]
    # 09:30 on a Monday in July (PDT, UTC-7) and in January (PST, UTC-8).
    assert is_open(clinic, datetime(2026, 7, 6, 16, 30, tzinfo=UTC), TZ) is True
    assert is_open(clinic, datetime(2026, 1, 5, 17, 30, tzinfo=UTC), TZ) is True
    assert is_open(clinic, datetime(2026, 7, 6, 15, 30, tzinfo=UTC), TZ) is False  # 08:30 PDT


def test_explicit_utc_offset_wins_over_region() -> None:
    # Hours written as 09:00-17:00 at UTC-05:00 (an East Coast hotline listed here).
    hotline = [weekly("MO", "09:00", "17:00", time_offset_minutes=-300)]
    assert is_open(hotline, datetime(2026, 11, 23, 14, 30, tzinfo=UTC), TZ) is True  # 09:30 EST
    assert is_open(hotline, datetime(2026, 11, 23, 22, 30, tzinfo=UTC), TZ) is False  # 17:30 EST


def test_ordinal_monthly_rules() -> None:
    second_tuesday = [ScheduleRule(freq="MONTHLY", byday="2TU", opens_at=time(10), closes_at=time(14))]
    # November 2026: Tuesdays are 3, 10, 17, 24.
    assert is_open(second_tuesday, local(2026, 11, 10, 11), TZ) is True
    assert is_open(second_tuesday, local(2026, 11, 3, 11), TZ) is False
    assert is_open(second_tuesday, local(2026, 11, 17, 11), TZ) is False
    last_friday = [ScheduleRule(freq="MONTHLY", byday="-1FR", opens_at=time(10), closes_at=time(14))]
    # November 2026: Fridays 6, 13, 20, 27.
    assert is_open(last_friday, local(2026, 11, 27, 12), TZ) is True
    assert is_open(last_friday, local(2026, 11, 20, 12), TZ) is False


def test_monthday_rules_with_negative_days() -> None:
    first_and_last = ScheduleRule(freq="MONTHLY", bymonthday="1,-1", opens_at=time(9), closes_at=time(12))
    assert occurs_on(first_and_last, date(2026, 2, 1))
    assert occurs_on(first_and_last, date(2026, 2, 28))
    assert not occurs_on(first_and_last, date(2026, 2, 27))
    assert occurs_on(first_and_last, date(2028, 2, 29))  # leap year


def test_weekly_interval_counts_from_dtstart() -> None:
    fortnightly = ScheduleRule(
        freq="WEEKLY", interval=2, byday="WE", dtstart=date(2026, 11, 4), opens_at=time(9), closes_at=time(12)
    )
    assert occurs_on(fortnightly, date(2026, 11, 4))
    assert not occurs_on(fortnightly, date(2026, 11, 11))
    assert occurs_on(fortnightly, date(2026, 11, 18))
    assert not occurs_on(fortnightly, date(2026, 10, 21))  # before dtstart


def test_daily_rule_and_validity_window() -> None:
    winter = ScheduleRule(
        freq="DAILY", opens_at=time(19), closes_at=time(7), valid_from=date(2026, 11, 1), valid_to=date(2027, 3, 31)
    )
    assert is_open([winter], local(2026, 12, 15, 23), TZ) is True
    assert is_open([winter], local(2027, 4, 1, 0, 30), TZ) is True  # 31 March's opening runs past midnight
    assert is_open([winter], local(2027, 4, 1, 23), TZ) is False
    assert is_open([winter], local(2026, 10, 31, 23), TZ) is False


def test_until_and_count() -> None:
    four_sessions = ScheduleRule(
        freq="WEEKLY", byday="TH", dtstart=date(2026, 11, 5), count=4, opens_at=time(18), closes_at=time(20)
    )
    assert occurs_on(four_sessions, date(2026, 11, 26))  # the 4th Thursday session
    assert not occurs_on(four_sessions, date(2026, 12, 3))
    until = ScheduleRule(freq="WEEKLY", byday="TH", until=date(2026, 11, 12))
    assert occurs_on(until, date(2026, 11, 12))
    assert not occurs_on(until, date(2026, 11, 19))


def test_any_rule_open_is_open() -> None:
    split_day = [weekly("MO", "08:00", "11:00"), weekly("MO", "13:00", "16:00")]
    assert is_open(split_day, local(2026, 11, 23, 9), TZ) is True
    assert is_open(split_day, local(2026, 11, 23, 12), TZ) is False
    assert is_open(split_day, local(2026, 11, 23, 14), TZ) is True


def test_byday_without_freq_is_weekly() -> None:
    rule = ScheduleRule(byday="SA,SU", opens_at=time(10), closes_at=time(15))
    assert is_open([rule], local(2026, 11, 22, 11), TZ) is True
    assert is_open([rule], local(2026, 11, 23, 11), TZ) is False


def test_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError):
        is_open([weekly("MO", "09:00", "17:00")], datetime(2026, 11, 23, 10), TZ)


def test_tzinfo_object_as_default() -> None:
    fixed = timezone(timedelta(hours=-8))
    assert is_open([weekly("MO", "09:00", "17:00")], datetime(2026, 11, 23, 18, tzinfo=UTC), fixed) is True


def test_hsds_timezone_hours_place_the_times() -> None:
    """HSDS `timezone` (hours from UTC) says how the times are read when they carry no offset."""
    eastern = ScheduleRule(freq="WEEKLY", byday="MO", opens_at=time(9), closes_at=time(17), timezone=-5)
    assert is_open([eastern], local(2026, 11, 23, 6, 30), TZ) is True  # 09:30 at UTC-5
    assert is_open([eastern], local(2026, 11, 23, 5, 30), TZ) is False  # 08:30 at UTC-5
    assert is_open([eastern], local(2026, 11, 23, 14, 30), TZ) is False  # 17:30 at UTC-5


def test_a_missing_time_is_the_edge_of_the_day() -> None:
    until_noon = ScheduleRule(freq="WEEKLY", byday="MO", closes_at=time(12))
    assert is_open([until_noon], local(2026, 11, 23, 0, 5), TZ) is True
    assert is_open([until_noon], local(2026, 11, 23, 12, 0), TZ) is False
    from_eight = ScheduleRule(freq="WEEKLY", byday="MO", opens_at=time(20))
    assert is_open([from_eight], local(2026, 11, 23, 23, 59), TZ) is True
    assert is_open([from_eight], local(2026, 11, 24, 0, 1), TZ) is False
    assert is_open([from_eight], local(2026, 11, 23, 19, 59), TZ) is False
