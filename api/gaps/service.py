"""The gap map and the SIM table: gathers supply and demand with a few grouped queries, judges reach
and status per area, and summarises by intercept × need. Aggregates only, never single events.
"""

from __future__ import annotations

import gc
import heapq
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from h3.api import basic_int as h3_int
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from api.gaps import cells, queries, sim_structure
from api.gaps.params import AREA_NAMED, GapQuery, cursor_text
from api.gaps.queries import AreaServiceRow, DemandRow, NamedArea, SupplyRow
from api.gaps.status import (
    DEMAND_REASONS,
    LACKS_CAPACITY,
    STATUSES,
    SUFFICIENT,
    Reach,
    area_status,
    gap_rank,
    gap_words,
    is_gap,
    region_status,
    unmet_demand,
)
from api.referrals.repository import referred_enrolled
from catalog.gap_sites import refresh_location_cells
from divert.errors import InvalidInput
from divert.settings import Settings
from matcher.vocabulary import INTERCEPTS, NEEDS

TOP_GAPS = 10

Key = tuple[str, str, int]  # (area, need, intercept)


@dataclass(slots=True)
class GapRow:
    area: str
    need: str
    intercept: int
    supply: SupplyRow | None
    reach: Reach
    demand: dict[str, int] | None  # None: demand is not known at this resolution
    status: str
    area_info: NamedArea | None = None

    @property
    def demand_total(self) -> int | None:
        return None if self.demand is None else sum(self.demand.values())


@dataclass
class GapMap:
    query: GapQuery
    at: datetime
    rows: list[GapRow]
    unplaced_events: int = 0  # named areas: events whose cell centre lies in no named area
    total_rows: int = 0  # rows of the whole map (`rows` may be one page of them)
    next_cursor: str | None = None  # where the next page starts; None on the last page


@dataclass
class SimEntry:
    intercept: int
    need: str
    status: str
    areas: dict[str, int]
    supply: SupplyRow | None
    demand: dict[str, int]
    summary: str
    rank: tuple[int, int, int, int] = field(default=(0, 0, 0, 0))
    gap: bool = False
    # Referrals sent in the window for this intercept × need, and how many ended enrolled (§2.7).
    referred: int = 0
    enrolled: int = 0


@dataclass
class SimTable:
    map: GapMap
    entries: list[SimEntry]

    @property
    def top_gaps(self) -> list[SimEntry]:
        gaps = [e for e in self.entries if e.gap]
        return sorted(gaps, key=lambda e: (e.rank, e.intercept, e.need))[:TOP_GAPS]


def _demand_by_key(rows: Iterable[DemandRow]) -> dict[Key, dict[str, int]]:
    demand: dict[Key, dict[str, int]] = defaultdict(dict)
    for r in rows:
        bucket = demand[(r.area, r.need, r.intercept)]
        bucket[r.reason] = bucket.get(r.reason, 0) + r.events
    return demand


def _named_area_demand(session: Session, query: GapQuery) -> tuple[dict[Key, dict[str, int]], int]:
    """Events placed in every named area that contains their cell's centre (areas may overlap)."""
    raw = queries.demand_rows(
        session,
        "raw_cells",
        needs=query.needs,
        intercepts=query.intercepts,
        start=query.window.start,
        end=query.window.end,
    )
    distinct = sorted({r.area for r in raw})
    areas_of: dict[str, list[str]] = defaultdict(list)
    if distinct:
        for cell, area in queries.named_areas_of_points(session, *cells.centres(distinct)):
            areas_of[cell].append(area)
    demand: dict[Key, dict[str, int]] = defaultdict(dict)
    unplaced = 0
    for r in raw:
        if not areas_of.get(r.area):
            unplaced += r.events
        for area in areas_of.get(r.area, ()):
            bucket = demand[(area, r.need, r.intercept)]
            bucket[r.reason] = bucket.get(r.reason, 0) + r.events
    return demand, unplaced


def _index(rows: Iterable[SupplyRow | AreaServiceRow]) -> dict[Key, Any]:
    return {(r.area, r.need, r.intercept): r for r in rows}


