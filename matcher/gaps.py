"""Gap classification (CONTRACT R7): the furthest stage any candidate reached, said in plain words.

Stages, in order: none_in_area < eligibility < no_capacity < waitlist_only < closed. A need whose
options are all unconfirmed is a gap too (`unconfirmed_only`) but keeps its options.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from matcher.capacity import CapacityJudgement
from matcher.model import Candidate, Gap, Option
from matcher.vocabulary import NEEDS

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


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _num(x: float) -> str:
    return f"{int(x)}" if float(x).is_integer() else f"{x:g}"


def _nearest(evaluations: Sequence[Evaluation]) -> Evaluation:
    return min(evaluations, key=lambda e: (e.candidate.distance_km if e.candidate.distance_km is not None
                                           else 0.0, e.candidate.sort_id))


def _where(e: Evaluation) -> str:
    d = e.candidate.distance_km
    return f"{e.candidate.name} ({'serves this area' if d is None else f'{d:.1f} km'})"


def classify_gap(need: str, evaluations: Sequence[Evaluation], radius_km: float, offered: int,
                 unconfirmed_only: bool) -> Gap | None:
    """The gap of a need, or None when it has a confirmed or untracked option."""
    words = NEEDS.get(need, need).lower()
    within = f"within {radius_km:g} km"
    if offered and unconfirmed_only:
        stale = [e for e in evaluations if e.stage == OFFERED]
        return Gap(UNCONFIRMED_ONLY, f"only unconfirmed reports: {_count(len(stale), 'service')} {within} "
                                     f"last reported room, but the report is older than its time-to-live; "
                                     f"call to confirm (nearest: {_where(_nearest(stale))})")
    if offered:
        return None
    stage = furthest_stage(evaluations)
    at_stage = [e for e in evaluations if e.stage == stage]
    if stage == NONE_IN_AREA:
        return Gap(NONE_IN_AREA, f"nothing for {words} {within}, and no service area covers this location")
    nearest = _where(_nearest(at_stage))
    if stage == ELIGIBILITY:
        why: dict[str, int] = {}
        for e in at_stage:
            for reason in e.excluded_by:
                why[reason] = why.get(reason, 0) + 1
        listed = "; ".join(f"{r}: {n}" for r, n in sorted(why.items(), key=lambda kv: (-kv[1], kv[0])))
        n = len(at_stage)
        return Gap(ELIGIBILITY, f"{_count(n, 'service')} {within} {'meets' if n == 1 else 'meet'} this need "
                                f"but {'it does not admit' if n == 1 else 'none admits'} this participant "
                                f"({listed}); nearest: {nearest}")
    judged = [e.judgement for e in at_stage if e.judgement is not None]
    unit = next((j.unit for j in judged if j.unit), "unit")
    if stage == NO_CAPACITY:
        reserved = sum(j.reserved_elsewhere for j in judged)
        extra = (f"; {_num(reserved)} {unit}s there are reserved for other programs" if reserved else "")
        verb = "reports" if len(at_stage) == 1 else "report"
        return Gap(NO_CAPACITY, f"{_count(len(at_stage), 'eligible service')} {within} {verb} no "
                                f"available {unit}s{extra}; nearest: {nearest}")
    if stage == WAITLIST_ONLY:
        available = sum(j.reported_available for j in judged)
        owed = sum(j.owed for j in judged)
        verb = "has" if len(at_stage) == 1 else "have"
        return Gap(WAITLIST_ONLY, f"{_count(len(at_stage), 'service')} {within} {verb} {_num(available)} "
                                  f"{unit}{'' if available == 1 else 's'}, all owed to {_num(owed)} "
                                  f"{'person' if owed == 1 else 'people'} already waiting or held; "
                                  f"nearest: {nearest}")
    none_open = "it is not" if len(at_stage) == 1 else "none is"
    return Gap(CLOSED, f"{_count(len(at_stage), 'service')} {within} could take this participant but "
                       f"{none_open} open at this time; nearest: {nearest}")


__all__ = ["CLOSED", "ELIGIBILITY", "Evaluation", "NONE_IN_AREA", "NO_CAPACITY", "OFFERED", "STAGES",
           "UNCONFIRMED_ONLY", "WAITLIST_ONLY", "classify_gap", "furthest_stage", "with_nearest_beyond"]


def with_nearest_beyond(gap: Gap, nearest: Option | None, radius_km: float) -> Gap:
    """Adds what is nearest past the radius, so a case manager knows how far the next real option is."""
    if nearest is None or nearest.distance_km is None or nearest.distance_km <= radius_km:
        return gap
    room = {"open": "with room", "untracked": "(capacity not tracked)",
            "unconfirmed": "(unconfirmed report)"}.get(nearest.capacity.status, "")
    words = f"nearest option {room} beyond {radius_km:g} km: {nearest.name} at {nearest.distance_km:.1f} km"
    return replace(gap, detail=f"{gap.detail}; {words.replace('  ', ' ')}")
