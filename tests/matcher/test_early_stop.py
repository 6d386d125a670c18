"""The matcher stops judging candidates once no candidate left can change the answer (match_need's
early stop, ranked by each candidate's best possible rank). A best possible rank that is too low would
stop too early and drop the real best option, so each case below has one limit-1 answer whose winner is
judged *after* a nearer, plainer candidate would have settled it: the expected winner comes from the
documented weights (docs/matching.md "Order": 0.15 + 0.6 / (1 + km / 5), + 0.08 low barrier, + 0.08
housing first, + 0.05 walk-in, + 0.08 the person's language, + 0.08 the pathway they come by, + 0.06
open now; program tier first), worked out in the comments, never by matcher code."""

from __future__ import annotations

from datetime import time

import pytest
from matcher_factories import AT, bed_pool, candidate

from matcher.eligibility import Participant
from matcher.hours import ScheduleRule
from matcher.match import match_need
from matcher.model import Candidate, MatchRequest
from matcher.pools import Freshness

ALWAYS = (ScheduleRule(freq="DAILY", opens_at=time(0), closes_at=time(0)),)
# At the door, open beds, hours unknown: 0.15 + 0.6 = 0.75; its best possible adds open now: 0.81.
PLAIN = candidate("Plain", km=0.0, pools=(bed_pool("plain"),))

CASES: list[tuple[str, Candidate, MatchRequest]] = [
    # 1 km: 0.15 + 0.5 = 0.65, + 0.21 fit = 0.86 > 0.75 (0.71 without its fit).
    (
        "features",
        candidate("Winner", km=1.0, pools=(bed_pool("w"),), features=("low_barrier", "housing_first", "walk_in")),
        MatchRequest(needs=("shelter",), limit=1),
    ),
    # 0.65 km: 0.15 + 0.6 / 1.13 = 0.681, + 0.08 language = 0.761 > 0.75 (0.741 with open now only).
    (
        "language",
        candidate("Winner", km=0.65, pools=(bed_pool("w"),), languages=("vi",)),
        MatchRequest(needs=("shelter",), limit=1, participant=Participant(languages=("vi",))),
    ),
    # The same with the pathway the person comes by.
    (
        "pathway",
        candidate("Winner", km=0.65, pools=(bed_pool("w"),), pathways=frozenset({"officer_intervention"})),
        MatchRequest(needs=("shelter",), limit=1, pathway="officer_intervention"),
    ),
    # 0.2 km, open now: 0.15 + 0.6 / 1.04 = 0.727, + 0.06 = 0.787 > 0.75 (0.727 without open now).
    (
        "open now",
        candidate("Winner", km=0.2, pools=(bed_pool("w"),), schedules=ALWAYS),
        MatchRequest(needs=("shelter",), limit=1),
    ),
    # Program beds come first however far (R3): 0.15 + 0.6 / 3 = 0.35 at 10 km.
    (
        "program tier",
        candidate("Winner", km=10.0, pools=(bed_pool("w", reserved_for=("lead",)),)),
        MatchRequest(needs=("shelter",), limit=1, program="lead"),
    ),
]


@pytest.mark.parametrize(("why", "winner", "request_"), CASES, ids=[c[0] for c in CASES])
def test_the_best_option_is_found_though_a_nearer_plain_one_is_judged_first(
    why: str, winner: Candidate, request_: MatchRequest
) -> None:
    for order in ([PLAIN, winner], [winner, PLAIN]):
        answer = match_need("shelter", request_, order, AT, Freshness())
        assert [o.name for o in answer.options] == ["Winner"], why
        assert answer.gap is None
    # With room for both, the plain one follows.
    two = match_need("shelter", MatchRequest(**{**request_.__dict__, "limit": 2}), [PLAIN, winner], AT, Freshness())
    assert [o.name for o in two.options] == ["Winner", "Plain"]


