"""Gap classification (CONTRACT R7): the furthest stage any candidate reached, said in plain words.

Stages, in order: none_in_area < eligibility < no_capacity < waitlist_only < closed. A need whose
options are all unconfirmed is a gap too (`unconfirmed_only`) but keeps its options.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Final

from matcher.capacity import CapacityJudgement
from matcher.hours import next_open
from matcher.model import Candidate, Gap, Option
from matcher.vocabulary import NEEDS
from matcher.words import EN, count, need_words, noun, number, say, verb, when

NONE_IN_AREA: Final = "none_in_area"
ELIGIBILITY: Final = "eligibility"
NO_CAPACITY: Final = "no_capacity"
WAITLIST_ONLY: Final = "waitlist_only"
CLOSED: Final = "closed"
OFFERED: Final = "offered"  # not a gap: the candidate became an option
UNCONFIRMED_ONLY: Final = "unconfirmed_only"

STAGES: Final = (NONE_IN_AREA, ELIGIBILITY, NO_CAPACITY, WAITLIST_ONLY, CLOSED, OFFERED)


@dataclass(frozen=True)
class Evaluation:
    """How far one candidate got for one request."""

    candidate: Candidate
    stage: str
    excluded_by: tuple[str, ...] = ()
    judgement: CapacityJudgement | None = None


def furthest_stage(evaluations: Sequence[Evaluation]) -> str:
    return max((e.stage for e in evaluations), key=STAGES.index, default=NONE_IN_AREA)


def _nearest(evaluations: Sequence[Evaluation]) -> Evaluation:
    return min(
        evaluations,
        key=lambda e: (e.candidate.distance_km if e.candidate.distance_km is not None else 0.0, e.candidate.sort_id),
    )


def _place(lang: str, candidate: Candidate) -> str:
    d = candidate.distance_km
    return say(lang, "serves_area") if d is None else say(lang, "km", km=d)


def _where(lang: str, e: Evaluation) -> str:
    return say(lang, "where", name=e.candidate.name, place=_place(lang, e.candidate))


def _soonest_opening(lang: str, closed: Sequence[Evaluation], at: datetime, region_timezone: str) -> str:
    """ "; X opens Mon 09:00, 1.2 km": the closed candidate that opens first (then the nearest)."""
    opening = []
    for e in closed:
        opens = next_open(e.candidate.schedules, at, region_timezone)
        if opens is not None:
            opening.append((opens.astimezone(UTC), e.candidate.distance_km or 0.0, e.candidate.sort_id, opens, e))
    if not opening:
        return ""
    *_, opens, first = min(opening, key=lambda t: t[:3])
    return say(
        lang, "gap.closed.next", name=first.candidate.name, when=when(lang, opens), place=_place(lang, first.candidate)
    )


def classify_gap(
    need: str,
    evaluations: Sequence[Evaluation],
    radius_km: float,
    offered: int,
    unconfirmed_only: bool,
    *,
    lang: str = EN,
    at: datetime | None = None,
    region_timezone: str = "America/Los_Angeles",
) -> Gap | None:
    """The gap of a need, or None when it has a confirmed or untracked option. Words in `lang`; `at`
    lets a `closed` gap say when the first service opens."""
    words = need_words(lang, need, NEEDS.get(need, need).lower())
    within = say(lang, "within", km=f"{radius_km:g}")
    if offered and unconfirmed_only:
        stale = [e for e in evaluations if e.stage == OFFERED]
        return Gap(
            UNCONFIRMED_ONLY,
            say(
                lang,
                "gap.unconfirmed_only",
                services=count(lang, len(stale), "service"),
                within=within,
                nearest=_where(lang, _nearest(stale)),
            ),
        )
    if offered:
        return None
    stage = furthest_stage(evaluations)
    at_stage = [e for e in evaluations if e.stage == stage]
    if stage == NONE_IN_AREA:
        return Gap(NONE_IN_AREA, say(lang, "gap.none_in_area", need=words, within=within))
    n = len(at_stage)
    services = count(lang, n, "service")
    nearest = _where(lang, _nearest(at_stage))
    if stage == ELIGIBILITY:
        why: dict[str, int] = {}
        for e in at_stage:
            for reason in e.excluded_by:
                why[reason] = why.get(reason, 0) + 1
        listed = "; ".join(f"{r}: {k}" for r, k in sorted(why.items(), key=lambda kv: (-kv[1], kv[0])))
        return Gap(
            ELIGIBILITY,
            say(
                lang,
                "gap.eligibility.one" if n == 1 else "gap.eligibility.many",
                services=services,
                within=within,
                listed=listed,
                nearest=nearest,
            ),
        )
    judged = [e.judgement for e in at_stage if e.judgement is not None]
    unit = next((j.unit for j in judged if j.unit), "unit")
    if stage == NO_CAPACITY:
        reserved = sum(j.reserved_elsewhere for j in judged)
        extra = (
            say(lang, "gap.reserved_elsewhere", count=number(reserved), units=noun(lang, unit, 2)) if reserved else ""
        )
        return Gap(
            NO_CAPACITY,
            say(
                lang,
                "gap.no_capacity",
                services=count(lang, n, "eligible service"),
                within=within,
                verb=verb(lang, "reports", n),
                units=noun(lang, unit, 2),
                extra=extra,
                nearest=nearest,
            ),
        )
    if stage == WAITLIST_ONLY:
        available = sum(j.reported_available for j in judged)
        owed = sum(j.owed for j in judged)
        return Gap(
            WAITLIST_ONLY,
            say(
                lang,
                "gap.waitlist_only",
                services=services,
                within=within,
                verb=verb(lang, "has", n),
                count=number(available),
                units=noun(lang, unit, available),
                owed=count(lang, owed, "person"),
                nearest=nearest,
            ),
        )
    none_open = say(lang, "gap.closed.one" if n == 1 else "gap.closed.many")
    soonest = _soonest_opening(lang, at_stage, at, region_timezone) if at is not None else ""
    return Gap(
        CLOSED,
        say(lang, "gap.closed", services=services, within=within, none_open=none_open, nearest=nearest) + soonest,
    )


__all__ = [
    "CLOSED",
    "ELIGIBILITY",
    "Evaluation",
    "NONE_IN_AREA",
    "NO_CAPACITY",
    "OFFERED",
    "STAGES",
    "UNCONFIRMED_ONLY",
    "WAITLIST_ONLY",
    "classify_gap",
    "furthest_stage",
    "with_nearest_beyond",
]


def with_nearest_beyond(gap: Gap, nearest: Option | None, radius_km: float, lang: str = EN) -> Gap:
    """Adds what is nearest past the radius, so a case manager knows how far the next real option is."""
    if nearest is None or nearest.distance_km is None or nearest.distance_km <= radius_km:
        return gap
    status = nearest.capacity.status
    room = say(lang, f"beyond.{status}") if status in ("open", "untracked", "unconfirmed") else ""
    words = say(lang, "beyond", room=room, km=f"{radius_km:g}", name=nearest.name, distance=nearest.distance_km)
    return replace(gap, detail=f"{gap.detail}; {words.replace('  ', ' ')}")