def build_gap_map(session: Session, query: GapQuery, settings: Settings, at: datetime) -> GapMap:
    queries.tune_for_aggregates(session)
    freshness = settings.freshness
    common: dict[str, Any] = {"needs": query.needs, "intercepts": query.intercepts, "at": at, "freshness": freshness}
    unplaced = 0
    if query.area == AREA_NAMED:
        if queries.named_area_count(session) == 0:
            raise InvalidInput(
                "invalid area: no named areas are loaded (divert import areas PATH)",
                errors=[{"field": "area", "message": "no named areas are loaded"}],
            )
        supply = _index(queries.supply_rows(session, "named", **common))
        demand, unplaced = _named_area_demand(session, query)
    else:
        resolution = query.resolution or cells.CACHE_RESOLUTION
        if resolution <= cells.CACHE_RESOLUTION:
            return _cell_map_page(session, query, at, common, resolution)
        refresh_location_cells(session)
        loc_ids, loc_cells = cells.fine_cells(session, resolution)
        supply = _index(queries.supply_rows(session, "fine_cells", loc_ids=loc_ids, loc_cells=loc_cells, **common))
        demand = {}  # events carry their res-7 cell only

    keys, total_rows, next_key = _page_keys(supply.keys() | demand.keys(), query)
    area_ids = sorted({k[0] for k in keys})
    by_area: dict[Key, AreaServiceRow] = {}
    if area_ids and queries.has_service_areas(session):
        if query.area == AREA_NAMED:
            by_area = _index(queries.area_service_rows(session, targets="named", **common))
        else:
            # Only the page's cells: each is one probe of the service-area index.
            ids, lats, lons = cells.centres(area_ids)
            by_area = _index(
                queries.area_service_rows(session, targets="cells", areas=ids, lats=lats, lons=lons, **common)
            )

    info: dict[str, NamedArea] = {}
    if query.area == AREA_NAMED and area_ids:
        info = queries.named_areas(session, area_ids, with_geometry=query.format == "geojson")
    rows = _judged_rows(
        keys, supply, demand, by_area, info, named=query.area == AREA_NAMED, with_demand=query.has_demand_by_area
    )
    next_cursor = cursor_text((next_key[2], next_key[1], next_key[0])) if next_key else None
    return GapMap(query, at, rows, unplaced, total_rows, next_cursor)


def _cell_demand(session: Session, query: GapQuery, resolution: int) -> dict[Key, dict[str, int]]:
    return _demand_by_key(
        queries.demand_rows(
            session,
            "cells",
            needs=query.needs,
            intercepts=query.intercepts,
            start=query.window.start,
            end=query.window.end,
            resolution=resolution,
        )
    )


def _r7_demand(session: Session, query: GapQuery) -> tuple[dict[Key, dict[str, int]], list[Key]]:
    """Demand by res-7 key, and the keys among them with no site (rows of their own), in one statement."""
    rows = queries.r7_demand_tuples(
        session, needs=query.needs, intercepts=query.intercepts, start=query.window.start, end=query.window.end
    )
    # One pass over plain tuples: a key's reasons arrive together (the statement groups by key then
    # reason), so the key is formatted and looked up once per run of rows.
    demand: dict[Key, dict[str, int]] = {}
    unsited: dict[Key, None] = {}
    last: tuple[int, str, int] | None = None
    bucket: dict[str, int] = {}
    for cell, need, intercept, reason, events, sited in rows:
        if last is None or last[0] != cell or last[1] != need or last[2] != intercept:
            last = (cell, need, intercept)
            key = (format(cell, "x"), need, intercept)
            found = demand.get(key)
            if found is None:
                found = demand[key] = {}
            bucket = found
            if not sited:
                unsited[key] = None
        bucket[reason] = bucket.get(reason, 0) + events
    return demand, list(unsited)