def test_a_religious_requirement_only_lowers_the_service_that_has_it() -> None:
    # Plain 0.75 (best 0.81); Open at 0.2 km, open now 0.787: it wins though judged after Plain.
    winner = candidate("Winner", km=0.2, pools=(bed_pool("w"),), schedules=ALWAYS)
    answer = match_need("shelter", MatchRequest(needs=("shelter",), limit=1), [PLAIN, winner], AT, Freshness())
    assert [o.name for o in answer.options] == ["Winner"]
    # Religious participation required at the door: 0.75 - 0.12 = 0.63 < 0.787.
    praying = candidate("Praying", km=0.0, pools=(bed_pool("p"),), features=("religious_participation_required",))
    answer = match_need("shelter", MatchRequest(needs=("shelter",), limit=1), [praying, winner], AT, Freshness())
    assert [o.name for o in answer.options] == ["Winner"]


def test_a_limit_of_zero_returns_no_options_but_still_the_gap() -> None:
    answer = match_need("shelter", MatchRequest(needs=("shelter",), limit=0), [PLAIN], AT, Freshness())
    assert answer.options == () and answer.gap is None
    stale = candidate("Stale", km=1.0, pools=(bed_pool("s", hours_old=30),))
    answer = match_need("shelter", MatchRequest(needs=("shelter",), limit=0), [stale], AT, Freshness())
    assert answer.options == () and answer.gap is not None and answer.gap.reason == "unconfirmed_only"


# Ties (R9): same tier, no asking, the same score and the same distance in the rank (a service area that
# covers the person is at distance 0, like a place at the door) break by id. Both are open now, so each
# one's score is its best possible (0.15 + 0.6 + 0.06 = 0.81): the early stop must still not drop the
# candidate that wins the tie by id.
def area(name: str, km: float | None) -> Candidate:
    return candidate(
        name, km=km, reach="service_area", pools=(bed_pool(name),), schedules=ALWAYS, service_at_location_id=None
    )


def door(name: str) -> Candidate:
    return candidate(name, km=0.0, pools=(bed_pool(name),), schedules=ALWAYS, service_at_location_id=None)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (area("Able", None), door("Zed")),
        (area("Able", 3.0), door("Zed")),  # a service area with a distance of its own still ranks at the door
        (door("Able"), area("Zed", None)),
        (door("Able"), door("Zed")),
    ],
)
def test_a_tie_on_score_and_distance_is_broken_by_id_even_when_the_answer_settles_early(
    first: Candidate, second: Candidate
) -> None:
    for order in ([first, second], [second, first]):
        one = match_need("shelter", MatchRequest(needs=("shelter",), limit=1), order, AT, Freshness())
        assert [(o.name, o.score) for o in one.options] == [("Able", 0.81)]
        two = match_need("shelter", MatchRequest(needs=("shelter",), limit=2), order, AT, Freshness())
        assert [o.name for o in two.options] == ["Able", "Zed"]


def test_the_score_is_capped_at_one() -> None:
    # 0.15 + 0.6 + 0.08 + 0.08 + 0.05 + 0.03 + 0.08 + 0.08 + 0.06 = 1.21, shown as 1.0.
    everything = candidate(
        "All",
        km=None,
        reach="service_area",
        pools=(bed_pool("all"),),
        schedules=ALWAYS,
        features=("low_barrier", "housing_first", "walk_in", "peer_staffed"),
        languages=("vi",),
        pathways=frozenset({"naloxone_plus"}),
    )
    request = MatchRequest(needs=("shelter",), pathway="naloxone_plus", participant=Participant(languages=("vi",)))
    (option,) = match_need("shelter", request, [everything], AT, Freshness()).options
    assert option.score == 1.0


