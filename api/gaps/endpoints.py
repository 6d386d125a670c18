"""Routes of the gaps room: the planner gap map, the Sequential Intercept Model table and the hours grid
(CONTRACT §2.5).

Planner and admin keys only. Both answer with aggregates over a window of whole days; no route lists
gap events or their hours.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import orjson
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.auth.keys import Caller
from api.deps import PlannerDep, SessionDep, SettingsDep, require_roles
from api.gaps import render
from api.gaps.barrier_pools import reserved_pools_at_barriers
from api.gaps.detail import GapDetailOut, gap_detail, parse_cell
from api.gaps.hours import build_hours, parse_hours_query
from api.gaps.params import DEFAULT_LIMIT, FORMATS, MAX_LIMIT, SIM_FORMATS, GapQuery, parse_gap_query
from api.gaps.pathways import parse_split, pathway_rows, pathways_csv, pathways_json
from api.gaps.schemas import GapMapOut, HoursOut, ReservedBarriersOut, SimTableOut
from api.gaps.service import build_gap_map, build_sim_table, without_cyclic_gc
from divert.settings import Settings

router = APIRouter(tags=["gaps"])
# Maps run to many thousands of rows: bodies are plain dicts of JSON types, written by orjson directly
# (FastAPI's generic encoder walks every value again and costs seconds at a state's size).

NeedParam = Annotated[str | None, Query(description="need code(s) from divert-needs, comma separated")]
InterceptParam = Annotated[str | None, Query(description="Sequential Intercept(s) 0-5, comma separated")]
FromParam = Annotated[
    str | None,
    Query(
        alias="from",
        description="ISO date or date-time; widened to the start of its day (default: 30 days before `to`)",
    ),
]
ToParam = Annotated[
    str | None, Query(description="ISO date (inclusive) or date-time; widened to the end of its day (default: today)")
]
ResolutionParam = Annotated[str | None, Query(description="H3 resolution 4-9 (default 7; demand only to 7)")]
LimitParam = Annotated[str | None, Query(description=f"rows per page, 1-{MAX_LIMIT} (default {DEFAULT_LIMIT})")]
CursorParam = Annotated[str | None, Query(description="`next_cursor` of the previous page")]
AreaParam = Annotated[str | None, Query(description="`cell` (H3, default) or `named` (loaded named areas)")]


def _query(
    settings: Settings,
    *,
    need: str | None,
    intercept: str | None,
    from_: str | None,
    to: str | None,
    resolution: str | None,
    area: str | None,
    format_: str | None,
    formats: tuple[str, ...],
    limit: str | None = None,
    cursor: str | None = None,
    paged: bool = False,
) -> GapQuery:
    return parse_gap_query(
        need=need,
        intercept=intercept,
        from_=from_,
        to=to,
        resolution=resolution,
        area=area,
        format_=format_,
        formats=formats,
        zone=ZoneInfo(settings.timezone),
        now=datetime.now(UTC),
        limit=limit,
        cursor=cursor,
        paged=paged,
    )


def _json(
    body: dict[str, Any], media_type: str = "application/json", headers: dict[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(body), media_type=media_type, headers=headers)


def _csv(body: str, name: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"', **(headers or {})},
    )


_CSV_CONTENT = {"text/csv": {"schema": {"type": "string"}}}
_GEOJSON_CONTENT = {
    "application/geo+json": {
        "schema": {
            "type": "object",
            "description": "a FeatureCollection: one Feature per row, `properties` as GapRowOut",
        }
    }
}


@router.get(
    "/gaps",
    summary="Planner gap map: supply, demand and status per area × need × intercept",
    response_model=None,
    responses={
        200: {"model": GapMapOut, "description": "one page of the map", "content": {**_GEOJSON_CONTENT, **_CSV_CONTENT}}
    },
)
def gap_map(
    caller: PlannerDep,
    session: SessionDep,
    settings: SettingsDep,
    need: NeedParam = None,
    intercept: InterceptParam = None,
    from_: FromParam = None,
    to: ToParam = None,
    resolution: ResolutionParam = None,
    area: AreaParam = None,
    format: Annotated[str | None, Query(description="json (default), geojson or csv")] = None,
    limit: LimitParam = None,
    cursor: CursorParam = None,
) -> Any:
    query = _query(
        settings,
        need=need,
        intercept=intercept,
        from_=from_,
        to=to,
        resolution=resolution,
        area=area,
        format_=format,
        formats=FORMATS,
        limit=limit,
        cursor=cursor,
        paged=True,
    )
    with without_cyclic_gc():
        result = build_gap_map(session, query, settings, datetime.now(UTC))
        headers = render.page_headers(result)
        if query.format == "csv":
            return _csv(render.gap_map_csv(result), "gaps", headers)
        if query.format == "geojson":
            return _json(render.gap_map_geojson(result), "application/geo+json", headers)
        return _json(render.gap_map_json(result), headers=headers)


@router.get(
    "/gaps/sim",
    summary="Sequential Intercept Model table: intercepts 0-5 × needs",
    response_model=None,
    responses={200: {"model": SimTableOut, "description": "the SIM table", "content": _CSV_CONTENT}},
)
def sim_table(
    caller: PlannerDep,
    session: SessionDep,
    settings: SettingsDep,
    need: NeedParam = None,
    intercept: InterceptParam = None,
    from_: FromParam = None,
    to: ToParam = None,
    resolution: ResolutionParam = None,
    area: AreaParam = None,
    format: Annotated[str | None, Query(description="json (default) or csv")] = None,
    by: Annotated[
        str | None,
        Query(
            description="`pathway`: also split intercepts 0-1 by deflection "
            "pathway (JSON: `pathways`; CSV: that table only)"
        ),
    ] = None,
) -> Any:
    query = _query(
        settings,
        need=need,
        intercept=intercept,
        from_=from_,
        to=to,
        resolution=resolution,
        area=area,
        format_=format,
        formats=SIM_FORMATS,
    )
    split = parse_split(by)
    if split and query.format == "csv":
        return _csv(pathways_csv(pathway_rows(session, query)), "sim-pathways")
    with without_cyclic_gc():
        table = build_sim_table(session, query, settings, datetime.now(UTC))
        if query.format == "csv":
            return _csv(render.sim_csv(table), "sim")
        body = render.sim_json(table)
        if split:
            body["pathways"] = pathways_json(pathway_rows(session, query))
        return _json(body)


PlannerOrCuratorDep = Annotated[Caller, Depends(require_roles("planner", "curator"))]


@router.get(
    "/gaps/reserved_barriers",
    summary="Program-reserved pools at services that require sobriety, exclude MOUD or sex work, "
    "or require religious participation",
    response_model=ReservedBarriersOut,
)
def reserved_barriers(
    caller: PlannerOrCuratorDep,
    session: SessionDep,
    program: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")] = None,
) -> Any:
    """Purchased capacity that shuts out the people the program serves, with the words of the field
    (planner, curator, admin). `program` narrows the list to one program's purchases."""
    return reserved_pools_at_barriers(session, program)


