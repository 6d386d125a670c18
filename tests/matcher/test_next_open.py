"""next_open (CONTRACT §2.2): the next time at or after `at` a service opens, in its own zone, across
DST changes; and the words of a `closed` gap ("opens Mon 09:00, 1.2 km"), in English and Spanish."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from matcher_factories import bed_pool, candidate

from matcher.hours import ScheduleRule, next_open
from matcher.match import match_needs
from matcher.model import MatchRequest
from matcher.pools import Freshness

LA = ZoneInfo("America/Los_Angeles")
TZ = "America/Los_Angeles"


def weekly(byday: str, opens: str, closes: str, **kw: object) -> ScheduleRule:
    return ScheduleRule(
        freq="WEEKLY", byday=byday, opens_at=time.fromisoformat(opens), closes_at=time.fromisoformat(closes), **kw
    )  # type: ignore[arg-type]


def test_open_now_is_at_itself_and_no_hours_is_none() -> None:
    at = datetime(2026, 11, 23, 10, 0, tzinfo=LA)  # Monday 10:00
    assert next_open([weekly("MO", "09:00", "17:00")], at, TZ) == at
    assert next_open([], at, TZ) is None
    assert next_open([ScheduleRule()], at, TZ) is None


def test_later_the_same_day_and_next_week() -> None:
    clinic = [weekly("MO", "09:00", "17:00")]
    early = next_open(clinic, datetime(2026, 11, 23, 7, 30, tzinfo=LA), TZ)
    assert early == datetime(2026, 11, 23, 9, 0, tzinfo=LA)
    late = next_open(clinic, datetime(2026, 11, 23, 17, 0, tzinfo=LA), TZ)  # closing is exclusive
    assert late == datetime(2026, 11, 30, 9, 0, tzinfo=LA)
    assert late is not None and late.utcoffset() == timedelta(hours=-8)


def test_across_the_autumn_dst_change() -> None:
    # Saturday 2026-10-31 20:00 PDT; clocks go back on Sunday 1 Nov. Monday 09:00 is then PST:
    # 17:00 UTC, not the 16:00 UTC that adding whole days to the PDT instant would give.
    opens = next_open([weekly("MO", "09:00", "17:00")], datetime(2026, 10, 31, 20, 0, tzinfo=LA), TZ)
    assert opens is not None
    assert opens.astimezone(UTC) == datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
    assert opens.isoformat() == "2026-11-02T09:00:00-08:00"


def test_across_the_spring_dst_change() -> None:
    # Saturday 2026-03-07 20:00 PST; clocks go forward on Sunday 8 Mar. Monday 09:00 is PDT (16:00 UTC).
    opens = next_open([weekly("MO", "09:00", "17:00")], datetime(2026, 3, 7, 20, 0, tzinfo=LA), TZ)
    assert opens is not None and opens.isoformat() == "2026-03-09T09:00:00-07:00"
    # Asked in UTC, the answer is still written in the service's zone.
    asked_in_utc = next_open([weekly("MO", "09:00", "17:00")], datetime(2026, 3, 8, 4, 0, tzinfo=UTC), TZ)
    assert asked_in_utc == opens and asked_in_utc is not None and asked_in_utc.utcoffset() == timedelta(hours=-7)


def test_the_services_own_offset_and_the_soonest_rule() -> None:
    # Written with an offset of UTC-5 (a service in another zone): 09:00-05:00 is 06:00 in Seattle.
    eastern = weekly("MO", "09:00", "17:00", time_offset_minutes=-300)
    local_rule = weekly("MO", "08:00", "12:00")
    at = datetime(2026, 11, 22, 20, 0, tzinfo=LA)  # Sunday evening
    opens = next_open([local_rule, eastern], at, TZ)
    assert opens == datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert opens is not None and opens.isoformat() == "2026-11-23T09:00:00-05:00"


def test_monthly_rule_looks_past_this_month() -> None:
    second_tuesday = ScheduleRule(freq="MONTHLY", byday="2TU", opens_at=time(10), closes_at=time(12))
    opens = next_open([second_tuesday], datetime(2026, 11, 11, 13, 0, tzinfo=LA), TZ)
    assert opens == datetime(2026, 12, 8, 10, 0, tzinfo=LA)


def test_every_option_carries_next_open() -> None:
    at = datetime(2026, 11, 22, 20, 0, tzinfo=LA)  # Sunday 20:00
    open_now = candidate("Night", km=1.0, pools=(bed_pool("n", 2),), schedules=(weekly("SU", "18:00", "08:00"),))
    closed = candidate("Day", km=0.5, pools=(bed_pool("d", 2),), schedules=(weekly("MO", "09:00", "17:00"),))
    unknown = candidate("Unknown", km=2.0, pools=(bed_pool("u", 2),))
    (answer,) = match_needs(MatchRequest(needs=("shelter",)), [open_now, closed, unknown], at, Freshness())
    got = {o.name: o.next_open for o in answer.options}
    assert got == {"Night": at, "Day": datetime(2026, 11, 23, 9, 0, tzinfo=LA), "Unknown": None}


def test_closed_gap_says_when_the_first_one_opens() -> None:
    at = datetime(2026, 11, 22, 20, 0, tzinfo=LA)  # Sunday 20:00
    monday = candidate(
        "Monday Clinic",
        need="moud",
        km=1.23,
        pools=(bed_pool("m", 2, unit="slot"),),
        schedules=(weekly("MO", "09:00", "17:00"),),
    )
    tuesday = candidate(
        "Tuesday Clinic",
        need="moud",
        km=0.4,
        pools=(bed_pool("t", 2, unit="slot"),),
        schedules=(weekly("TU", "08:00", "17:00"),),
    )
    req = MatchRequest(needs=("moud",), open_now=True)
    (answer,) = match_needs(req, [monday, tuesday], at, Freshness())
    assert answer.gap is not None and answer.gap.reason == "closed"
    assert answer.gap.detail.endswith("; Monday Clinic opens Mon 09:00, 1.2 km")
    (es,) = match_needs(dataclasses.replace(req, lang="es"), [monday, tuesday], at, Freshness())
    assert es.gap is not None and es.gap.reason == "closed"
    assert es.gap.detail.endswith("; Monday Clinic abre lun 09:00, 1.2 km")
    assert "a menos de 15 km" in es.gap.detail


def test_spanish_words_keep_codes() -> None:
    at = datetime(2026, 11, 22, 20, 0, tzinfo=LA)
    sober = candidate(
        "Sober",
        km=1.0,
        pools=(bed_pool("s", 3),),
        elig={"sobriety_required": "true"},
        features=("walk_in",),
        schedules=(weekly("MO", "09:00", "17:00"),),
    )
    (answer,) = match_needs(MatchRequest(needs=("shelter",), lang="es"), [sober], at, Freshness())
    option = answer.options[0]
    assert option.reasons == ("3 camas libres", "sin cita", "1.0 km")
    assert "ask:sobriety_required" in option.warnings and "closed now" in option.warnings
    (en,) = match_needs(MatchRequest(needs=("shelter",)), [sober], at, Freshness())
    assert en.options[0].reasons == ("3 open beds", "walk-in", "1.0 km")
    assert en.options[0].warnings == option.warnings