def _demand_only_keys(session: Session, demand: dict[Key, dict[str, int]]) -> list[Key]:
    """The demand keys with no site for their need and intercept in their cell (rows of their own)."""
    keys = list(demand)
    ranges = [(intercept, need, *cells.cache_range(int(area, 16))) for area, need, intercept in keys]
    return [keys[i] for i in queries.keys_without_sites(session, ranges)]


def _cell_map_page(session: Session, query: GapQuery, at: datetime, common: dict[str, Any], resolution: int) -> GapMap:
    """One page of a cell map at resolution 7 or coarser, from the gap_site projection: the row keys
    are counted and the page's keys listed off its (intercept, need, cell) index, and supply is
    summed only for the page's cells and their neighbour rings (what reach needs)."""
    if resolution == cells.CACHE_RESOLUTION:
        demand, unsited = _r7_demand(session, query)
    else:
        demand = _cell_demand(session, query, resolution)
        unsited = _demand_only_keys(session, demand)
    per_block = queries.supply_area_counts(
        session, needs=query.needs, intercepts=query.intercepts, resolution=resolution
    )
    demand_only: dict[tuple[int, str], list[str]] = defaultdict(list)
    for area, need, intercept in unsited:
        demand_only[(intercept, need)].append(area)
    blocks = sorted(per_block.keys() | demand_only.keys())
    total_rows = sum(per_block.values()) + sum(len(v) for v in demand_only.values())

    limit = query.limit if query.limit is not None else total_rows
    cursor = query.cursor
    keys: list[Key] = []
    more = False
    for position, block in enumerate(blocks):
        if cursor is not None and block < cursor[:2]:
            continue
        intercept, need = block
        after: int | str | None = None
        extra = sorted(demand_only.get(block, ()))
        if cursor is not None and block == cursor[:2]:
            last = cursor[2]
            after = cells.cache_range(int(last, 16))[1] if cells.is_cell_at(last, resolution) else last
            extra = extra[bisect_right(extra, last) :]
        room = limit - len(keys)
        found = (
            queries.supply_areas_after(
                session, intercept=intercept, need=need, resolution=resolution, after=after, room=room + 1
            )
            if per_block.get(block)
            else []
        )
        areas = list(islice(heapq.merge(found, extra), room + 1))
        keys.extend((area, need, intercept) for area in areas[:room])
        if len(areas) > room:
            more = True
            break
        if len(keys) == limit:
            more = position + 1 < len(blocks)
            break
    next_key = keys[-1] if more and keys else None

    # Supply of the page's cells and of every neighbour their reach sums.
    r7 = resolution == cells.CACHE_RESOLUTION
    if r7:
        # Integer H3 indexes (h3's string API converts every cell of every ring both ways); the rings
        # stay integers: reach looks supply up by integer cell (no hex string per ring cell).
        int_disks: dict[str, Sequence[int]] = {
            area: h3_int.grid_disk(int(area, 16), 1) for area in {k[0] for k in keys}
        }
        disks: dict[str, Sequence[str]] = {}
        wanted_cells: dict[tuple[int, str], set[int]] = defaultdict(set)
        for area, need, intercept in keys:
            wanted_cells[(intercept, need)].update(int_disks[area])
        supply = _rolled_up_supply(session, wanted_cells, common)
    else:
        int_disks = {}
        disks = {area: cells.neighbourhood(area) for area in {k[0] for k in keys}}
        wanted: set[tuple[int, str, str]] = set()
        for area, need, intercept in keys:
            wanted.update((intercept, need, cell) for cell in disks[area])
        ranges = [(intercept, need, *cells.cache_range(int(cell, 16))) for intercept, need, cell in sorted(wanted)]
        supply = _index(queries.gap_supply_rows(session, "ranges", resolution=resolution, ranges=ranges, **common))
    # Service areas only for the page's needs and intercepts (the rows are looked up by key).
    page_common = {**common, "needs": sorted({k[1] for k in keys}), "intercepts": sorted({k[2] for k in keys})}
    by_area = _covering(session, sorted(int_disks if r7 else disks), page_common, r7=r7)
    rows = _judged_rows(
        keys,
        supply,
        demand,
        by_area,
        {},
        named=False,
        with_demand=True,
        disks=disks,
        int_disks=int_disks if r7 else None,
    )
    next_cursor = cursor_text((next_key[2], next_key[1], next_key[0])) if next_key else None
    return GapMap(query, at, rows, 0, total_rows, next_cursor)


