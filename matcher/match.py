"""The matcher: for each need the participant named, the options that will take them now, or the gap.

Pure: candidates come in (from one query), answers go out; time and freshness are parameters.
Per candidate the stages run in the order of R7 (reach, eligibility, capacity, hours), so the
furthest stage reached is also the gap's reason when nothing is offered.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable
from datetime import datetime

from matcher.capacity import UNTRACKED, CapacityJudgement, judge_capacity
from matcher.eligibility import asked_of, excluded_by
from matcher.gaps import (
    CLOSED,
    ELIGIBILITY,
    NO_CAPACITY,
    OFFERED,
    WAITLIST_ONLY,
    Evaluation,
    classify_gap,
)
from matcher.hours import is_open, next_open
from matcher.model import RADIUS, SERVICE_AREA, Candidate, CapacityView, MatchRequest, NeedAnswer, Option
from matcher.pools import FULL, OPEN, UNCONFIRMED, WAITLIST, Freshness
from matcher.scoring import TIER_OPEN, TIER_PROGRAM, explain, score_ceiling, tier


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
    found = sorted(
        (c for c in candidates if c.need == need and in_reach(c, radius_km)),
        key=lambda c: (c.reach != RADIUS, c.distance_km if c.distance_km is not None else 0.0, c.sort_id),
    )
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
    return CapacityView(
        status=OPEN if judgement.status == OPEN else UNCONFIRMED,
        pool="program" if pool.is_program_pool else "public",
        capacity_id=pool.id,
        unit=pool.unit,
        open_units=judgement.open_units,
        updated=pool.updated,
    )


def evaluate(
    candidate: Candidate, request: MatchRequest, at: datetime, freshness: Freshness
) -> tuple[Evaluation, bool | None]:
    """How far this candidate gets (stage OFFERED when all the way), and whether it is open now."""
    exclusions = excluded_by(candidate.eligibility, request.participant, request.lang)
    if exclusions:
        return Evaluation(candidate, ELIGIBILITY, exclusions), None
    judgement = judge_capacity(candidate.pools, candidate.need, candidate.location_id, request.program, at, freshness)
    if judgement.status == FULL:
        return Evaluation(candidate, NO_CAPACITY, judgement=judgement), None
    if judgement.status == WAITLIST:
        return Evaluation(candidate, WAITLIST_ONLY, judgement=judgement), None
    open_now = is_open(candidate.schedules, at, request.region_timezone)
    if request.open_now and open_now is False:
        return Evaluation(candidate, CLOSED, judgement=judgement), open_now
    return Evaluation(candidate, OFFERED, judgement=judgement), open_now


def asks_first(candidate: Candidate, request: MatchRequest) -> int:
    """R10: 1 when the case manager must ask about a rule of this service before referring, else 0
    (options needing no asking rank first within their tier)."""
    return 1 if asked_of(candidate.eligibility, request.participant) else 0


def option(
    candidate: Candidate, judgement: CapacityJudgement, open_now: bool | None, request: MatchRequest, at: datetime
) -> Option:
    """An offered candidate as the answer shows it, with its score, words and `ask:` warnings."""
    score, reasons, warnings = explain(
        candidate, judgement, open_now, request.participant, lang=request.lang, pathway=request.pathway
    )
    warnings += [f"ask:{term}" for term in asked_of(candidate.eligibility, request.participant)]
    opens = at if open_now else next_open(candidate.schedules, at, request.region_timezone)
    return Option(
        need=candidate.need,
        service_id=candidate.service_id,
        service_at_location_id=candidate.service_at_location_id,
        location_id=candidate.location_id,
        name=candidate.name,
        organization=candidate.organization,
        distance_km=None if candidate.distance_km is None else round(candidate.distance_km, 2),
        open_now=open_now,
        capacity=_capacity_view(judgement),
        score=score,
        reasons=tuple(reasons),
        warnings=tuple(warnings),
        next_open=opens,
    )


# (tier, needs asking, -score, distance, id)
RankKey = tuple[int, int, float, float, str]


def _best_possible(candidate: Candidate, request: MatchRequest) -> RankKey:
    """The best rank key this candidate could get: the program tier if it holds a pool bought by the
    request's program, the score ceiling; its distance and id are exact."""
    program = request.program
    best_tier = (
        TIER_PROGRAM if program is not None and any(program in p.reserved_for for p in candidate.pools) else TIER_OPEN
    )
    distance = 0.0 if candidate.reach == SERVICE_AREA else (candidate.distance_km or 0.0)
    return (
        best_tier,
        asks_first(candidate, request),
        -score_ceiling(candidate, request.participant, request.pathway),
        distance,
        candidate.sort_id,
    )