@pytest.mark.parametrize(
    ("why", "plain", "winner", "request_"),
    [
        # Religious participation required, with four fits, open now, 1.5 km:
        # 0.15 + 0.6 / 1.3 + 0.24 + 0.06 - 0.12 = 0.792 > 0.75.
        (
            "religious with fits",
            PLAIN,
            candidate(
                "Winner",
                km=1.5,
                pools=(bed_pool("w"),),
                schedules=ALWAYS,
                features=(
                    "religious_participation_required",
                    "low_barrier",
                    "housing_first",
                    "walk_in",
                    "peer_staffed",
                ),
            ),
            MatchRequest(needs=("shelter",), limit=1),
        ),
        # Language and two fits, open now, 2 km: 0.15 + 0.6 / 1.4 + 0.16 + 0.08 + 0.06 = 0.879 > 0.75.
        (
            "language with fits",
            PLAIN,
            candidate(
                "Winner",
                km=2.0,
                pools=(bed_pool("w"),),
                schedules=ALWAYS,
                languages=("so",),
                features=("low_barrier", "housing_first"),
            ),
            MatchRequest(needs=("shelter",), limit=1, participant=Participant(languages=("so",))),
        ),
        # The pathway and two fits, open now, 2 km: the same 0.879.
        (
            "pathway with fits",
            PLAIN,
            candidate(
                "Winner",
                km=2.0,
                pools=(bed_pool("w"),),
                schedules=ALWAYS,
                pathways=frozenset({"self_referral"}),
                features=("low_barrier", "housing_first"),
            ),
            MatchRequest(needs=("shelter",), limit=1, pathway="self_referral"),
        ),
        # Far and low: religious at 8 km, 0.15 + 0.6 / 2.6 - 0.12 = 0.261; low barrier at 10 km,
        # 0.15 + 0.2 + 0.08 = 0.43. The nearer one is judged first.
        (
            "far and low",
            candidate("Plain", km=8.0, pools=(bed_pool("p"),), features=("religious_participation_required",)),
            candidate("Winner", km=10.0, pools=(bed_pool("w"),), features=("low_barrier",)),
            MatchRequest(needs=("shelter",), limit=1),
        ),
    ],
)
def test_the_best_possible_score_is_never_below_the_real_one(
    why: str, plain: Candidate, winner: Candidate, request_: MatchRequest
) -> None:
    for order in ([plain, winner], [winner, plain]):
        answer = match_need("shelter", request_, order, AT, Freshness())
        assert [o.name for o in answer.options] == ["Winner"], why


def test_candidates_are_judged_best_possible_first_not_nearest_first() -> None:
    # Nearest first would judge Plain (0.75), then stop at Middle (1 km, at best 0.71 open now) and never
    # reach the program beds at 10 km, which come first for this request (R3).
    middle = candidate("Middle", km=1.0, pools=(bed_pool("m"),))
    bought = candidate("Bought", km=10.0, pools=(bed_pool("b", reserved_for=("lead",)),))
    answer = match_need(
        "shelter", MatchRequest(needs=("shelter",), limit=1, program="lead"), [PLAIN, middle, bought], AT, Freshness()
    )
    assert [o.name for o in answer.options] == ["Bought"]


def test_a_best_possible_score_a_hair_from_a_rounding_edge_still_bounds_the_real_one() -> None:
    # Open now at 0.20381 km: 0.15 + 0.6 / 1.040762 + 0.06 = 0.7865007, shown 0.787. Low barrier and
    # housing first at 1.29 km, hours unknown: 0.15 + 0.6 / 1.258 + 0.16 = 0.78695, also 0.787. Equal
    # scores: the nearer comes first (R9), though the farther one is judged first (its best is 0.847).
    near = candidate("Near", km=0.20381, pools=(bed_pool("n"),), schedules=ALWAYS)
    far = candidate("Far", km=1.29, pools=(bed_pool("f"),), features=("low_barrier", "housing_first"))
    for order in ([far, near], [near, far]):
        answer = match_need("shelter", MatchRequest(needs=("shelter",), limit=1), order, AT, Freshness())
        assert [(o.name, o.score) for o in answer.options] == [("Near", 0.787)]
