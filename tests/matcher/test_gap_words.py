"""The words of each gap (R7: `gap.detail` says what stood in the way and what is nearest), pinned
sentence by sentence: a case manager reads them, so a changed word is a changed product."""

from __future__ import annotations

from datetime import time

import pytest
from matcher_factories import AT, bed_pool, candidate

from matcher.gaps import with_nearest_beyond
from matcher.hours import ScheduleRule
from matcher.match import match_need
from matcher.model import SERVICE_AREA, CapacityView, Gap, MatchRequest, Option
from matcher.pools import Freshness, Pool

SOBER = {"sobriety_required": "true"}
NO_PETS = {"no_pets": "true"}
WEEKDAYS_9_5 = (ScheduleRule(freq="WEEKLY", byday="MO,TU,WE,TH,FR", opens_at=time(9), closes_at=time(17)),)
USER = {"active_substance_use": True, "pets": True}


def full(name: str, **kw: object) -> Pool:
    return bed_pool(f"{name}-p", available=0, **kw)  # type: ignore[arg-type]


CASES = [
    (
        "none in area",
        [],
        {},
        "none_in_area",
        "nothing for emergency shelter within 15 km, and no service area covers this location",
    ),
    (
        "one excludes",
        [candidate("Sober House", km=1.0, elig=SOBER, pools=(bed_pool("s"),))],
        USER,
        "eligibility",
        "1 service within 15 km meets this need but it does not admit this participant (requires sobriety: 1); "
        "nearest: Sober House (1.0 km)",
    ),
    (
        "two exclude, reasons counted",
        [
            candidate("Sober House", km=2.5, elig={**SOBER, **NO_PETS}, pools=(bed_pool("s"),)),
            candidate("Clean Rooms", km=1.25, elig=SOBER, pools=(bed_pool("c"),)),
        ],
        USER,
        "eligibility",
        "2 services within 15 km meet this need but none admits this participant (requires sobriety: 2; no pets: 1); "
        "nearest: Clean Rooms (1.2 km)",
    ),
    (
        "one full",
        [candidate("Full House", km=3.0, pools=(full("f"),))],
        {},
        "no_capacity",
        "1 eligible service within 15 km reports no available beds; nearest: Full House (3.0 km)",
    ),
    (
        "two full, program beds elsewhere",
        [
            candidate("Full House", km=3.0, pools=(full("f"),)),
            candidate("Bought House", km=4.0, pools=(bed_pool("b", available=3, reserved_for=("lead",)),)),
        ],
        {},
        "no_capacity",
        "2 eligible services within 15 km report no available beds; 3 beds there are reserved for other programs; "
        "nearest: Full House (3.0 km)",
    ),
    (
        "one wait list, one each",
        [candidate("Queue", km=1.0, pools=(bed_pool("q", available=1, waitlist=1),))],
        {},
        "waitlist_only",
        "1 service within 15 km has 1 bed, all owed to 1 person already waiting or held; nearest: Queue (1.0 km)",
    ),
    (
        "two wait lists",
        [
            candidate("Queue", km=1.0, pools=(bed_pool("q", available=2, waitlist=3),)),
            candidate("Held", km=2.0, pools=(bed_pool("h", available=1.5, holds=2),)),
        ],
        {},
        "waitlist_only",
        "2 services within 15 km have 3.5 beds, all owed to 5 people already waiting or held; nearest: Queue (1.0 km)",
    ),
    (
        "one closed",
        [candidate("Day Beds", km=1.0, pools=(bed_pool("d"),), schedules=WEEKDAYS_9_5)],
        {"open_now": True},
        "closed",
        "1 service within 15 km could take this participant but it is not open at this time; "
        "nearest: Day Beds (1.0 km); Day Beds opens Mon 09:00, 1.0 km",
    ),
    (
        "two closed, one serves the area",
        [
            candidate("Day Beds", km=1.0, pools=(bed_pool("d"),), schedules=WEEKDAYS_9_5),
            candidate("Van", km=None, reach=SERVICE_AREA, pools=(bed_pool("v"),), schedules=WEEKDAYS_9_5),
        ],
        {"open_now": True},
        "closed",
        "2 services within 15 km could take this participant but none is open at this time; "
        "nearest: Van (serves this area); Van opens Mon 09:00, serves this area",
    ),
    (
        "unconfirmed only",
        [candidate("Old Beds", km=2.0, pools=(bed_pool("o", hours_old=30),))],
        {},
        "unconfirmed_only",
        "only unconfirmed reports: 1 service within 15 km last reported room, but the report is older than its "
        "time-to-live; call to confirm (nearest: Old Beds (2.0 km))",
    ),
]


@pytest.mark.parametrize(("why", "cands", "extra", "reason", "detail"), CASES, ids=[c[0] for c in CASES])
def test_each_gap_says_what_stood_in_the_way(why, cands, extra, reason, detail) -> None:  # type: ignore[no-untyped-def]
    from matcher.eligibility import Participant

    said = dict(extra)
    open_now = bool(said.pop("open_now", False))
    request = MatchRequest(needs=("shelter",), open_now=open_now, participant=Participant.from_mapping(said))
    answer = match_need("shelter", request, cands, AT, Freshness())
    assert answer.gap == Gap(reason, detail)


def _option(status: str, km: float | None) -> Option:
    return Option(
        need="shelter",
        service_id="s",
        service_at_location_id=None,
        location_id=None,
        name="Far Beds",
        organization="o",
        distance_km=km,
        open_now=None,
        capacity=CapacityView(status=status),
        score=0.5,
    )


@pytest.mark.parametrize(
    ("status", "km", "words"),
    [
        ("open", 7.46, "; nearest option with room beyond 5 km: Far Beds at 7.5 km"),
        ("untracked", 12.0, "; nearest option (capacity not tracked) beyond 5 km: Far Beds at 12.0 km"),
        ("unconfirmed", 5.01, "; nearest option (unconfirmed report) beyond 5 km: Far Beds at 5.0 km"),
        ("other", 6.0, "; nearest option beyond 5 km: Far Beds at 6.0 km"),
        ("open", 5.0, ""),  # at the radius is not beyond it
        ("open", 2.0, ""),
        ("open", None, ""),
    ],
)
def test_the_nearest_option_beyond_the_radius_is_named(status: str, km: float | None, words: str) -> None:
    gap = Gap("no_capacity", "words")
    assert with_nearest_beyond(gap, _option(status, km), 5.0) == Gap("no_capacity", "words" + words)
    assert with_nearest_beyond(gap, None, 5.0) == gap
