"""Plain-object factories for matcher tests: candidates and pools near downtown Seattle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from matcher.eligibility import Eligibility
from matcher.model import RADIUS, Candidate
from matcher.pools import Pool

AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 2026-11-22 20:00 in Seattle


def bed_pool(
    id: str,
    available: float = 2,
    waitlist: int = 0,
    holds: int = 0,
    reserved_for: tuple[str, ...] = (),
    hours_old: float = 2,
    unit: str = "bed",
) -> Pool:
    return Pool(
        id=id,
        unit=unit,
        available=available,
        updated=AT - timedelta(hours=hours_old),
        waitlist=waitlist,
        active_holds=holds,
        reserved_for=reserved_for,
        maximum=max(available, 1),
    )


def candidate(
    name: str,
    need: str = "shelter",
    km: float = 1.0,
    pools: tuple[Pool, ...] = (),
    elig: dict[str, str | None] | None = None,
    features: tuple[str, ...] = (),
    **kw: Any,
) -> Candidate:
    base: dict[str, Any] = dict(
        need=need,
        service_id=f"svc-{name}",
        name=name,
        organization=f"{name} org",
        service_at_location_id=f"sal-{name}",
        location_id=f"loc-{name}",
        distance_km=km,
        reach=RADIUS,
        eligibility=Eligibility.of(elig or {}),
        features=frozenset(features),
        pools=pools,
    )
    base.update(kw)
    return Candidate(**base)
