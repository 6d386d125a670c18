"""What capacity a candidate offers for a need and a request: the pool an option rests on (R2-R5).

The arithmetic itself lives in matcher.pools; this module picks the pools that measure a need at a
place and judges them together, keeping the totals a gap's words need ("all owed to 9 people").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from matcher.pools import (
    FULL,
    OPEN,
    UNAVAILABLE,
    UNCONFIRMED,
    WAITLIST,
    Freshness,
    Pool,
    offerable_units,
    pool_status,
)
from matcher.vocabulary import BED_NEEDS

# Judgements of a candidate's capacity, from best to worst.
UNTRACKED: Final = "untracked"  # no pool measures this need here (R4)


@dataclass(frozen=True)
class CapacityJudgement:
    status: str  # open | unconfirmed | untracked | waitlist | full
    pool: Pool | None = None  # the pool an option rests on (open / unconfirmed)
    open_units: float = 0.0
    # Totals over the usable pools, for gap words.
    reported_available: float = 0.0
    owed: float = 0.0  # waitlist + active holds standing in front of this request
    reserved_elsewhere: float = 0.0  # units in program pools this request may not use
    unit: str | None = None


def pool_measures(pool: Pool, need: str, location_id: str | None) -> bool:
    """Does this pool count units for this need at this place?

    Beds count only for needs met by staying somewhere (a shelter's beds say nothing about its meal
    program); other units (slots, appointments) count for every need of the service. A pool tied
    to one site (`location_id`) counts only there.
    """
    if pool.location_id and location_id and pool.location_id != location_id:
        return False
    return pool.unit.lower() != "bed" or need in BED_NEEDS


_RANK: Final = {OPEN: 0, UNCONFIRMED: 1, WAITLIST: 2, FULL: 3}


def judge_capacity(
    pools: Sequence[Pool], need: str, location_id: str | None, program: str | None, at: datetime, freshness: Freshness
) -> CapacityJudgement:
    measuring = [p for p in pools if pool_measures(p, need, location_id)]
    if not measuring:
        return CapacityJudgement(UNTRACKED)
    reserved_elsewhere = sum(
        max(float(p.available), 0.0) for p in measuring if pool_status(p, at, freshness, program) == UNAVAILABLE
    )
    judged = [(pool_status(p, at, freshness, program), p) for p in measuring]
    usable = [(s, p) for s, p in judged if s != UNAVAILABLE]
    available = sum(max(float(p.available), 0.0) for _, p in usable)
    owed = sum((0 if p.is_program_pool else max(p.waitlist, 0)) + max(p.active_holds, 0) for _, p in usable)
    unit = measuring[0].unit
    if not usable:
        return CapacityJudgement(FULL, reserved_elsewhere=reserved_elsewhere, unit=unit)
    # Purchased units first (R3), then the most units, then the id for a stable answer (R9).
    status, best = min(
        usable, key=lambda sp: (_RANK[sp[0]], not sp[1].is_program_pool, -offerable_units(sp[1], program), sp[1].id)
    )
    units = offerable_units(best, program) if status in (OPEN, UNCONFIRMED) else 0.0
    return CapacityJudgement(
        status,
        best if status in (OPEN, UNCONFIRMED) else None,
        units,
        reported_available=available,
        owed=owed,
        reserved_elsewhere=reserved_elsewhere,
        unit=best.unit,
    )


__all__ = ["CapacityJudgement", "UNTRACKED", "judge_capacity", "pool_measures"]
