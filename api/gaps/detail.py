"""What stands behind one gap-map cell or one SIM table cell: the services in reach and the gap events
counted there (planner pages open it on a click). Aggregates only: events are counted by reason, never
listed; services are the catalog's public directory facts (name, need, intercept).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Final

import h3
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.gaps import cells, queries
from api.gaps.params import GapQuery
from api.gaps.render import window_json
from api.gaps.status import DEMAND_REASONS
from divert.errors import InvalidInput
from matcher.vocabulary import NEEDS

# A cell's reach is itself and its first ring (docs/gaps.md, "Reach"); a SIM cell is the whole region,
# where a long list helps nobody at a workshop: the first ones by name, and how many there are.
MAX_SERVICES: Final = 200

_SERVICES: Final = text("""
SELECT gs.service_id, s.name, gs.need, gs.intercept, bool_or(gs.low_barrier) AS low_barrier,
       bool_or(gs.cell = :cell) AS in_cell
FROM gap_site gs JOIN service s ON s.id = gs.service_id
WHERE gs.need = ANY(:needs) AND gs.intercept = ANY(:intercepts)
  AND (CAST(:cells AS bigint[]) IS NULL OR gs.cell = ANY(CAST(:cells AS bigint[])))
GROUP BY gs.service_id, s.name, gs.need, gs.intercept
ORDER BY s.name, gs.service_id, gs.need, gs.intercept
""")


OUT = ConfigDict(extra="forbid")


class DetailServiceOut(BaseModel):
    model_config = OUT
    service_id: str
    name: str
    need: str
    need_name: str
    intercept: int
    low_barrier: bool
    in_cell: bool | None = Field(
        None, description="cell asked: the site is in the cell itself (false: in its neighbour ring)"
    )


class DetailDemandOut(BaseModel):
    model_config = OUT
    need: str
    need_name: str
    intercept: int
    total: int
    by_reason: dict[str, int]


class GapDetailOut(BaseModel):
    """The services and the gap events behind a map cell (or, with no cell, the whole region)."""

    model_config = OUT
    cell: str | None
    window: dict[str, Any]
    services: list[DetailServiceOut]
    services_total: int
    demand: list[DetailDemandOut]


def parse_cell(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    cell = raw.strip().lower()
    if not cells.is_cell_at(cell, cells.CACHE_RESOLUTION):
        raise InvalidInput(
            "invalid cell: not an H3 cell of resolution 7",
            errors=[{"field": "cell", "message": "must be an H3 cell of resolution 7 (an area_id of the gap map)"}],
        )
    return cell


def gap_detail(session: Session, query: GapQuery, cell: str | None) -> dict[str, Any]:
    disk = [int(h3.str_to_int(c)) for c in cells.neighbourhood(cell)] if cell else None
    rows = session.execute(
        _SERVICES,
        {
            "needs": list(query.needs),
            "intercepts": list(query.intercepts),
            "cells": disk,
            "cell": int(h3.str_to_int(cell)) if cell else None,
        },
    ).all()
    services = [
        {
            "service_id": r.service_id,
            "name": r.name,
            "need": r.need,
            "need_name": NEEDS[r.need],
            "intercept": r.intercept,
            "low_barrier": bool(r.low_barrier),
            "in_cell": bool(r.in_cell) if cell else None,
        }
        for r in rows[:MAX_SERVICES]
    ]
    grouping = "raw_cells" if cell else "region"
    counted: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for d in queries.demand_rows(
        session,
        grouping,
        needs=query.needs,
        intercepts=query.intercepts,
        start=query.window.start,
        end=query.window.end,
    ):
        if cell and d.area != cell:
            continue
        bucket = counted[(d.need, d.intercept)]
        bucket[d.reason] = bucket.get(d.reason, 0) + d.events
    demand = [
        {
            "need": need,
            "need_name": NEEDS[need],
            "intercept": intercept,
            "total": sum(reasons.values()),
            "by_reason": {reason: reasons.get(reason, 0) for reason in DEMAND_REASONS},
        }
        for (need, intercept), reasons in sorted(counted.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
    return {
        "cell": cell,
        "window": window_json(query),
        "services": services,
        "services_total": len(rows),
        "demand": demand,
    }
