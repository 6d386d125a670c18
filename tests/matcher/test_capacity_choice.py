"""Which pool an option rests on and the totals a gap's words need (R2-R5, R7), pool by pool:
matcher.capacity.judge_capacity and the words built on it. Expected values worked out by hand from
CONTRACT R2 (public pools owe their wait list and holds), R3 (program pools serve their programs
first and owe only their holds) and R5 (stale reports)."""

from __future__ import annotations

from matcher_factories import AT, bed_pool, candidate

from matcher.capacity import CapacityJudgement, judge_capacity
from matcher.match import match_need
from matcher.model import CapacityView, MatchRequest
from matcher.pools import Freshness


def judge(*pools, program=None) -> CapacityJudgement:  # type: ignore[no-untyped-def]
    return judge_capacity(pools, "shelter", None, program, AT, Freshness())


def test_purchased_beds_first_then_the_most_units_then_the_id() -> None:
    public = bed_pool("a-public", available=5)
    bought = bed_pool("b-bought", available=1, reserved_for=("lead",))
    assert judge(public, bought, program="lead").pool == bought  # R3, though fewer
    assert judge(public, bought).pool == public  # not this request's program
    small, big = bed_pool("a-small", available=2), bed_pool("b-big", available=5)
    j = judge(small, big)
    assert (j.pool, j.open_units) == (big, 5.0)
    small_p = bed_pool("a-small", available=1, reserved_for=("lead",))
    big_p = bed_pool("b-big", available=3, reserved_for=("lead",))
    j = judge(small_p, big_p, program="lead")
    assert (j.pool, j.open_units) == (big_p, 3.0)
    tie_b, tie_a = bed_pool("b-tie", available=2), bed_pool("a-tie", available=2)
    assert judge(tie_b, tie_a).pool == tie_a


def test_the_option_shows_the_purchased_pool() -> None:
    pools = (bed_pool("a-public", available=5), bed_pool("b-bought", available=1, reserved_for=("lead",)))
    request = MatchRequest(needs=("shelter",), program="lead")
    (option,) = match_need("shelter", request, [candidate("Both", pools=pools)], AT, Freshness()).options
    assert option.capacity == CapacityView(
        status="open", pool="program", capacity_id="b-bought", unit="bed", open_units=1.0, updated=pools[1].updated
    )
    assert option.reasons[0] == "program-reserved bed"


def test_a_wait_list_judgement_rests_on_no_pool_and_offers_nothing() -> None:
    j = judge(bed_pool("q", available=2, waitlist=2))
    assert (j.status, j.pool, j.open_units, j.reported_available, j.owed) == ("waitlist", None, 0.0, 2.0, 2)


def gap_detail(cands, program=None) -> str:  # type: ignore[no-untyped-def]
    gap = match_need("shelter", MatchRequest(needs=("shelter",), program=program), cands, AT, Freshness()).gap
    assert gap is not None
    return gap.detail


def test_units_reserved_for_other_programs_are_counted_when_available() -> None:
    # Only a pool bought by another program: no capacity, and its 3 beds are named (in beds, its unit).
    assert gap_detail([candidate("Bought House", km=4.0, pools=(bed_pool("b", 3, reserved_for=("lead",)),))]) == (
        "1 eligible service within 15 km reports no available beds; 3 beds there are reserved for other programs; "
        "nearest: Bought House (4.0 km)"
    )
    # An empty program pool reserves nothing.
    pools = (bed_pool("f", 0), bed_pool("b", 0, reserved_for=("x",)))
    assert gap_detail([candidate("Full House", km=3.0, pools=pools)]) == (
        "1 eligible service within 15 km reports no available beds; nearest: Full House (3.0 km)"
    )


def test_the_requests_own_program_pool_is_not_reserved_for_other_programs() -> None:
    # Lead's own pool, stale, its 2 beds held: no units, so full (R5) - but not "reserved for others".
    own = bed_pool("own", available=2, holds=2, reserved_for=("lead",), hours_old=30)
    assert gap_detail([candidate("Own House", km=2.0, pools=(own,))], program="lead") == (
        "1 eligible service within 15 km reports no available beds; nearest: Own House (2.0 km)"
    )


def test_wait_list_words_count_every_usable_pool_and_what_each_owes() -> None:
    # A wait-listed pool and an empty one: 1 bed reported, owed to 1 person.
    assert gap_detail([candidate("Queue", km=1.0, pools=(bed_pool("q", 1, waitlist=1), bed_pool("e", 0)))]) == (
        "1 service within 15 km has 1 bed, all owed to 1 person already waiting or held; nearest: Queue (1.0 km)"
    )
    # A program pool owes only its holds, never the public wait list (R3): 1 held of 1, 3 waiting ignored.
    bought = bed_pool("b", 1, waitlist=3, holds=1, reserved_for=("lead",))
    assert gap_detail([candidate("Bought", km=1.0, pools=(bought,))], program="lead") == (
        "1 service within 15 km has 1 bed, all owed to 1 person already waiting or held; nearest: Bought (1.0 km)"
    )


def test_a_place_exactly_at_the_radius_is_in_reach() -> None:
    answer = match_need(
        "shelter",
        MatchRequest(needs=("shelter",), radius_km=15.0),
        [candidate("Edge", km=15.0, pools=(bed_pool("e"),))],
        AT,
        Freshness(),
    )
    assert [o.name for o in answer.options] == ["Edge"]


def test_a_pool_of_another_site_leaves_this_place_untracked() -> None:
    from datetime import timedelta

    from matcher.pools import Pool

    elsewhere = Pool(id="site-a", unit="bed", available=4, updated=AT - timedelta(hours=1), location_id="loc-A")
    here = candidate("Site B", pools=(elsewhere,), location_id="loc-B")
    (option,) = match_need("shelter", MatchRequest(needs=("shelter",)), [here], AT, Freshness()).options
    assert option.capacity == CapacityView(status="untracked")
    there = candidate("Site A", pools=(elsewhere,), location_id="loc-A")
    (option,) = match_need("shelter", MatchRequest(needs=("shelter",)), [there], AT, Freshness()).options
    assert option.capacity.capacity_id == "site-a"


def test_open_now_reads_hours_in_the_regions_zone() -> None:
    from datetime import time

    from matcher.hours import ScheduleRule

    # AT is Sunday 20:00 in Los Angeles (Monday 04:00 UTC); open Sundays 19:00-21:00 region time.
    evening = candidate(
        "Evening",
        pools=(bed_pool("e"),),
        schedules=(ScheduleRule(freq="WEEKLY", byday="SU", opens_at=time(19), closes_at=time(21)),),
    )
    (option,) = match_need(
        "shelter", MatchRequest(needs=("shelter",), open_now=True), [evening], AT, Freshness()
    ).options
    assert option.open_now is True and "open now" in option.reasons
    answer = match_need(
        "shelter",
        MatchRequest(needs=("shelter",), open_now=True, region_timezone="Asia/Tokyo"),
        [evening],
        AT,
        Freshness(),
    )  # Monday 13:00 in Tokyo: closed
    assert answer.options == () and answer.gap is not None and answer.gap.reason == "closed"