@router.get(
    "/gaps/hours",
    summary="Hours grid: services open per hour of a week × need, and the hours none is",
    response_model=HoursOut,
    response_model_exclude_none=True,
)
def hours_grid(
    caller: PlannerDep,
    session: SessionDep,
    settings: SettingsDep,
    need: NeedParam = None,
    area: Annotated[str | None, Query(description="a named area id (or lat, lon, radius_km)")] = None,
    lat: Annotated[str | None, Query(description="latitude of the circle's centre")] = None,
    lon: Annotated[str | None, Query(description="longitude of the circle's centre")] = None,
    radius_km: Annotated[str | None, Query(description="radius of the circle (default 15)")] = None,
    from_: Annotated[
        str | None, Query(alias="from", description="first day of the week, ISO date (default: this week's Monday)")
    ] = None,
) -> Any:
    zone = ZoneInfo(settings.timezone)
    query = parse_hours_query(
        need=need,
        area=area,
        lat=lat,
        lon=lon,
        radius_km=radius_km,
        from_=from_,
        today=datetime.now(UTC).astimezone(zone).date(),
    )
    return build_hours(session, query, settings.timezone)


@router.get(
    "/gaps/detail",
    summary="The services in reach and the gap events behind one map cell or SIM cell",
    response_model=GapDetailOut,
)
def detail(
    caller: PlannerDep,
    session: SessionDep,
    settings: SettingsDep,
    cell: Annotated[
        str | None, Query(description="an H3 cell of resolution 7 (`area_id` of the map); none: the whole region")
    ] = None,
    need: NeedParam = None,
    intercept: InterceptParam = None,
    from_: FromParam = None,
    to: ToParam = None,
) -> Any:
    """Services with a site in the cell or its neighbour ring (what the cell's status counts), or in the
    region, for the needs and intercepts asked; gap events there counted by need, intercept and reason."""
    query = _query(
        settings,
        need=need,
        intercept=intercept,
        from_=from_,
        to=to,
        resolution=None,
        area=None,
        format_=None,
        formats=SIM_FORMATS,
    )
    return gap_detail(session, query, parse_cell(cell))