def _rolled_up_supply(
    session: Session, wanted: dict[tuple[int, str], set[int]], common: dict[str, Any]
) -> dict[Key, SupplyRow]:
    """Supply of these res-7 cells per (intercept, need) from gap_cell's roll-up, with the live state
    of their pools. A key whose recorded pools no longer belong to the services it recorded (a pool
    moved to another service by an import that did not rewrite this one) is summed live instead."""
    bounds = {block: (min(found), max(found)) for block, found in wanted.items() if found}
    rollups = [r for r in queries.cell_rollups(session, bounds) if r.cell in wanted[(r.intercept, r.need)]]
    states = queries.pool_states(
        session, {pool for r in rollups for pool in r.pool_ids}, at=common["at"], freshness=common["freshness"]
    )
    supply: dict[Key, SupplyRow] = {}
    moved: list[tuple[int, str, int, int]] = []
    for r in rollups:
        row = _rollup_supply(r, states)
        if row is None:
            moved.append((r.intercept, r.need, r.cell, r.cell))
        else:
            supply[(row.area, row.need, row.intercept)] = row
    if moved:
        supply.update(
            _index(
                queries.gap_supply_rows(session, "ranges", resolution=cells.CACHE_RESOLUTION, ranges=moved, **common)
            )
        )
    return supply


def _rollup_supply(r: queries.CellRollup, states: dict[str, queries.PoolState]) -> SupplyRow | None:
    """One key's supply: its service counts as rolled up, its pools' units summed as the live supply
    query sums them (each pool once; open units only from fresh pools; public and program apart)."""
    fresh_pools = 0
    public_total = public_available = public_open = 0.0
    program_total = program_available = program_open = free_open = 0.0
    for pool, service, barrier in zip(r.pool_ids, r.pool_services, r.pool_barriers, strict=True):
        state = states.get(pool)
        if state is None or state.service_id != service:
            return None
        if state.is_program:
            program_total += state.total
            program_available += state.available
        else:
            public_total += state.total
            public_available += state.available
        if state.fresh:
            fresh_pools += 1
            if state.is_program:
                program_open += state.offerable
            else:
                public_open += state.offerable
            if not barrier:
                free_open += state.offerable
    return SupplyRow(
        cells.area_key(r.cell),
        r.need,
        r.intercept,
        r.services,
        r.low_barrier_services,
        r.untracked_services,
        len(r.pool_ids),
        fresh_pools,
        public_total,
        public_available,
        public_open,
        program_total,
        program_available,
        program_open,
        r.barrier_services,
        r.free_untracked_services,
        free_open,
    )


def _covering(
    session: Session, area_ids: Sequence[str], common: dict[str, Any], *, r7: bool = False
) -> dict[Key, AreaServiceRow]:
    """Services reaching these cells through a service area: one probe of its index per cell, or at
    resolution 7 the pairs kept in gap_cover (probes only for cells it does not know)."""
    if not area_ids or not queries.has_service_areas(session):
        return {}
    ids, lats, lons = cells.centres(area_ids)
    extra: dict[str, Any] = {"cells": queries.int_array(int(cell, 16) for cell in ids)} if r7 else {}
    return _index(
        queries.area_service_rows(
            session,
            targets="r7_cells" if r7 else "cells",
            areas=queries.text_array(ids),
            lats=queries.int_array(lats),
            lons=queries.int_array(lons),
            **extra,
            **common,
        )
    )


