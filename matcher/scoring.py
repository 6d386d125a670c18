"""Ranking of options (R3, R5, R9) and the plain words that explain each one.

Order: options resting on purchased (program) capacity first, then open and untracked options,
then unconfirmed ones (a stale report is a phone call, not a bed). Within a tier the score decides:
nearness weighs most, and fit (low barrier, housing first, walk-in, the person's language, open
now) moves an option past a slightly nearer one; ties break by distance, then id.
"""

from __future__ import annotations

from typing import Final

from matcher.capacity import UNTRACKED, CapacityJudgement
from matcher.eligibility import Participant
from matcher.model import SERVICE_AREA, Candidate
from matcher.pools import UNCONFIRMED
from matcher.vocabulary import BED_NEEDS
from matcher.words import EN, noun, number, say

# Tiers: lower comes first.
TIER_PROGRAM: Final = 0
TIER_OPEN: Final = 1
TIER_UNCONFIRMED: Final = 2

# Nearness: 1 at the door, 0.5 at this many km, falling smoothly; a mobile service that comes to
# the person counts as near.
HALF_NEARNESS_KM: Final = 5.0
NEARNESS_WEIGHT: Final = 0.6
# Fit bonuses (their sum stays below the nearness weight, so distance matters most).
FIT_WEIGHTS: Final[dict[str, float]] = {
    "low_barrier": 0.08,
    "housing_first": 0.08,
    "walk_in": 0.05,
    "peer_staffed": 0.03,
    "language": 0.08,
    "open_now": 0.06,
    # Receives people by the deflection pathway they come by (a crisis centre taking police drop-offs).
    "pathway": 0.08,
}
# Requiring religious participation is a barrier the field counts against a service.
RELIGIOUS_PENALTY: Final = 0.12
BASE_SCORE: Final = 0.15


def nearness(candidate: Candidate) -> float:
    if candidate.reach == SERVICE_AREA or candidate.distance_km is None:
        return 1.0
    return 1.0 / (1.0 + max(candidate.distance_km, 0.0) / HALF_NEARNESS_KM)


def shared_languages(candidate: Candidate, participant: Participant) -> list[str]:
    """Languages both speak; "es-MX" and "es" count as the same language."""
    offered = {lang.strip().lower().split("-")[0] for lang in candidate.languages if lang.strip()}
    spoken = [lang.strip().lower() for lang in participant.languages if lang.strip()]
    return sorted({lang for lang in spoken if lang.split("-")[0] in offered})


def tier(judgement: CapacityJudgement) -> int:
    if judgement.status == UNCONFIRMED:
        return TIER_UNCONFIRMED
    if judgement.pool is not None and judgement.pool.is_program_pool:
        return TIER_PROGRAM
    return TIER_OPEN


def receives_by(candidate: Candidate, pathway: str | None) -> bool:
    return pathway is not None and pathway in candidate.pathways


def score_ceiling(candidate: Candidate, participant: Participant, pathway: str | None = None) -> float:
    """The highest score `explain` could give this candidate, before its capacity and hours are
    judged: every fit it has, open now assumed. A hair above the exact sum, so a different order of
    float additions can never put the real score over it."""
    fit = sum(FIT_WEIGHTS[f] for f in candidate.features if f in FIT_WEIGHTS) + FIT_WEIGHTS["open_now"]
    if "religious_participation_required" in candidate.features:
        fit -= RELIGIOUS_PENALTY
    if participant.languages and shared_languages(candidate, participant):
        fit += FIT_WEIGHTS["language"]
    if receives_by(candidate, pathway):
        fit += FIT_WEIGHTS["pathway"]
    return round(min(max(BASE_SCORE + NEARNESS_WEIGHT * nearness(candidate) + fit + 1e-6, 0.0), 1.0), 3)


def explain(
    candidate: Candidate,
    judgement: CapacityJudgement,
    open_now: bool | None,
    participant: Participant,
    *,
    words: bool = True,
    lang: str = EN,
    pathway: str | None = None,
) -> tuple[float, list[str], list[str]]:
    """The score (0..1), the reasons (plain words) and the warnings of an option.

    With `words=False` only the score is computed (the lists stay empty): the matcher ranks every
    offered candidate by score and puts words only on the few it returns, from this same code.
    """
    reasons: list[str] = []
    warnings: list[str] = []
    score = BASE_SCORE + NEARNESS_WEIGHT * nearness(candidate)

    if words:
        pool = judgement.pool
        if pool is not None and pool.is_program_pool:
            reasons.append(say(lang, "program_reserved", unit=noun(lang, pool.unit)))
        elif pool is not None:
            n = judgement.open_units
            reasons.append(say(lang, "open_units", count=number(n), units=noun(lang, pool.unit, n)))
        elif judgement.status == UNTRACKED:
            reasons.append(say(lang, "untracked"))
        if judgement.status == UNCONFIRMED:
            warnings.append("capacity_unconfirmed")
        stays = candidate.need in BED_NEEDS
        if not candidate.eligibility.states("sobriety_required") and (stays or participant.active_substance_use):
            reasons.append(say(lang, "no_sobriety"))
    for feature in sorted(candidate.features):
        if feature in FIT_WEIGHTS:
            score += FIT_WEIGHTS[feature]
            if words:
                reasons.append(say(lang, f"feature.{feature}"))
    if "religious_participation_required" in candidate.features:
        score -= RELIGIOUS_PENALTY
        warnings.append("religious participation required")
    spoken = shared_languages(candidate, participant) if participant.languages else []
    if spoken:
        score += FIT_WEIGHTS["language"]
        reasons.append(say(lang, "speaks", languages=", ".join(spoken)))
    if receives_by(candidate, pathway):
        score += FIT_WEIGHTS["pathway"]
        if words:
            reasons.append(say(lang, "receives_by", pathway=say(lang, f"pathway.{pathway}")))
    if open_now is True:
        score += FIT_WEIGHTS["open_now"]
        reasons.append(say(lang, "open_now"))
    elif open_now is False:
        warnings.append("closed now")
    else:
        warnings.append("hours unknown")

    if not words:
        reasons.clear()
        warnings.clear()
    elif candidate.reach == SERVICE_AREA:
        reasons.append(say(lang, "serves_area"))
    elif candidate.distance_km is not None:
        reasons.append(say(lang, "km", km=candidate.distance_km))
    return round(min(max(score, 0.0), 1.0), 3), reasons, warnings


__all__ = ["explain", "nearness", "score_ceiling", "shared_languages", "tier"]
