"""The gap map and the SIM table as JSON, GeoJSON (cell or area polygons) and CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from api.gaps import cells
from api.gaps.params import AREA_NAMED, GapQuery
from api.gaps.queries import SupplyRow
from api.gaps.service import GapMap, GapRow, SimEntry, SimTable
from api.gaps.status import ABSENT, BARRIERS_ONLY, DEMAND_REASONS, LACKS_CAPACITY, SUFFICIENT
from api.referrals.suppression import suppressed
from matcher.vocabulary import INTERCEPTS, NEEDS


def _number(value: float) -> float | int:
    """Whole unit counts stay integers in JSON and CSV."""
    if value.__class__ is float:  # nearly every call (a page makes ~90k): no float() copy
        return int(value) if value.is_integer() else round(value, 3)
    return int(value) if float(value).is_integer() else round(value, 3)


# Shared by every row without supply of its own (orjson writes it as often as it appears).
_NO_SUPPLY: dict[str, Any] = {
    "services": 0,
    "low_barrier_services": 0,
    "untracked_services": 0,
    "barrier_services": 0,
    "barrier_free_untracked_services": 0,
    "pools": 0,
    "fresh_pools": 0,
    "freshness": None,
    "units": {
        "public": {"total": 0, "available": 0, "open": 0},
        "program": {"total": 0, "available": 0, "open": 0},
        "barrier_free_open": 0,
    },
}


def supply_json(s: SupplyRow | None) -> dict[str, Any]:
    if s is None:
        return _NO_SUPPLY
    return {
        "services": s.services,
        "low_barrier_services": s.low_barrier_services,
        "untracked_services": s.untracked_services,
        "barrier_services": s.barrier_services,
        "barrier_free_untracked_services": s.barrier_free_untracked,
        "pools": s.pools,
        "fresh_pools": s.fresh_pools,
        "freshness": round(s.fresh_pools / s.pools, 3) if s.pools else None,
        "units": {
            "public": {
                "total": _number(s.public_total),
                "available": _number(s.public_available),
                "open": _number(s.public_open),
            },
            "program": {
                "total": _number(s.program_total),
                "available": _number(s.program_available),
                "open": _number(s.program_open),
            },
            "barrier_free_open": _number(s.barrier_free_open),
        },
    }


# Most rows of a map have no demand: one shared object (orjson writes it as often as it appears).
_NO_DEMAND: dict[str, Any] = {"total": 0, "by_reason": dict.fromkeys(DEMAND_REASONS, 0)}


def demand_json(demand: dict[str, int] | None) -> dict[str, Any] | None:
    if demand is None:
        return None
    if not demand:
        return _NO_DEMAND
    by_reason = {reason: demand.get(reason, 0) for reason in DEMAND_REASONS}
    return {"total": sum(demand.values()), "by_reason": by_reason}


def window_json(query: GapQuery) -> dict[str, Any]:
    return {"from": query.window.start.isoformat(), "to": query.window.end.isoformat(), "days": query.window.days}


def _meta(gap_map: GapMap) -> dict[str, Any]:
    q = gap_map.query
    return {
        "area": q.area,
        "resolution": q.resolution,
        "window": window_json(q),
        "at": gap_map.at.isoformat(),
        "needs": list(q.needs),
        "intercepts": list(q.intercepts),
        "demand_by_area": q.has_demand_by_area,
        "unplaced_events": gap_map.unplaced_events,
    }


def _page_meta(gap_map: GapMap) -> dict[str, Any]:
    return {"total_rows": gap_map.total_rows, "limit": gap_map.query.limit, "next_cursor": gap_map.next_cursor}


def page_headers(gap_map: GapMap) -> dict[str, str]:
    """The page in headers too, for CSV (whose body has no room for it)."""
    headers = {"X-Total-Rows": str(gap_map.total_rows)}
    if gap_map.next_cursor:
        headers["X-Next-Cursor"] = gap_map.next_cursor
    return headers


def row_json(row: GapRow) -> dict[str, Any]:
    named = row.area_info
    return {
        "area_id": row.area,
        "area_name": named.name if named else None,
        "area_kind": named.kind if named else "h3",
        "need": row.need,
        "intercept": row.intercept,
        "status": row.status,
        "supply": supply_json(row.supply),
        "reach": {
            "services": row.reach.services,
            "area_services": row.reach.area_services,
            "open_units": _number(row.reach.open_units),
            "untracked_services": row.reach.untracked_services,
            "barrier_free_open_units": _number(row.reach.barrier_free_open_units),
            "barrier_free_untracked_services": row.reach.barrier_free_untracked_services,
        },
        "demand": demand_json(row.demand),
    }


def gap_map_json(gap_map: GapMap) -> dict[str, Any]:
    return {**_meta(gap_map), **_page_meta(gap_map), "rows": [row_json(r) for r in gap_map.rows]}


def gap_map_geojson(gap_map: GapMap) -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    outlines: dict[str, dict[str, Any] | None] = {}
    for row in gap_map.rows:
        if row.area not in outlines:
            if gap_map.query.area == AREA_NAMED:
                outlines[row.area] = row.area_info.geometry if row.area_info else None
            else:
                outlines[row.area] = cells.outline(row.area)
        features.append(
            {
                "type": "Feature",
                "id": f"{row.area}:{row.need}:{row.intercept}",
                "geometry": outlines[row.area],
                "properties": row_json(row),
            }
        )
    return {"type": "FeatureCollection", "properties": {**_meta(gap_map), **_page_meta(gap_map)}, "features": features}


CSV_COLUMNS = (
    "area_id",
    "area_name",
    "need",
    "intercept",
    "status",
    "services",
    "low_barrier_services",
    "untracked_services",
    "barrier_services",
    "barrier_free_untracked_services",
    "pools",
    "fresh_pools",
    "freshness",
    "public_total",
    "public_available",
    "public_open",
    "program_total",
    "program_available",
    "program_open",
    "barrier_free_open",
    "reach_services",
    "reach_area_services",
    "reach_open_units",
    "reach_untracked_services",
    "reach_barrier_free_open_units",
    "reach_barrier_free_untracked_services",
    "demand_total",
    *(f"demand_{reason}" for reason in DEMAND_REASONS),
)


def _csv(header: tuple[str, ...], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def gap_map_csv(gap_map: GapMap) -> str:
    lines: list[list[Any]] = []
    for row in gap_map.rows:
        s = supply_json(row.supply)
        units = s["units"]
        demand = demand_json(row.demand)
        lines.append(
            [
                row.area,
                row.area_info.name if row.area_info else "",
                row.need,
                row.intercept,
                row.status,
                s["services"],
                s["low_barrier_services"],
                s["untracked_services"],
                s["barrier_services"],
                s["barrier_free_untracked_services"],
                s["pools"],
                s["fresh_pools"],
                "" if s["freshness"] is None else s["freshness"],
                units["public"]["total"],
                units["public"]["available"],
                units["public"]["open"],
                units["program"]["total"],
                units["program"]["available"],
                units["program"]["open"],
                units["barrier_free_open"],
                row.reach.services,
                row.reach.area_services,
                _number(row.reach.open_units),
                row.reach.untracked_services,
                _number(row.reach.barrier_free_open_units),
                row.reach.barrier_free_untracked_services,
                "" if demand is None else demand["total"],
                *(("" if demand is None else demand["by_reason"][reason]) for reason in DEMAND_REASONS),
            ]
        )
    return _csv(CSV_COLUMNS, lines)


def sim_entry_json(entry: SimEntry) -> dict[str, Any]:
    return {
        "need": entry.need,
        "need_name": NEEDS[entry.need],
        "status": entry.status,
        "areas": entry.areas,
        "supply": supply_json(entry.supply),
        "demand": {"total": sum(entry.demand.values()), "by_reason": entry.demand},
        "referred": suppressed(entry.referred),
        "enrolled": suppressed(entry.enrolled),
        "summary": entry.summary,
    }


def sim_json(table: SimTable) -> dict[str, Any]:
    by_intercept: dict[int, list[SimEntry]] = {}
    for entry in table.entries:
        by_intercept.setdefault(entry.intercept, []).append(entry)
    meta = _meta(table.map)
    return {
        **meta,
        "intercepts": [
            {"intercept": i, "name": INTERCEPTS[i], "needs": [sim_entry_json(e) for e in entries]}
            for i, entries in by_intercept.items()
        ],
        "top_gaps": [e.summary for e in table.top_gaps],
    }


SIM_CSV_COLUMNS = (
    "intercept",
    "intercept_name",
    "need",
    "status",
    "areas_absent",
    "areas_lacks_capacity",
    "areas_barriers_only",
    "areas_sufficient",
    "services",
    "low_barrier_services",
    "untracked_services",
    "barrier_services",
    "pools",
    "fresh_pools",
    "public_open",
    "program_open",
    "barrier_free_open",
    "demand_total",
    *(f"demand_{reason}" for reason in DEMAND_REASONS),
    "referred",
    "enrolled",
    "summary",
)


def sim_csv(table: SimTable) -> str:
    lines: list[list[Any]] = []
    for e in table.entries:
        s = supply_json(e.supply)
        lines.append(
            [
                e.intercept,
                INTERCEPTS[e.intercept],
                e.need,
                e.status,
                e.areas[ABSENT],
                e.areas[LACKS_CAPACITY],
                e.areas[BARRIERS_ONLY],
                e.areas[SUFFICIENT],
                s["services"],
                s["low_barrier_services"],
                s["untracked_services"],
                s["barrier_services"],
                s["pools"],
                s["fresh_pools"],
                s["units"]["public"]["open"],
                s["units"]["program"]["open"],
                s["units"]["barrier_free_open"],
                sum(e.demand.values()),
                *(e.demand.get(reason, 0) for reason in DEMAND_REASONS),
                suppressed(e.referred),
                suppressed(e.enrolled),
                e.summary,
            ]
        )
    return _csv(SIM_CSV_COLUMNS, lines)
