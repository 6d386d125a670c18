"""Fine points of the matcher that mutation testing (`make mutate`, docs/testing.md) found unguarded:
each expected value is written by hand from CONTRACT.md / docs/matching.md, never asked of matcher code."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from matcher_factories import AT, bed_pool, candidate

from matcher.capacity import judge_capacity, pool_measures
from matcher.eligibility import Participant
from matcher.gaps import with_nearest_beyond
from matcher.hours import ScheduleRule, is_open, next_open, occurs_on
from matcher.match import match_need
from matcher.model import SERVICE_AREA, Candidate, CapacityView, Gap, MatchRequest, Option
from matcher.pools import FULL, OPEN, UNCONFIRMED, WAITLIST, Freshness, Pool, is_stale, pool_status
from matcher.scoring import shared_languages

LA = ZoneInfo("America/Los_Angeles")


# --- capacity: which pools measure a need at a place (R2-R4) ------------------------------------------


def site_pool(location_id: str | None, unit: str = "bed") -> Pool:
    return Pool(id="p", unit=unit, available=2, updated=AT - timedelta(hours=1), location_id=location_id)


def test_a_pool_tied_to_one_site_counts_only_there() -> None:
    assert pool_measures(site_pool("loc-A"), "shelter", "loc-A")
    assert not pool_measures(site_pool("loc-A"), "shelter", "loc-B")
    assert pool_measures(site_pool(None), "shelter", "loc-B")  # a service-wide pool counts everywhere
    assert pool_measures(site_pool("loc-A"), "shelter", None)  # a place not known: the pool counts
    assert judge_capacity([site_pool("loc-A")], "shelter", "loc-B", None, AT, Freshness()).status == "untracked"
    assert judge_capacity([site_pool("loc-A")], "shelter", "loc-A", None, AT, Freshness()).status == OPEN


def test_beds_measure_only_needs_met_by_staying_whatever_the_case_of_the_unit() -> None:
    assert not pool_measures(site_pool(None, unit="Bed"), "food", None)
    assert not pool_measures(site_pool(None, unit="BED"), "food", None)
    assert pool_measures(site_pool(None, unit="Bed"), "shelter", None)
    assert pool_measures(site_pool(None, unit="slot"), "food", None)


# --- freshness (R5) -----------------------------------------------------------------------------------


def test_time_to_live_by_unit_with_the_other_units_default() -> None:
    fresh = Freshness()
    assert fresh.ttl("bed") == timedelta(hours=24)
    assert fresh.ttl("BED") == timedelta(hours=24)
    assert fresh.ttl("slot") == timedelta(hours=168)
    assert fresh.ttl("appointment") == timedelta(hours=168)
    assert fresh.ttl("seat") == timedelta(hours=72)  # CONTRACT R5: other units 72 h
    assert Freshness(by_unit={}, other=5).ttl("bed") == timedelta(hours=5)


def test_a_report_exactly_its_time_to_live_old_is_still_fresh() -> None:
    at = datetime(2026, 12, 7, 12, tzinfo=UTC)
    day_old = Pool(id="p", unit="bed", available=1, updated=at - timedelta(hours=24))
    assert not is_stale(day_old, at, Freshness())
    assert is_stale(day_old, at + timedelta(seconds=1), Freshness())
    seat = Pool(id="s", unit="seat", available=1, updated=at - timedelta(hours=72))
    assert not is_stale(seat, at, Freshness())
    assert is_stale(seat, at + timedelta(seconds=1), Freshness())


def test_pool_status_at_the_edges_of_one_unit() -> None:
    stale_one = bed_pool("a", available=1, hours_old=30)
    assert pool_status(stale_one, AT, Freshness()) == UNCONFIRMED
    assert pool_status(bed_pool("b", available=0, hours_old=30), AT, Freshness()) == FULL
    assert pool_status(bed_pool("c", available=1, waitlist=1, hours_old=30), AT, Freshness()) == FULL
    assert pool_status(bed_pool("d", available=1), AT, Freshness()) == OPEN
    assert pool_status(bed_pool("e", available=1, waitlist=1), AT, Freshness()) == WAITLIST
    assert pool_status(bed_pool("f", available=1, holds=1), AT, Freshness()) == WAITLIST
    assert pool_status(bed_pool("g", available=0.5), AT, Freshness()) == OPEN
    assert pool_status(bed_pool("h", available=0), AT, Freshness()) == FULL


# --- the participant and languages --------------------------------------------------------------------


def test_a_participant_keeps_only_the_fields_it_knows() -> None:
    said = {"age": 30, "favourite_colour": "green", "gender": None, "languages": ["es", 7], "insurance": ["medicaid"]}
    assert Participant.from_mapping(said) == Participant(age=30, languages=("es", "7"), insurance=("medicaid",))
    assert Participant.from_mapping(None) == Participant()
    assert Participant.from_mapping({}) == Participant()


def test_a_regional_variant_speaks_the_language() -> None:
    es_mx = candidate("A", languages=("es-MX",))
    assert shared_languages(es_mx, Participant(languages=("es",))) == ["es"]
    assert shared_languages(candidate("B", languages=("es",)), Participant(languages=("es-MX",))) == ["es-mx"]
    assert shared_languages(candidate("C", languages=(" ES ", "")), Participant(languages=(" es", " "))) == ["es"]
    assert shared_languages(candidate("D", languages=("en",)), Participant(languages=("es",))) == []


# --- an option as the answer shows it ------------------------------------------------------------------


def test_an_option_shows_every_field_of_its_service_place_and_pool() -> None:
    pool = bed_pool("pool-1", available=3, waitlist=1)
    here = candidate("Harbor", km=1.23456, pools=(pool,), service_at_location_id="sal-7", location_id="loc-7")
    answer = match_need("shelter", MatchRequest(needs=("shelter",)), [here], AT, Freshness())
    assert answer.options == (
        Option(
            need="shelter",
            service_id="svc-Harbor",
            service_at_location_id="sal-7",
            location_id="loc-7",
            name="Harbor",
            organization="Harbor org",
            distance_km=1.23,
            open_now=None,
            capacity=CapacityView(
                status="open",
                pool="public",
                capacity_id="pool-1",
                unit="bed",
                open_units=2.0,
                updated=AT - timedelta(hours=2),
            ),
            score=answer.options[0].score,
            reasons=answer.options[0].reasons,
            warnings=("hours unknown",),
            next_open=None,
        ),
    )
    assert answer.options[0].reasons == ("2 open beds", "no sobriety requirement", "1.2 km")


def test_a_stale_program_pool_shows_as_unconfirmed_program_capacity() -> None:
    pool = bed_pool("bought", available=2, reserved_for=("lead",), hours_old=30)
    answer = match_need(
        "shelter", MatchRequest(needs=("shelter",), program="lead"), [candidate("Old", pools=(pool,))], AT, Freshness()
    )
    assert answer.options[0].capacity == CapacityView(
        status="unconfirmed",
        pool="program",
        capacity_id="bought",
        unit="bed",
        open_units=2.0,
        updated=AT - timedelta(hours=30),
    )


# --- hours ---------------------------------------------------------------------------------------------


def test_count_one_opens_once() -> None:
    start = date(2026, 12, 7)  # Monday
    once = ScheduleRule(freq="DAILY", dtstart=start, count=1, opens_at=time(9), closes_at=time(17))
    assert occurs_on(once, start)
    assert not occurs_on(once, start + timedelta(days=1))
    assert not occurs_on(ScheduleRule(freq="DAILY", dtstart=start, count=0), start)


def test_count_is_counted_from_dtstart_over_the_pattern() -> None:
    # Mondays, Wednesdays and Fridays from Wednesday 9 December, three times: Wed 9, Fri 11, Mon 14.
    rule = ScheduleRule(freq="WEEKLY", byday="MO,WE,FR", dtstart=date(2026, 12, 9), count=3)
    opens = [d for d in (date(2026, 12, 7) + timedelta(days=i) for i in range(21)) if occurs_on(rule, d)]
    assert opens == [date(2026, 12, 9), date(2026, 12, 11), date(2026, 12, 14)]


def test_count_is_walked_up_to_3660_days_and_no_further() -> None:
    start = date(2016, 1, 1)
    rule = ScheduleRule(freq="DAILY", dtstart=start, count=5)
    assert not occurs_on(rule, start + timedelta(days=3660))  # walked: the 5 days are long past
    assert occurs_on(rule, start + timedelta(days=3661))  # beyond the walk: judged on its other fields


def test_a_rule_in_a_zone_ahead_of_utc_opens_on_its_own_day() -> None:
    # Monday 09:00-10:00 at UTC+10 is Sunday 23:00-24:00 UTC.
    rule = ScheduleRule(freq="WEEKLY", byday="MO", opens_at=time(9), closes_at=time(10), time_offset_minutes=600)
    assert is_open([rule], datetime(2026, 12, 6, 23, 30, tzinfo=UTC), "America/Los_Angeles") is True
    assert is_open([rule], datetime(2026, 12, 7, 23, 30, tzinfo=UTC), "America/Los_Angeles") is False


def test_a_missing_opening_time_is_midnight() -> None:
    rule = ScheduleRule(freq="DAILY", closes_at=time(1))
    assert is_open([rule], datetime(2026, 12, 7, 0, 0, 30, tzinfo=UTC), UTC) is True
    assert is_open([rule], datetime(2026, 12, 7, 1, 0, tzinfo=UTC), UTC) is False


# --- gaps ----------------------------------------------------------------------------------------------


def test_closed_is_further_than_full() -> None:
    weekdays = (ScheduleRule(freq="WEEKLY", byday="MO,TU,WE,TH,FR", opens_at=time(9), closes_at=time(17)),)
    full = candidate("Full", km=1.0, pools=(bed_pool("f", available=0),))
    closed = candidate("Shut", km=2.0, pools=(bed_pool("s"),), schedules=weekdays)  # AT is a Sunday evening
    for order in ([full, closed], [closed, full]):
        answer = match_need("shelter", MatchRequest(needs=("shelter",), open_now=True), order, AT, Freshness())
        assert answer.gap is not None and answer.gap.reason == "closed"


def test_a_missing_closing_time_is_the_next_midnight() -> None:
    late = ScheduleRule(freq="DAILY", opens_at=time(22))
    assert is_open([late], datetime(2026, 12, 7, 23, 59, tzinfo=UTC), UTC) is True
    assert is_open([late], datetime(2026, 12, 8, 0, 0, 30, tzinfo=UTC), UTC) is False


def test_next_open_starts_from_the_local_day_not_the_utc_day() -> None:
    # Monday 20:00 in Los Angeles is already Tuesday 04:00 UTC; the clinic opens Monday 21:00 local.
    at = datetime(2026, 12, 7, 20, 0, tzinfo=LA)
    rule = ScheduleRule(freq="WEEKLY", byday="MO", opens_at=time(21), closes_at=time(22))
    assert next_open([rule], at, "America/Los_Angeles") == datetime(2026, 12, 7, 21, 0, tzinfo=LA)


def closed_gap(cands: list[Candidate], lang: str = "en") -> str:
    request = MatchRequest(needs=("shelter",), open_now=True, lang=lang)
    gap = match_need("shelter", request, cands, AT, Freshness()).gap
    assert gap is not None and gap.reason == "closed"
    return gap.detail


def test_the_closed_gap_names_the_service_opening_first_in_the_regions_time() -> None:
    # AT is Sunday 20:00 in Los Angeles: Sunday 21:00 is in an hour, Monday 09:00 in 13 hours.
    sunday = candidate(
        "Sunday Night",
        km=3.0,
        pools=(bed_pool("s"),),
        schedules=(ScheduleRule(freq="WEEKLY", byday="SU", opens_at=time(21), closes_at=time(22)),),
    )
    monday = candidate(
        "Monday Morning",
        km=1.0,
        pools=(bed_pool("m"),),
        schedules=(ScheduleRule(freq="WEEKLY", byday="MO", opens_at=time(9), closes_at=time(10)),),
    )
    assert closed_gap([monday, sunday]).endswith("; Sunday Night opens Sun 21:00, 3.0 km")


def test_a_closed_gap_where_nothing_opens_within_a_year_names_no_opening() -> None:
    ended = candidate(
        "Ended",
        km=1.0,
        pools=(bed_pool("e"),),
        schedules=(ScheduleRule(freq="DAILY", opens_at=time(9), closes_at=time(10), valid_to=date(2026, 1, 31)),),
    )
    assert closed_gap([ended]) == (
        "1 service within 15 km could take this participant but it is not open at this time; nearest: Ended (1.0 km)"
    )


def test_a_closed_gap_in_spanish_says_where_in_spanish() -> None:
    van = candidate(
        "Van",
        km=None,
        reach=SERVICE_AREA,
        pools=(bed_pool("v"),),
        schedules=(ScheduleRule(freq="WEEKLY", byday="MO", opens_at=time(9), closes_at=time(10)),),
    )
    assert closed_gap([van], lang="es").endswith("; Van abre lun 09:00, atiende esta zona")


def test_the_nearest_option_beyond_the_radius_in_spanish() -> None:
    far = Option(
        need="shelter",
        service_id="s",
        service_at_location_id=None,
        location_id=None,
        name="Lejos",
        organization="o",
        distance_km=7.46,
        open_now=None,
        capacity=CapacityView(status="open"),
        score=0.5,
    )
    gap = with_nearest_beyond(Gap("no_capacity", "palabras"), far, 5.0, lang="es")
    assert gap == Gap("no_capacity", "palabras; opción más cercana con plazas a más de 5 km: Lejos a 7.5 km")


def test_an_interval_without_an_anchor_is_every_period() -> None:
    # No DTSTART and no validity: nothing says which weeks or months are "every other"; all are.
    mondays = ScheduleRule(freq="WEEKLY", interval=2, byday="MO", opens_at=time(9), closes_at=time(10))
    assert occurs_on(mondays, date(2026, 12, 7)) and occurs_on(mondays, date(2026, 12, 14))
    firsts = ScheduleRule(freq="MONTHLY", interval=2, bymonthday="1", opens_at=time(9), closes_at=time(10))
    assert occurs_on(firsts, date(2026, 12, 1)) and occurs_on(firsts, date(2027, 1, 1))


def test_every_third_year_from_dtstart() -> None:
    rule = ScheduleRule(freq="YEARLY", interval=3, dtstart=date(2026, 12, 7), opens_at=time(9), closes_at=time(10))
    assert [y for y in range(2026, 2033) if occurs_on(rule, date(y, 12, 7))] == [2026, 2029, 2032]


def test_count_zero_never_opens_however_far_from_dtstart() -> None:
    start = date(2016, 1, 1)
    never = ScheduleRule(freq="DAILY", dtstart=start, count=0)
    assert not occurs_on(never, start + timedelta(days=10))
    assert not occurs_on(never, start + timedelta(days=4000))


def test_count_looks_forward_from_dtstart_not_back() -> None:
    # Tuesdays and Thursdays from Thursday 10 December, twice: Thu 10 and Tue 15 (not Tue 8: before DTSTART).
    rule = ScheduleRule(freq="WEEKLY", byday="TU,TH", dtstart=date(2026, 12, 10), count=2)
    opens = [d for d in (date(2026, 12, 1) + timedelta(days=i) for i in range(31)) if occurs_on(rule, d)]
    assert opens == [date(2026, 12, 10), date(2026, 12, 15)]


def test_every_shared_language_is_named() -> None:
    both = candidate("Both", km=2.0, pools=(bed_pool("b"),), languages=("vi", "es-MX", "en"))
    request = MatchRequest(needs=("shelter",), participant=Participant(languages=("vi", "es", "so")))
    (option,) = match_need("shelter", request, [both], AT, Freshness()).options
    assert "speaks es, vi" in option.reasons


def test_rules_may_be_given_as_pairs_or_as_a_mapping() -> None:
    from matcher.eligibility import Eligibility

    pairs = Eligibility.of([("no_pets", "true"), ("genders", "female")], 18, 24)
    assert pairs == Eligibility.of({"genders": "female", "no_pets": "true"}, 18, 24)
    assert pairs.terms == (("genders", "female"), ("no_pets", "true"))


def test_each_service_at_a_place_is_judged_once_and_a_place_beats_its_own_service_area() -> None:
    a = candidate("A", km=1.0, pools=(bed_pool("a"),))
    b = candidate("B", km=2.0, pools=(bed_pool("b"),))
    # The candidate query may find one service at one place twice: it is one option, and the rest follow.
    answer = match_need("shelter", MatchRequest(needs=("shelter",)), [a, a, b], AT, Freshness())
    assert [o.name for o in answer.options] == ["A", "B"]
    # A service found at a place and through its area is offered once, as the place; other areas follow.
    a_area = candidate("A", km=None, reach=SERVICE_AREA, pools=(bed_pool("a"),), service_at_location_id=None)
    z_area = candidate("Z", km=None, reach=SERVICE_AREA, pools=(bed_pool("z"),), service_at_location_id=None)
    y_area = candidate("Y", km=4.0, reach=SERVICE_AREA, pools=(bed_pool("y"),), service_at_location_id=None)
    answer = match_need("shelter", MatchRequest(needs=("shelter",)), [z_area, a_area, y_area, a], AT, Freshness())
    assert sorted((o.name, o.service_at_location_id) for o in answer.options) == [
        ("A", "sal-A"),
        ("Y", None),
        ("Z", None),
    ]


def test_equal_scores_break_by_distance_before_id() -> None:
    # At the door, hours unknown: 0.15 + 0.6 = 0.75. Walk-in at 0.45 km: 0.15 + 0.6 / 1.09 + 0.05 = 0.7505,
    # shown 0.75: the same score, so the nearer comes first though its id sorts last (R9).
    able = candidate("Able", km=0.45, pools=(bed_pool("a"),), features=("walk_in",))
    for zed in (
        candidate("Zed", km=0.0, pools=(bed_pool("z"),)),
        candidate("Zed", km=3.0, reach=SERVICE_AREA, pools=(bed_pool("z"),)),
    ):  # an area is at the door
        answer = match_need("shelter", MatchRequest(needs=("shelter",)), [able, zed], AT, Freshness())
        assert [(o.name, o.score) for o in answer.options] == [("Zed", 0.75), ("Able", 0.75)]


def test_a_need_without_words_is_named_by_its_code() -> None:
    from matcher.gaps import classify_gap

    gap = classify_gap("outreach_vans", [], 5.0, 0, False)
    assert gap == Gap("none_in_area", "nothing for outreach_vans within 5 km, and no service area covers this location")


def test_the_closed_gap_reads_openings_in_the_requests_region() -> None:
    # Monday 13:00 in Tokyo (AT): Sunday 21:00 is six days away, Monday 15:00 two hours.
    def weekly(byday: str, at: int) -> tuple[ScheduleRule, ...]:
        return (ScheduleRule(freq="WEEKLY", byday=byday, opens_at=time(at), closes_at=time(at + 1)),)

    sunday = candidate("Sunday", km=1.0, pools=(bed_pool("s"),), schedules=weekly("SU", 21))
    monday = candidate("Monday", km=2.0, pools=(bed_pool("m"),), schedules=weekly("MO", 15))
    request = MatchRequest(needs=("shelter",), open_now=True, region_timezone="Asia/Tokyo")
    gap = match_need("shelter", request, [sunday, monday], AT, Freshness()).gap
    assert gap is not None and gap.detail.endswith("; Monday opens Mon 15:00, 2.0 km")


def test_reasons_counted_alike_are_listed_alphabetically() -> None:
    both = candidate("Strict", km=1.0, pools=(bed_pool("s"),), elig={"sobriety_required": "true", "no_pets": "true"})
    request = MatchRequest(needs=("shelter",), participant=Participant(active_substance_use=True, pets=True))
    gap = match_need("shelter", request, [both], AT, Freshness()).gap
    assert gap is not None and "(no pets: 1; requires sobriety: 1)" in gap.detail


def test_a_pool_without_a_unit_is_counted_in_units() -> None:
    blank = Pool(id="blank", unit="", available=0, updated=AT - timedelta(hours=1))
    gap = match_need(
        "shelter", MatchRequest(needs=("shelter",)), [candidate("Blank", pools=(blank,))], AT, Freshness()
    ).gap
    assert gap == Gap(
        "no_capacity", "1 eligible service within 15 km reports no available units; nearest: Blank (1.0 km)"
    )


def test_a_rule_stated_without_a_value_in_a_mapping_lists_nothing() -> None:
    from matcher.eligibility import excludes

    assert excludes({"genders": None, "insurance": None}, {"gender": "female", "insurance": ["medicaid"]}) == []
    assert excludes({"no_pets": None}, {"pets": True}) == ["no pets"]  # a yes/no term stated with no value applies


def test_why_a_service_excludes_in_spanish() -> None:
    from matcher.eligibility import Eligibility, excludes

    rules = Eligibility.of({"genders": "female", "insurance": "medicaid", "id_required": "true"}, 18, 24)
    young = Participant(age=16, gender="male", insurance=("private",), has_id=False)
    assert excludes(rules, young, "es") == [
        "exige identificación",
        "solo atiende a female",
        "solo acepta medicaid",
        "edad mínima 18",
    ]
    assert excludes(rules, Participant(age=30), "es") == ["edad máxima 24"]


def test_a_closed_gap_without_a_time_names_no_opening() -> None:
    from matcher.gaps import CLOSED, Evaluation, classify_gap

    day = candidate("Day", km=1.0, schedules=(ScheduleRule(freq="DAILY", opens_at=time(9), closes_at=time(10)),))
    gap = classify_gap("shelter", [Evaluation(day, CLOSED)], 15.0, 0, False)
    assert gap == Gap(
        "closed",
        "1 service within 15 km could take this participant but it is not open at this time; nearest: Day (1.0 km)",
    )


def test_hours_need_an_aware_time() -> None:
    from datetime import tzinfo

    import pytest

    class NoOffset(tzinfo):
        def utcoffset(self, dt: datetime | None) -> timedelta | None:
            return None

    rules = [ScheduleRule(freq="DAILY", opens_at=time(9), closes_at=time(10))]
    with pytest.raises(ValueError, match="^at must be timezone-aware$"):
        is_open(rules, datetime(2026, 12, 7, 9, 30), UTC)
    with pytest.raises(ValueError, match="^at must be timezone-aware$"):
        is_open(rules, datetime(2026, 12, 7, 9, 30, tzinfo=NoOffset()), UTC)


def test_a_list_written_as_json_is_read_entry_by_entry() -> None:
    from matcher.eligibility import excludes

    json_list = {"genders": '["female", "Nonbinary", ""]'}
    assert excludes(json_list, {"gender": "nonbinary"}) == []
    assert excludes(json_list, {"gender": "female"}) == []
    assert excludes(json_list, {"gender": "male"}) == ["serves female, nonbinary only"]
    assert excludes({"insurance": "['medicaid']"}, {"insurance": ["Medicaid"]}) == []
    assert excludes({"genders": "female"}, {"gender": "male"}, "en") == ["serves female only"]
    assert excludes({}, {"age": 30}) == [] and excludes({"maximum_age": 24}, {"age": 30}) == ["maximum age 24"]


def test_the_x_gender_marker_is_an_entry_like_any_other() -> None:
    from matcher.eligibility import excludes

    assert excludes({"genders": "female,X"}, {"gender": "x"}) == []
    assert excludes({"genders": '["X"]'}, {"gender": "X"}) == []
    assert excludes({"genders": "X"}, {"gender": "female"}) == ["serves x only"]