def match_need(
    need: str,
    request: MatchRequest,
    candidates: Iterable[Candidate],
    at: datetime,
    freshness: Freshness,
    *,
    exhaustive: bool = False,
) -> NeedAnswer:
    """Options for one need, best first, or its gap.

    Candidates are judged best-possible first. Once `limit` confirmed options are in hand and the next
    candidate's best possible rank is still behind the last of them, no candidate left can change the
    answer (its options, their order, or the gap, which is none once a confirmed option exists), so
    judging stops there. `exhaustive` judges every candidate; the tests hold both to the same answers.
    """
    limit = max(request.limit, 0)
    reach = reachable(candidates, need, request.radius_km)
    best = [_best_possible(c, request) for c in reach] if limit and not exhaustive else []
    order = sorted(range(len(reach)), key=best.__getitem__) if best else range(len(reach))
    judged: list[tuple[int, Evaluation]] = []
    # Every offered candidate is ranked by (tier, asks, score, distance, id); only the ones returned get
    # their words (reasons, warnings), built from the same scoring code.
    ranked: list[tuple[RankKey, Candidate, CapacityJudgement, bool | None]] = []
    top: list[RankKey] = []  # the best `limit` keys so far, in order
    confirmed = False
    for i in order:
        candidate = reach[i]
        if best and confirmed and len(top) == limit and top[-1] < best[i]:
            break  # settled: see the docstring
        evaluation, open_now = evaluate(candidate, request, at, freshness)
        judged.append((i, evaluation))
        judgement = evaluation.judgement
        if evaluation.stage == OFFERED and judgement is not None:
            score = explain(candidate, judgement, open_now, request.participant, words=False, pathway=request.pathway)[
                0
            ]
            distance = 0.0 if candidate.reach == SERVICE_AREA else (candidate.distance_km or 0.0)
            key = (tier(judgement), asks_first(candidate, request), -score, distance, candidate.sort_id)
            ranked.append((key, candidate, judgement, open_now))
            confirmed = confirmed or judgement.status != UNCONFIRMED
            if limit:
                insort(top, key)
                del top[limit:]
    ranked.sort(key=lambda entry: entry[0])
    evaluations = [e for _, e in sorted(judged, key=lambda pair: pair[0])]  # in reach order, as judged
    # An option's capacity shows "unconfirmed" exactly when its judgement is (see _capacity_view).
    unconfirmed_only = bool(ranked) and all(j.status == UNCONFIRMED for _, _, j, _ in ranked)
    gap = classify_gap(
        need,
        evaluations,
        request.radius_km,
        len(ranked),
        unconfirmed_only,
        lang=request.lang,
        at=at,
        region_timezone=request.region_timezone,
    )
    options = tuple(option(c, j, open_now, request, at) for _, c, j, open_now in ranked[:limit])
    return NeedAnswer(need=need, options=options, gap=gap)


def match_needs(
    request: MatchRequest, candidates: Iterable[Candidate], at: datetime, freshness: Freshness
) -> list[NeedAnswer]:
    """One answer per named need, in the order the participant named them (R9: same in, same out)."""
    pool = list(candidates)
    return [match_need(need, request, pool, at, freshness) for need in dict.fromkeys(request.needs)]


__all__ = ["asks_first", "evaluate", "in_reach", "match_need", "match_needs", "option", "reachable"]