def _cell_status_counts(
    session: Session, query: GapQuery, at: datetime, settings: Settings, resolution: int
) -> tuple[dict[tuple[str, int], dict[str, int]], int, dict[tuple[str, int], SupplyRow]]:
    """Rows of a whole cell map counted by status per (need, intercept), the number of rows, and the
    region's supply per (need, intercept), with the statuses the map would give (CONTRACT §2.5).

    No row is built for most areas. An area with sites lacks capacity when it has unmet demand, and
    is sufficient when it is not *barred* (barrier-free open units or untracked services of its own:
    its ring and service areas only add), so those are counted from sets. The rest (barred areas
    without unmet demand, and areas with demand but no site) look at their neighbour ring: a neighbour
    with sites gives services in reach, one that is not closed gives open units or an untracked
    service, one that is not barred gives them barrier-free (sufficient). Only those the ring leaves
    undecided probe the service-area index, and are judged by `area_status`."""
    queries.tune_for_sim(session)
    common: dict[str, Any] = {
        "needs": query.needs,
        "intercepts": query.intercepts,
        "at": at,
        "freshness": settings.freshness,
    }
    supply = queries.sim_supply(session, resolution=resolution, **common)
    demand_by_block: dict[tuple[int, str], dict[int, dict[str, int]]] = defaultdict(dict)
    for (area, need, intercept), reasons in _cell_demand(session, query, resolution).items():
        demand_by_block[(intercept, need)][int(area, 16)] = reasons
    areas: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    total = 0
    probe: list[tuple[Key, bool, bool]] = []  # (key, services in the ring, open units in the ring)
    for block in sorted(supply.areas.keys() | demand_by_block.keys()):
        intercept, need = block
        sited = supply.areas.get(block, set())
        closed = supply.closed.get(block, set())
        barred = closed | supply.barred.get(block, set())  # no barrier-free supply of their own
        demand = demand_by_block.get(block, {})
        counts = areas[(need, intercept)]
        unmet = {area for area, reasons in demand.items() if unmet_demand(reasons) > 0}
        lacking = unmet & sited
        undecided = (barred - lacking) | (demand.keys() - sited)
        total += len(sited) + len(demand.keys() - sited)
        counts[LACKS_CAPACITY] += len(lacking)
        counts[SUFFICIENT] += len(sited) - len(lacking) - len(barred - lacking)
        for cell in undecided:
            ring_sited = sited.intersection(h3_int.grid_disk(cell, 1))
            in_reach = bool(ring_sited)
            open_ring = in_reach and not closed.issuperset(ring_sited)
            free_ring = in_reach and not barred.issuperset(ring_sited)
            if in_reach and cell in unmet:
                counts[LACKS_CAPACITY] += 1
            elif free_ring:
                counts[SUFFICIENT] += 1
            else:  # absent, closed or barred all round: a service area may still reach it
                probe.append(((format(cell, "x"), need, intercept), in_reach, open_ring))
    by_area = _covering(
        session, sorted({key[0] for key, _, _ in probe}), common, r7=resolution == cells.CACHE_RESOLUTION
    )
    for key, in_reach, open_ring in probe:
        reach = by_area.get(key, queries.NO_COVER).reach(in_reach, open_ring)
        key_demand = demand_by_block[(key[2], key[1])].get(int(key[0], 16))
        areas[(key[1], key[2])][area_status(reach, key_demand)] += 1
    return areas, total, {(row.need, row.intercept): row for row in supply.region.values()}


# Below this many areas with sites asked for, the SIM table's statements answer sooner than the held
# structure (which reads every pool of the region): on a copy of divert_bench_1m one need at one
# intercept took 0.04 s by statement and 1.8 s from the structure, all needs 65 s and 4 s.
SIM_STRUCTURE_MIN_AREAS = 20_000


