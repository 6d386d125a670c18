"""The matcher: for each need the participant named, the options that will take them now, or the gap.

Pure: candidates come in (from one query), answers go out; time and freshness are parameters.
Per candidate the stages run in the order of R7 (reach, eligibility, capacity, hours), so the
furthest stage reached is also the gap's reason when nothing is offered.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from matcher.capacity import UNTRACKED, CapacityJudgement, judge_capacity
from matcher.eligibility import excluded_by
from matcher.gaps import (
    CLOSED,
    ELIGIBILITY,
    NO_CAPACITY,
    OFFERED,
    WAITLIST_ONLY,
    Evaluation,
    classify_gap,
)
from matcher.hours import is_open
from matcher.model import RADIUS, SERVICE_AREA, Candidate, CapacityView, MatchRequest, NeedAnswer, Option
from matcher.pools import FULL, OPEN, UNCONFIRMED, WAITLIST, Freshness
from matcher.scoring import explain, tier


def in_reach(candidate: Candidate, radius_km: float) -> bool:
    """R6: within the radius, or a service area that covers the person (the query checked the cover)."""
    if candidate.reach == SERVICE_AREA:
        return True
    return candidate.distance_km is not None and candidate.distance_km <= radius_km


def reachable(candidates: Iterable[Candidate], need: str, radius_km: float) -> list[Candidate]:
    """Candidates for one need in reach, one per service at a place, in a stable order.

    A service found both at a place in the radius and through its service area is kept once, as
    the place: the person can go there.
    """
    found = sorted((c for c in candidates if c.need == need and in_reach(c, radius_km)),
                   key=lambda c: (c.reach != RADIUS, c.distance_km if c.distance_km is not None else 0.0,
                                  c.sort_id))
    at_a_place = {c.service_id for c in found if c.reach == RADIUS}
    seen: set[tuple[str, str | None, str]] = set()
    kept: list[Candidate] = []
    for c in found:
        if c.reach == SERVICE_AREA and c.service_id in at_a_place:
            continue
        key = (c.service_id, c.service_at_location_id, c.reach)
        if key in seen:
            continue
        seen.add(key)
        kept.append(c)
    return kept


def _capacity_view(judgement: CapacityJudgement) -> CapacityView:
    if judgement.status == UNTRACKED or judgement.pool is None:
        return CapacityView(status=UNTRACKED)
    pool = judgement.pool
    return CapacityView(status=OPEN if judgement.status == OPEN else UNCONFIRMED,
                        pool="program" if pool.is_program_pool else "public", capacity_id=pool.id,
                        unit=pool.unit, open_units=judgement.open_units, updated=pool.updated)


def evaluate(candidate: Candidate, request: MatchRequest, at: datetime,
             freshness: Freshness) -> tuple[Evaluation, Option | None, int]:
    """How far this candidate gets; its option and tier when it gets all the way."""
    exclusions = excluded_by(candidate.eligibility, request.participant)
    if exclusions:
        return Evaluation(candidate, ELIGIBILITY, exclusions), None, 0
    judgement = judge_capacity(candidate.pools, candidate.need, candidate.location_id, request.program,
                               at, freshness)
    if judgement.status == FULL:
        return Evaluation(candidate, NO_CAPACITY, judgement=judgement), None, 0
    if judgement.status == WAITLIST:
        return Evaluation(candidate, WAITLIST_ONLY, judgement=judgement), None, 0
    open_now = is_open(candidate.schedules, at, request.region_timezone)
    if request.open_now and open_now is False:
        return Evaluation(candidate, CLOSED, judgement=judgement), None, 0
    score, reasons, warnings = explain(candidate, judgement, open_now, request.participant)
    option = Option(need=candidate.need, service_id=candidate.service_id,
                    service_at_location_id=candidate.service_at_location_id,
                    location_id=candidate.location_id, name=candidate.name,
                    organization=candidate.organization,
                    distance_km=None if candidate.distance_km is None else round(candidate.distance_km, 2),
                    open_now=open_now, capacity=_capacity_view(judgement), score=score,
                    reasons=tuple(reasons), warnings=tuple(warnings))
    return Evaluation(candidate, OFFERED, judgement=judgement), option, tier(judgement)


def match_need(need: str, request: MatchRequest, candidates: Iterable[Candidate], at: datetime,
               freshness: Freshness) -> NeedAnswer:
    evaluations: list[Evaluation] = []
    ranked: list[tuple[tuple[int, float, float, str], Option]] = []
    for candidate in reachable(candidates, need, request.radius_km):
        evaluation, option, option_tier = evaluate(candidate, request, at, freshness)
        evaluations.append(evaluation)
        if option is not None:
            distance = 0.0 if candidate.reach == SERVICE_AREA else (candidate.distance_km or 0.0)
            ranked.append(((option_tier, -option.score, distance, candidate.sort_id), option))
    ranked.sort(key=lambda pair: pair[0])
    options = tuple(option for _, option in ranked)
    unconfirmed_only = bool(options) and all(o.capacity.status == UNCONFIRMED for o in options)
    gap = classify_gap(need, evaluations, request.radius_km, len(options), unconfirmed_only)
    return NeedAnswer(need=need, options=options[: max(request.limit, 0)], gap=gap)


def match_needs(request: MatchRequest, candidates: Iterable[Candidate], at: datetime,
                freshness: Freshness) -> list[NeedAnswer]:
    """One answer per named need, in the order the participant named them (R9: same in, same out)."""
    pool = list(candidates)
    return [match_need(need, request, pool, at, freshness) for need in dict.fromkeys(request.needs)]


__all__ = ["evaluate", "in_reach", "match_need", "match_needs", "reachable"]
