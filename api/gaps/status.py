"""The planner's verdict on one area, need and intercept, and the plain words of a SIM report.

Pure functions over plain numbers: no session, no clock. Three statuses are the ones a Sequential
Intercept Model mapping workshop uses for a resource: enough, exists but lacks capacity, absent. The
fourth, `barriers_only`, is the harm-reduction test (CONTRACT §2.5): supply that would be enough, but
only at services that require sobriety, exclude people on MOUD or who do sex work, or require
religious participation, i.e. none that the people a diversion program serves can use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, NamedTuple

from matcher.vocabulary import GAP_REASONS

ABSENT: Final = "absent"
LACKS_CAPACITY: Final = "lacks_capacity"
BARRIERS_ONLY: Final = "barriers_only"
SUFFICIENT: Final = "sufficient"
STATUSES: Final = (ABSENT, LACKS_CAPACITY, BARRIERS_ONLY, SUFFICIENT)

# Gap reasons (CONTRACT R7) that say services were there but did not serve the person. `none_in_area`
# is demand too, but it speaks of reach, which the map judges from supply itself; `unconfirmed_only`
# still gave options, so it is no unmet demand.
UNMET_REASONS: Final = ("no_capacity", "waitlist_only", "eligibility", "closed")
DEMAND_REASONS: Final = (*GAP_REASONS, "unconfirmed_only")


class Reach(NamedTuple):
    """What a person in the area can reach for one need and intercept (see docs/gaps.md, "Reach")."""

    services: int = 0  # services with a site in the area or its neighbour ring, per cell
    area_services: int = 0  # services whose service area covers the area
    open_units: float = 0.0  # fresh open units of the pools of those services
    untracked_services: int = 0  # of those services, how many track no pool for the need
    # The same supply at services with no harm-reduction barrier (matcher.vocabulary.HARM_REDUCTION_BARRIERS).
    barrier_free_open_units: float = 0.0
    barrier_free_untracked_services: int = 0


def unmet_demand(demand: Mapping[str, int] | None) -> int:
    if not demand:  # most areas of a map: no events at all
        return 0
    return sum(demand.get(reason, 0) for reason in UNMET_REASONS)


def area_status(reach: Reach, demand: Mapping[str, int] | None) -> str:
    """`absent`: nothing in reach. `lacks_capacity`: something in reach, but no open unit and no
    untracked service, or requests met no_capacity / waitlist_only / eligibility / closed in the window.
    Otherwise (open units or untracked services in reach, and no unmet demand): `barriers_only` when
    every one of those open units and untracked services is at a service behind a harm-reduction
    barrier, `sufficient` when at least one is not."""
    if reach.services + reach.area_services == 0:
        return ABSENT
    if unmet_demand(demand) > 0:
        return LACKS_CAPACITY
    if reach.open_units > 0 or reach.untracked_services > 0:
        if reach.barrier_free_open_units > 0 or reach.barrier_free_untracked_services > 0:
            return SUFFICIENT
        return BARRIERS_ONLY
    return LACKS_CAPACITY


def region_status(services: int, areas: Mapping[str, int]) -> str:
    """A SIM cell (intercept × need) for the whole region: absent when no service exists at all;
    lacks_capacity when an area is absent or lacks capacity; else barriers_only when an area is."""
    if services == 0:
        return ABSENT
    if areas.get(ABSENT, 0) or areas.get(LACKS_CAPACITY, 0):
        return LACKS_CAPACITY
    if areas.get(BARRIERS_ONLY, 0):
        return BARRIERS_ONLY
    return SUFFICIENT


_DEMAND_WORDS: Final = {
    "no_capacity": "met no capacity",
    "waitlist_only": "met only wait lists",
    "eligibility": "found no service that would take them",
    "closed": "found everything closed",
    "none_in_area": "found nothing within reach",
    "unconfirmed_only": "found only unconfirmed capacity",
}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def gap_words(
    intercept: int, need: str, services: int, areas: Mapping[str, int], demand: Mapping[str, int], window_days: int
) -> str:
    """One line a SIM mapping report can print, e.g.
    "Intercept 4, shelter: 3 areas with no service; 41 requests met no capacity in 30 days"."""
    parts: list[str] = []
    if services == 0:
        parts.append("no service in the region")
    if areas.get(ABSENT, 0):
        parts.append(f"{_plural(areas[ABSENT], 'area')} with no service")
    if areas.get(LACKS_CAPACITY, 0):
        parts.append(f"{_plural(areas[LACKS_CAPACITY], 'area')} lacking capacity")
    if areas.get(BARRIERS_ONLY, 0):
        parts.append(
            f"{_plural(areas[BARRIERS_ONLY], 'area')} where every opening requires sobriety, "
            "excludes MOUD or sex work, or requires religious participation"
        )
    for reason in (*UNMET_REASONS, "none_in_area"):
        if demand.get(reason, 0):
            parts.append(
                f"{_plural(demand[reason], 'request')} {_DEMAND_WORDS[reason]} in {_plural(window_days, 'day')}"
            )
    if not parts:
        parts.append("enough in every area with services" if services else "no service and no request")
    return f"Intercept {intercept}, {need}: " + "; ".join(parts)


def gap_rank(services: int, areas: Mapping[str, int], demand: Mapping[str, int]) -> tuple[int, int, int, int]:
    """Sort key (smaller first) for the top gaps: areas without service, then unmet requests, then
    areas lacking capacity, then areas with only barrier supply."""
    return (
        -areas.get(ABSENT, 0),
        -(unmet_demand(demand) + demand.get("none_in_area", 0)),
        -areas.get(LACKS_CAPACITY, 0),
        -areas.get(BARRIERS_ONLY, 0),
    )


def is_gap(areas: Mapping[str, int], demand: Mapping[str, int]) -> bool:
    return bool(
        areas.get(ABSENT, 0)
        or areas.get(LACKS_CAPACITY, 0)
        or areas.get(BARRIERS_ONLY, 0)
        or unmet_demand(demand)
        or demand.get("none_in_area", 0)
    )
