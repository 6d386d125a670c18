"""Capacity pool arithmetic: non-displacement (R2), program pools (R3) and freshness (R5).

One implementation serves the matcher, holds (under a row lock) and the pages: a pool offers
`available - waitlist - active holds` units when public, `available - active holds` when reserved
for programs, and only to a request whose program is in `reserved_for`. Time is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

HOURS: Final = 3600.0

# Default time-to-live of a report by unit (CONTRACT R5), in hours; settings may override.
DEFAULT_TTL_HOURS: Final[dict[str, float]] = {"bed": 24.0, "slot": 24.0 * 7, "appointment": 24.0 * 7}
DEFAULT_OTHER_TTL_HOURS: Final = 72.0


@dataclass(frozen=True)
class Pool:
    """A service_capacity row as the rules see it."""

    id: str
    unit: str
    available: float
    updated: datetime
    maximum: float | None = None
    waitlist: int = 0
    reserved_for: tuple[str, ...] = ()
    active_holds: int = 0
    location_id: str | None = None

    @property
    def is_program_pool(self) -> bool:
        return bool(self.reserved_for)


@dataclass(frozen=True)
class Freshness:
    """Time-to-live per unit, in hours."""

    by_unit: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TTL_HOURS))
    other: float = DEFAULT_OTHER_TTL_HOURS

    def ttl(self, unit: str) -> timedelta:
        return timedelta(hours=self.by_unit.get(unit.lower(), self.other))


def usable_by(pool: Pool, program: str | None) -> bool:
    """R3: a program pool serves only the programs that bought it; a public pool serves anyone."""
    return not pool.reserved_for or (program is not None and program in pool.reserved_for)


def offerable_units(pool: Pool, program: str | None) -> float:
    """Units this request may take now (R2/R3); never negative. Freshness is judged separately."""
    if not usable_by(pool, program):
        return 0.0
    owed = 0 if pool.is_program_pool else max(pool.waitlist, 0)
    return max(float(pool.available) - owed - max(pool.active_holds, 0), 0.0)


def is_stale(pool: Pool, at: datetime, freshness: Freshness) -> bool:
    """R5: a report older than its unit's time-to-live, judged at the request's time."""
    return at - pool.updated > freshness.ttl(pool.unit)


# Pool status shared by the matcher, the capacity API and the pages.
OPEN: Final = "open"  # fresh, with units this request may take
FULL: Final = "full"  # fresh, no units reported available
WAITLIST: Final = "waitlist"  # units reported, all owed to people waiting or held
UNCONFIRMED: Final = "unconfirmed"  # stale report that left open units: call to confirm
UNAVAILABLE: Final = "unavailable"  # a program pool this request may not use


def pool_status(pool: Pool, at: datetime, freshness: Freshness, program: str | None = None) -> str:
    """The pool's status for a request (program) at a time.

    A stale report that left no open units is treated as full (R5).
    Public view (program None) of a program pool is `unavailable`.
    """
    if not usable_by(pool, program):
        return UNAVAILABLE
    units = offerable_units(pool, program)
    if is_stale(pool, at, freshness):
        return UNCONFIRMED if units > 0 else FULL
    if units > 0:
        return OPEN
    if float(pool.available) > 0:
        return WAITLIST
    return FULL