def _r7_status_counts(
    session: Session, query: GapQuery, at: datetime, settings: Settings
) -> tuple[dict[tuple[str, int], dict[str, int]], int, dict[tuple[str, int], SupplyRow]] | None:
    """What `_cell_status_counts` gives at resolution 7, from the projection's structure held in the
    process (api/gaps/sim_structure.py) and every pool's live state; None when the pools keep changing
    shape under it (then the statements decide)."""
    queries.tune_for_aggregates(session)
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    key = engine.url.render_as_string(hide_password=True)
    # A few areas (one need at one intercept, say) cost the statements less than reading every pool.
    asked = sim_structure.areas_asked(key, query.needs, query.intercepts)
    if asked is None:
        counts = queries.supply_area_counts(
            session, needs=query.needs, intercepts=query.intercepts, resolution=cells.CACHE_RESOLUTION
        )
        asked = sum(counts.values())
    if asked < SIM_STRUCTURE_MIN_AREAS:
        return None
    structure = sim_structure.current(session, engine, key)
    pools = sim_structure.pool_vectors(session, structure, at=at, freshness=settings.freshness)
    if pools is None:  # a pool was added, removed or changed shape since the copy was made
        structure = sim_structure.current(session, engine, key, stale=structure)
        pools = sim_structure.pool_vectors(session, structure, at=at, freshness=settings.freshness)
    if pools is None or not structure.pools_distinct:
        return None
    demand = queries.r7_unmet_cells(
        session, needs=query.needs, intercepts=query.intercepts, start=query.window.start, end=query.window.end
    )
    common: dict[str, Any] = {
        "needs": query.needs,
        "intercepts": query.intercepts,
        "at": at,
        "freshness": settings.freshness,
    }
    return sim_structure.status_counts(
        session,
        structure,
        pools,
        demand,
        needs=query.needs,
        intercepts=query.intercepts,
        common=common,
        covering_live=lambda area_ids, c: _covering(session, area_ids, c, r7=True),
    )


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """A map allocates hundreds of thousands of tuples and dicts, none of them cyclic: the collector's
    repeated full passes over them cost more than building them. Reference counting still frees them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _page_keys(all_keys: Iterable[Key], query: GapQuery) -> tuple[list[Key], int, Key | None]:
    """The keys of the requested page in row order (intercept, need, area), how many rows the whole map
    has, and the key the next page starts after (None on the last page). Keys are bucketed by
    (intercept, need) first, so only the buckets the page touches are sorted."""
    buckets: dict[tuple[int, str], list[str]] = defaultdict(list)
    total = 0
    for area, need, intercept in all_keys:
        buckets[(intercept, need)].append(area)
        total += 1
    limit = query.limit if query.limit is not None else total
    cursor = query.cursor
    page: list[Key] = []
    more = False
    for block in sorted(buckets):
        if cursor is not None and block < cursor[:2]:
            continue
        areas = sorted(buckets[block])
        if cursor is not None and block == cursor[:2]:
            areas = areas[bisect_right(areas, cursor[2]) :]
        intercept, need = block
        room = limit - len(page)
        if len(areas) > room:
            page.extend((area, need, intercept) for area in areas[:room])
            more = True
            break
        page.extend((area, need, intercept) for area in areas)
        if len(page) == limit:
            # Full: is anything left after this block?
            later = [b for b in buckets if b > block]
            more = bool(later)
            break
    return page, total, (page[-1] if more and page else None)


def _judged_rows(
    keys: Sequence[Key],
    supply: dict[Key, SupplyRow],
    demand: dict[Key, dict[str, int]],
    by_area: dict[Key, AreaServiceRow],
    info: dict[str, NamedArea],
    *,
    named: bool,
    with_demand: bool,
    disks: dict[str, Sequence[str]] | None = None,
    int_disks: dict[str, Sequence[int]] | None = None,
) -> list[GapRow]:
    """Reach and status of each key. Reach gathers the area's own supply and, for cells, its first
    ring; supply is regrouped per (need, intercept) into plain tuples keyed by area, so the loop does
    dictionary lookups and integer sums only. With `int_disks` (res-7 cells: every key's ring as
    integer H3 indexes, in `grid_disk` order) supply is keyed by integer cell instead."""
    nearby_supply: dict[tuple[str, int], dict[Any, tuple[int, float, int, float, int]]] = defaultdict(dict)
    for (area, need, intercept), s in supply.items():
        nearby_supply[(need, intercept)][int(area, 16) if int_disks is not None else area] = (
            s.services,
            s.public_open + s.program_open,
            s.untracked_services,
            s.barrier_free_open,
            s.barrier_free_untracked,
        )
    rows: list[GapRow] = []
    disks = {} if disks is None else disks  # each cell's ring, computed once
    no_supply: dict[Any, tuple[int, float, int, float, int]] = {}
    block: tuple[str, int] | None = None
    look_up = no_supply.get
    for key in keys:
        area, need, intercept = key
        disk: Sequence[Any]
        if named:
            disk = (area,)
        elif int_disks is not None:
            disk = int_disks[area]
        else:
            disk = disks.get(area) or disks.setdefault(area, cells.neighbourhood(area))
        if block != (need, intercept):  # keys come block by block
            block = (need, intercept)
            look_up = nearby_supply.get(block, no_supply).get
        services, open_units, untracked, free_open, free_untracked = 0, 0.0, 0, 0.0, 0
        for found in map(look_up, disk):
            if found is not None:
                services += found[0]
                open_units += found[1]
                untracked += found[2]
                free_open += found[3]
                free_untracked += found[4]
        covering = by_area.get(key, queries.NO_COVER)
        reach = Reach(
            services,
            covering.services,
            open_units + covering.open_units,
            untracked + covering.untracked_services,
            free_open + covering.free_open_units,
            free_untracked + covering.free_untracked_services,
        )
        area_demand = demand.get(key, {}) if with_demand else None
        rows.append(
            GapRow(
                area,
                need,
                intercept,
                supply.get(key),
                reach,
                area_demand,
                area_status(reach, area_demand),
                info.get(area),
            )
        )
    return rows


def build_sim_table(session: Session, query: GapQuery, settings: Settings, at: datetime) -> SimTable:
    areas: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    resolution = query.resolution or cells.CACHE_RESOLUTION
    fast = (
        _r7_status_counts(session, query, at, settings)
        if query.area != AREA_NAMED and resolution == cells.CACHE_RESOLUTION
        else None
    )
    if fast is not None:
        areas, total, region_supply = fast
        gap_map = GapMap(query, at, [], 0, total)
    elif query.area != AREA_NAMED and resolution <= cells.CACHE_RESOLUTION:
        areas, total, region_supply = _cell_status_counts(session, query, at, settings, resolution)
        gap_map = GapMap(query, at, [], 0, total)
    else:
        gap_map = build_gap_map(session, query, settings, at)
        for row in gap_map.rows:
            areas[(row.need, row.intercept)][row.status] += 1
        region_supply = {
            (r.need, r.intercept): r
            for r in queries.gap_supply_rows(
                session, "region", needs=query.needs, intercepts=query.intercepts, at=at, freshness=settings.freshness
            )
        }
    region_demand: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for r in queries.demand_rows(
        session,
        "region",
        needs=query.needs,
        intercepts=query.intercepts,
        start=query.window.start,
        end=query.window.end,
    ):
        region_demand[(r.need, r.intercept)][r.reason] = r.events

    entries: list[SimEntry] = []
    for intercept in query.intercepts:
        for need in query.needs:
            supply = region_supply.get((need, intercept))
            counts = dict(areas[(need, intercept)])
            demand = {reason: region_demand[(need, intercept)].get(reason, 0) for reason in DEMAND_REASONS}
            services = supply.services if supply else 0
            entries.append(
                SimEntry(
                    intercept,
                    need,
                    region_status(services, counts),
                    counts,
                    supply,
                    demand,
                    gap_words(intercept, need, services, counts, demand, query.window.days),
                    gap_rank(services, counts, demand),
                    is_gap(counts, demand),
                )
            )
    referrals = referred_enrolled(
        session, start=query.window.start, end=query.window.end, needs=query.needs, intercepts=query.intercepts
    )
    for entry in entries:
        entry.referred, entry.enrolled = referrals.get((entry.need, entry.intercept), (0, 0))
    return SimTable(gap_map, entries)


__all__ = ["GapMap", "GapRow", "SimTable", "SimEntry", "build_gap_map", "build_sim_table", "INTERCEPTS", "NEEDS"]
