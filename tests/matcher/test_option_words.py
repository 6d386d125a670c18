"""Each option's score, reasons and warnings, against docs/matching.md ("Order", "Reasons and
warnings") read as a table: the score is recomputed here from the documented weights, never by
matcher/scoring.py."""

from __future__ import annotations

from datetime import time

import pytest
from matcher_factories import AT, bed_pool, candidate

from matcher.eligibility import Participant
from matcher.hours import ScheduleRule
from matcher.match import match_need
from matcher.model import SERVICE_AREA, MatchRequest
from matcher.pools import Freshness

# docs/matching.md, "Order": 0.15 + 0.6 × nearness (1 / (1 + km / 5); a covering service area is at the
# door) plus fit bonuses; religious participation required −0.12.
FIT = {
    "low_barrier": 0.08,
    "housing_first": 0.08,
    "language": 0.08,
    "open_now": 0.06,
    "walk_in": 0.05,
    "peer_staffed": 0.03,
    "religious_participation_required": -0.12,
}


def documented_score(km: float | None, *fits: str) -> float:
    nearness = 1.0 if km is None else 1 / (1 + km / 5)
    return round(max(0.0, min(1.0, 0.15 + 0.6 * nearness + sum(FIT[f] for f in fits))), 3)


ALWAYS = (ScheduleRule(freq="DAILY", opens_at=time(0), closes_at=time(0)),)
NEVER_NOW = (ScheduleRule(freq="WEEKLY", byday="MO", opens_at=time(9), closes_at=time(10)),)

ROWS = [
    (
        "open beds, every fit",
        "shelter",
        candidate(
            "A",
            km=1.4,
            pools=(bed_pool("a", available=3),),
            features=("walk_in", "low_barrier"),
            languages=("es-MX",),
            schedules=ALWAYS,
        ),
        {"languages": ["es"]},
        documented_score(1.4, "low_barrier", "walk_in", "language", "open_now"),
        ["3 open beds", "no sobriety requirement", "low barrier", "walk-in", "speaks es", "open now", "1.4 km"],
        [],
    ),
    (
        "one bed, hours unknown",
        "shelter",
        candidate("B", km=0.0, pools=(bed_pool("b", available=1),)),
        {},
        documented_score(0.0),
        ["1 open bed", "no sobriety requirement", "0.0 km"],
        ["hours unknown"],
    ),
    (
        "half units, slots, closed now",
        "moud",
        candidate("C", need="moud", km=10.0, pools=(bed_pool("c", available=2.5, unit="slot"),), schedules=NEVER_NOW),
        {},
        documented_score(10.0),
        ["2.5 open slots", "10.0 km"],
        ["closed now"],
    ),
    (
        "program beds, housing first, peer staffed",
        "shelter",
        candidate(
            "D", km=5.0, pools=(bed_pool("d", reserved_for=("lead",)),), features=("housing_first", "peer_staffed")
        ),
        {},
        documented_score(5.0, "housing_first", "peer_staffed"),
        ["program-reserved bed", "no sobriety requirement", "housing first", "peer staffed", "5.0 km"],
        ["hours unknown"],
    ),
    (
        "untracked, serves the area, religious",
        "food",
        candidate("E", need="food", km=None, reach=SERVICE_AREA, features=("religious_participation_required",)),
        {},
        documented_score(None, "religious_participation_required"),
        ["capacity not tracked: call or walk in", "serves this area"],
        ["religious participation required", "hours unknown"],
    ),
    (
        "food for a person who uses: sobriety not required is said",
        "food",
        candidate("F", need="food", km=2.0),
        {"active_substance_use": True},
        documented_score(2.0),
        ["capacity not tracked: call or walk in", "no sobriety requirement", "2.0 km"],
        ["hours unknown"],
    ),
    (
        "stale report",
        "shelter",
        candidate("G", km=2.0, pools=(bed_pool("g", available=4, hours_old=30),)),
        {},
        documented_score(2.0),
        ["4 open beds", "no sobriety requirement", "2.0 km"],
        ["capacity_unconfirmed", "hours unknown"],
    ),
    (
        "a language not spoken there",
        "shelter",
        candidate("H", km=2.0, pools=(bed_pool("h"),), languages=("en",)),
        {"languages": ["vi"]},
        documented_score(2.0),
        ["2 open beds", "no sobriety requirement", "2.0 km"],
        ["hours unknown"],
    ),
]


@pytest.mark.parametrize(
    ("why", "need", "cand", "said", "score", "reasons", "warnings"), ROWS, ids=[r[0] for r in ROWS]
)
def test_an_option_says_why(why, need, cand, said, score, reasons, warnings) -> None:  # type: ignore[no-untyped-def]
    request = MatchRequest(needs=(need,), program="lead", participant=Participant.from_mapping(said))
    [option] = match_need(need, request, [cand], AT, Freshness()).options
    assert (option.score, list(option.reasons), list(option.warnings)) == (score, reasons, warnings)


def test_fit_moves_an_option_past_a_slightly_nearer_one_but_not_a_much_nearer_one() -> None:
    """The documented balance: a low-barrier, walk-in place 2 km away beats a plain one at 1.5 km, but not
    one at the door."""
    fitted = candidate("Fitted", km=2.0, pools=(bed_pool("f"),), features=("low_barrier", "walk_in"))
    request = MatchRequest(needs=("shelter",))
    for km, first in ((1.5, "Fitted"), (0.0, "Plain")):
        plain = candidate("Plain", km=km, pools=(bed_pool("p"),))
        answer = match_need("shelter", request, [plain, fitted], AT, Freshness())
        assert answer.options[0].name == first


def test_every_pathway_has_words_in_both_languages() -> None:
    """A reason naming a pathway never falls back to a code or an English word in a Spanish answer."""
    from matcher.vocabulary import PATHWAYS
    from matcher.words import EN, ES, say

    for code in PATHWAYS:
        english, spanish = say(EN, f"pathway.{code}"), say(ES, f"pathway.{code}")
        assert english == PATHWAYS[code].lower()
        assert spanish and spanish != english and "_" not in spanish
