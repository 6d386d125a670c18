"""The SIM table's intercepts 0-1 split by deflection pathway (`GET /v1/gaps/sim?by=pathway`).

Pre-arrest deflection does the work of intercepts 0 and 1 through five pathways (self-referral, active
outreach, naloxone plus, officer prevention, officer intervention). A row per intercept × pathway ×
need counts the services that receive people by that pathway (their `deflection-pathway` terms) and
the gap events of requests that named it (`gap_event.pathway`). Region totals only, like the SIM
table's own supply and demand: no area is judged here, so the status is read from those two counts.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.gaps.params import GapQuery
from api.gaps.status import ABSENT, DEMAND_REASONS, LACKS_CAPACITY, SUFFICIENT, UNMET_REASONS
from catalog.gap_sites import DEFAULT_INTERCEPT
from divert.errors import InvalidInput
from matcher.vocabulary import INTERCEPTS, NEEDS, PATHWAY_TAXONOMY, PATHWAYS

# The intercepts deflection works at (CONTRACT §3.3b); others are never split.
DEFLECTION_INTERCEPTS: Final = (0, 1)
SPLITS: Final = ("pathway",)

# Services per intercept × pathway × need: a gap_site row (located or reached by service area) of a
# service carrying the pathway's term. Distinct services: a service with many sites counts once.
_SUPPLY: Final = text("""
SELECT gs.intercept, t.code AS pathway, gs.need, count(DISTINCT gs.service_id) AS services
FROM gap_site gs
JOIN attribute a ON a.link_entity = 'service' AND a.link_id = gs.service_id
JOIN taxonomy_term t ON t.id = a.taxonomy_term_id AND t.profile = :profile
WHERE gs.intercept = ANY(:intercepts) AND gs.need = ANY(:needs) AND t.code = ANY(:pathways)
GROUP BY 1, 2, 3
""")
_DEMAND: Final = text("""
SELECT coalesce(intercept, :default_intercept) AS intercept, pathway, need, reason, count(*) AS events
FROM gap_event
WHERE hour >= :start AND hour < :end AND need = ANY(:needs) AND pathway = ANY(:pathways)
  AND coalesce(intercept, :default_intercept) = ANY(:intercepts)
GROUP BY 1, 2, 3, 4
""")


@dataclass(frozen=True, slots=True)
class PathwayRow:
    intercept: int
    pathway: str
    need: str
    services: int
    demand: dict[str, int]

    @property
    def status(self) -> str:
        """`absent`: no service receives people by this pathway for the need at this intercept;
        `lacks_capacity`: some do, but requests that came by it met a gap (any reason but
        `unconfirmed_only`); `sufficient`: some do and no such request met a gap in the window."""
        if self.services == 0:
            return ABSENT
        if sum(self.demand.get(r, 0) for r in (*UNMET_REASONS, "none_in_area")):
            return LACKS_CAPACITY
        return SUFFICIENT


def parse_split(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    value = raw.strip().lower()
    if value not in SPLITS:
        raise InvalidInput(
            f"invalid by: {raw!r} is not one of {', '.join(SPLITS)}",
            errors=[{"field": "by", "message": f"must be one of {', '.join(SPLITS)}"}],
        )
    return value


def pathway_rows(session: Session, query: GapQuery) -> list[PathwayRow]:
    """Rows for intercepts 0-1 (those the query asks for) × the five pathways × the query's needs."""
    intercepts = [i for i in query.intercepts if i in DEFLECTION_INTERCEPTS]
    params = {"intercepts": intercepts, "needs": list(query.needs), "pathways": list(PATHWAYS)}
    services = {
        (r.intercept, r.pathway, r.need): r.services
        for r in session.execute(_SUPPLY, {**params, "profile": PATHWAY_TAXONOMY})
    }
    demand: dict[tuple[int, str, str], dict[str, int]] = defaultdict(dict)
    for r in session.execute(
        _DEMAND,
        {**params, "start": query.window.start, "end": query.window.end, "default_intercept": DEFAULT_INTERCEPT},
    ):
        demand[(r.intercept, r.pathway, r.need)][r.reason] = r.events
    return [
        PathwayRow(i, p, n, services.get((i, p, n), 0), dict(demand.get((i, p, n), {})))
        for i in intercepts
        for p in PATHWAYS
        for n in query.needs
    ]


def _demand_json(row: PathwayRow) -> dict[str, Any]:
    return {
        "total": sum(row.demand.values()),
        "by_reason": {reason: row.demand.get(reason, 0) for reason in DEMAND_REASONS},
    }


def pathways_json(rows: list[PathwayRow]) -> list[dict[str, Any]]:
    return [
        {
            "intercept": r.intercept,
            "pathway": r.pathway,
            "pathway_name": PATHWAYS[r.pathway],
            "need": r.need,
            "need_name": NEEDS[r.need],
            "status": r.status,
            "services": r.services,
            "demand": _demand_json(r),
        }
        for r in rows
    ]


PATHWAY_CSV_COLUMNS: Final = (
    "intercept",
    "intercept_name",
    "pathway",
    "pathway_name",
    "need",
    "status",
    "services",
    "demand_total",
    *(f"demand_{reason}" for reason in DEMAND_REASONS),
)


def pathways_csv(rows: list[PathwayRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PATHWAY_CSV_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.intercept,
                INTERCEPTS[r.intercept],
                r.pathway,
                PATHWAYS[r.pathway],
                r.need,
                r.status,
                r.services,
                sum(r.demand.values()),
                *(r.demand.get(reason, 0) for reason in DEMAND_REASONS),
            ]
        )
    return out.getvalue()
