"""The SIM table at resolution 7 from the supply projection's *structure*, held in the serving process.

Judging every area of a national map per request (1.19M areas, 2.35M sites, 500k pools at 1M
service-locations) cost about a minute: most of it joined every site to its pools to learn which pools
measure which areas, which services are untracked, which service areas cover which cells. None of that
changes with a capacity report, a hold or the clock: only a catalog write changes it, and every catalog
write goes through `catalog.gap_sites.refresh_gap_sites`, which adds a row to `gap_change` in its
transaction. So the structure is built once per state of the catalog, in one REPEATABLE READ snapshot,
as flat arrays (numpy), and kept until `gap_change` (its row count and highest id) or the pools'
structure (a hash over every pool's id, service, site and whether it counts beds) says otherwise:

- the areas with sites per (intercept, need), and per area whether a site is measured by no pool
  (`untracked`) and whether a site of a service with no harm-reduction barrier is (`free_untracked`);
- the (area, pool) pairs where the pool measures a site of the area (`matcher.capacity.pool_measures`,
  as every supply query joins them), with the pool's barrier flag;
- each area's neighbours with sites (its `h3.grid_disk(cell, 1)`, itself included);
- the region's services per (intercept, need) (counted as the SIM's region row counts them) and the
  distinct (intercept, need, pool) pairs of its pools;
- the services reaching by service area (their gap_site rows without a cell, with their measuring pools)
  and which of them cover each cell of `gap_cover_cell` (`gap_cover`).

Per request only the **live state of the pools** is read (one statement: units, freshness and holds at
the request's time, with the arithmetic of every supply query) and the table is judged from arrays:
an area is closed when no site is untracked and none of its pools is open, barred when likewise for
barrier-free sites and pools; the rest follows `service._cell_status_counts` (the statement-by-statement
path, kept for coarser resolutions and as the reference the tests hold this one to).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import numpy as np
from h3.api import basic_int as h3_int
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from api.gaps import queries
from api.gaps.queries import AreaServiceRow, SupplyRow
from api.gaps.status import BARRIERS_ONLY, LACKS_CAPACITY, STATUSES, SUFFICIENT, UNMET_REASONS, Reach, area_status
from matcher.pools import Freshness
from matcher.vocabulary import BED_NEEDS

Block = tuple[int, str]  # (intercept, need)

# What tells a copy of the structure from the catalog's current one: gap_change (a row per catalog write
# of the projection) and a hash of the pools' structure (a pool added, removed, handed to another
# service, moved to another site or from beds to another unit, by any path).
_VERSION: Final = "SELECT count(*), coalesce(max(id), 0) FROM gap_change"
_POOL_SHAPE: Final = (
    "hashtextextended(p.service_id, hashtextextended(p.id, 0))"
    " # hashtextextended(coalesce(p.location_id, ''), 2 + CAST(p.is_bed AS integer))"
)
# Pools numbered in one fixed order (ids, byte order).
_POOLS: Final = f"""
SELECT p.id, hashtextextended(p.id, 0) AS hash, {_POOL_SHAPE} AS shape
FROM (SELECT id, service_id, location_id, lower(unit_id) = 'bed' AS is_bed FROM service_capacity) p
ORDER BY p.id COLLATE "C"
"""

# Every site with the pools measuring it (one row with no pool when none does), as the supply queries
# join them; kept for this transaction only.
_SITE_POOL: Final = """
CREATE TEMP TABLE sim_site_pool ON COMMIT DROP AS
SELECT g.intercept, g.need, g.cell, g.service_id, g.low_barrier, g.barrier, p.id AS pool_id
FROM gap_site g LEFT JOIN service_capacity p ON p.service_id = g.service_id
  AND (lower(p.unit_id) <> 'bed' OR g.need = ANY(:bed_needs))
  AND (p.location_id IS NULL OR g.location_id IS NULL OR p.location_id = g.location_id)
"""
_AREAS: Final = """
SELECT intercept, need, array_agg(cell ORDER BY cell) AS cells, array_agg(untracked ORDER BY cell) AS untracked,
       array_agg(free_untracked ORDER BY cell) AS free_untracked
FROM (SELECT intercept, need, cell, bool_or(pool_id IS NULL) AS untracked,
             bool_or(pool_id IS NULL AND NOT barrier) AS free_untracked
      FROM sim_site_pool WHERE cell IS NOT NULL GROUP BY intercept, need, cell) a
GROUP BY intercept, need
"""
_AREA_POOLS: Final = """
SELECT intercept, need, array_agg(cell) AS cells, array_agg(pool_id) AS pools, array_agg(barrier) AS barriers
FROM (SELECT DISTINCT intercept, need, cell, pool_id, barrier FROM sim_site_pool
      WHERE cell IS NOT NULL AND pool_id IS NOT NULL) d
GROUP BY intercept, need
"""
# The region's services as the SIM's region row counts them (a service is untracked when one of its
# sites is measured by no pool), and its pools, each once per (intercept, need).
_REGION_SERVICES: Final = """
SELECT intercept, need, count(*) AS services, count(*) FILTER (WHERE low_barrier) AS low_barrier,
       count(*) FILTER (WHERE untracked) AS untracked, count(*) FILTER (WHERE barrier) AS barrier,
       count(*) FILTER (WHERE untracked AND NOT barrier) AS free_untracked
FROM (SELECT intercept, need, bool_or(low_barrier) AS low_barrier, bool_or(barrier) AS barrier,
             bool_or(pool_id IS NULL) AS untracked
      FROM sim_site_pool GROUP BY intercept, need, service_id) s
GROUP BY intercept, need
"""
_REGION_POOLS: Final = """
SELECT intercept, need, array_agg(pool_id) AS pools, array_agg(barrier) AS barriers
FROM (SELECT DISTINCT intercept, need, pool_id, barrier FROM sim_site_pool WHERE pool_id IS NOT NULL) d
GROUP BY intercept, need
"""
# Services reaching by service area: their rows without a cell, with the pools measuring them.
_AREA_REACH: Final = """
SELECT service_id, intercept, need, bool_or(barrier) AS barrier,
       coalesce(array_agg(DISTINCT pool_id) FILTER (WHERE pool_id IS NOT NULL), '{}') AS pools
FROM sim_site_pool WHERE cell IS NULL GROUP BY service_id, intercept, need
"""
_COVER: Final = """
SELECT gc.cell, array_agg(gc.service_id) AS services FROM gap_cover gc
WHERE gc.service_id IN (SELECT service_id FROM gap_site WHERE cell IS NULL)
GROUP BY gc.cell
"""
_COVER_CELLS: Final = "SELECT array_agg(cell) FROM gap_cover_cell"

# The live state of every pool at :at, as one array per column (read in binary), with the hash of each
# pool's id (it is placed in the structure's order by it: sorting half a million ids here cost three
# times the rest) and the sum of their shapes' hashes. The arithmetic of every supply query
# (queries.POOL_CTES: open units after wait lists and active holds, never below zero; fresh while
# `:at - updated` is within the unit's time-to-live), with each unit's freshness bound computed once
# (`updated >= :at - ttl` is `:at - updated <= ttl`). Flags: 1 fresh, 2 open (fresh with units to
# offer), 4 program pool. (Read as COPY binary rows instead, psycopg spent 2 s in Python per request
# on its half a million messages.)
_POOL_VECTORS: Final = f"""
WITH holds AS (
    SELECT capacity_id, count(*) AS n FROM hold
    WHERE state = 'active' AND expires_at > %(at)s GROUP BY capacity_id
), ttl AS (
    SELECT unit, CAST(%(at)s AS timestamptz) - make_interval(secs => 3600 * hours) AS since
    FROM unnest(CAST(%(ttl_units)s AS text[]), CAST(%(ttl_hours)s AS float8[])) AS t(unit, hours)
)
SELECT count(*), coalesce(sum({_POOL_SHAPE}), 0), array_agg(hashtextextended(p.id, 0)),
       array_agg(CAST(coalesce(o.fresh, false) AS integer)
                 + 2 * CAST(coalesce(o.fresh AND o.offerable > 0, false) AS integer)
                 + 4 * CAST(p.is_program AS integer)),
       array_agg(p.total), array_agg(p.available), array_agg(o.offerable)
FROM (SELECT c.id, c.service_id, c.location_id, lower(c.unit_id) = 'bed' AS is_bed, c.updated,
             cardinality(c.reserved_for) > 0 AS is_program,
             CAST(c.available AS float8) AS available, CAST(coalesce(c.maximum, c.available) AS float8) AS total,
             c.waitlist, coalesce(ttl.since, CAST(%(at)s AS timestamptz)
                                  - make_interval(secs => 3600 * CAST(%(ttl_other)s AS float8))) AS since,
             coalesce(h.n, 0) AS holds
      FROM service_capacity c
      LEFT JOIN ttl ON ttl.unit = lower(c.unit_id)
      LEFT JOIN holds h ON h.capacity_id = c.id) p
CROSS JOIN LATERAL (
    SELECT p.updated >= p.since AS fresh,
           greatest(p.available - CASE WHEN p.is_program THEN 0 ELSE greatest(p.waitlist, 0) END - p.holds, 0)
               AS offerable) o
"""


@dataclass
class Structure:
    """The SIM table's structure of one catalog state (see the module docstring). Areas are numbered
    block by block (cells ascending within a block); pools by id."""

    version: tuple[int, int]
    pools_fingerprint: tuple[int, int]
    pool_hashes: np.ndarray  # int64, sorted: hashtextextended(id, 0) of every pool, all distinct
    pool_of_hash: np.ndarray  # int64: the pool numbered at each position of pool_hashes
    # False when two pool ids share a 64-bit hash (then the statements decide: api.gaps.service).
    pools_distinct: bool
    block_slices: dict[Block, tuple[int, int]]
    cells: np.ndarray  # int64 per area
    untracked: np.ndarray  # bool per area
    free_untracked: np.ndarray  # bool per area
    pair_area: np.ndarray  # int64: (area, pool) pairs, the pool measuring a site of the area
    pair_pool: np.ndarray
    pair_free: np.ndarray  # bool: the pool's service has no harm-reduction barrier
    ring_area: np.ndarray  # int64: (area, neighbour with sites in the same block, itself included)
    ring_neighbour: np.ndarray
    region_blocks: list[Block]
    region_services: dict[Block, tuple[int, int, int, int, int]]
    region_block: np.ndarray  # int64: (block number in region_blocks, pool) pairs, each once
    region_pool: np.ndarray
    region_free: np.ndarray
    area_reach: dict[tuple[str, Block], int]  # (service, block) -> reach number
    reach_barrier: np.ndarray  # bool per reach
    reach_untracked: np.ndarray  # bool per reach: no pool measures it
    reach_pair: np.ndarray  # int64: (reach, pool) pairs, the pool measuring the reach
    reach_pool: np.ndarray
    # Per block, the (cell, reach) pairs where the reach's service covers the cell's centre (every cell
    # of gap_cover_cell), sorted by cell.
    cover_pairs: dict[Block, tuple[np.ndarray, np.ndarray]]
    cover_cells: np.ndarray  # int64, sorted: the cells of gap_cover_cell
    area_known: np.ndarray  # bool per area: its cell is in gap_cover_cell
    cover_area: np.ndarray  # int64: (area, reach) pairs, the reach's service covering the area's cell
    cover_reach: np.ndarray


_LOCK = threading.Lock()
_CACHE: dict[str, Structure] = {}


def _bool_array(values: list[bool] | None) -> np.ndarray:
    return np.array(values or [], dtype=bool)


def _int_array(values: list[int] | None) -> np.ndarray:
    return np.array(values or [], dtype=np.int64)


def build(engine: Engine) -> Structure:
    """Reads the structure from the catalog in one snapshot (REPEATABLE READ)."""
    with Session(bind=engine) as session:
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        queries.tune_for_sim(session)
        version = tuple(session.execute(text(_VERSION)).one())
        listed = session.execute(text(_POOLS)).all()
        pool_index = {r.id: i for i, r in enumerate(listed)}
        hashes = _int_array([r.hash for r in listed])
        fingerprint = (len(listed), sum(int(r.shape) for r in listed))
        session.execute(text(_SITE_POOL), {"bed_needs": sorted(BED_NEEDS)})

        block_slices: dict[Block, tuple[int, int]] = {}
        cells: list[np.ndarray] = []
        untracked: list[np.ndarray] = []
        free_untracked: list[np.ndarray] = []
        start = 0
        for r in session.execute(text(_AREAS)).all():
            n = len(r.cells)
            block_slices[(r.intercept, r.need)] = (start, start + n)
            cells.append(_int_array(r.cells))
            untracked.append(_bool_array(r.untracked))
            free_untracked.append(_bool_array(r.free_untracked))
            start += n
        all_cells = np.concatenate(cells) if cells else _int_array([])

        pair_area: list[np.ndarray] = []
        pair_pool: list[np.ndarray] = []
        pair_free: list[np.ndarray] = []
        for r in session.execute(text(_AREA_POOLS)).all():
            lo, hi = block_slices[(r.intercept, r.need)]
            pair_area.append(lo + np.searchsorted(all_cells[lo:hi], _int_array(r.cells)))
            pair_pool.append(_int_array([pool_index[p] for p in r.pools]))
            pair_free.append(~_bool_array(r.barriers))

        region_services = {
            (r.intercept, r.need): (r.services, r.low_barrier, r.untracked, r.barrier, r.free_untracked)
            for r in session.execute(text(_REGION_SERVICES)).all()
        }
        region_blocks = sorted(region_services)
        block_number = {block: i for i, block in enumerate(region_blocks)}
        region_block: list[np.ndarray] = []
        region_pool: list[np.ndarray] = []
        region_free: list[np.ndarray] = []
        for r in session.execute(text(_REGION_POOLS)).all():
            region_block.append(np.full(len(r.pools), block_number[(r.intercept, r.need)], dtype=np.int64))
            region_pool.append(_int_array([pool_index[p] for p in r.pools]))
            region_free.append(~_bool_array(r.barriers))

        area_reach: dict[tuple[str, Block], int] = {}
        reach_barrier: list[bool] = []
        reach_pair: list[int] = []
        reach_pool: list[int] = []
        for r in session.execute(text(_AREA_REACH)).all():
            number = area_reach[(r.service_id, (r.intercept, r.need))] = len(reach_barrier)
            reach_barrier.append(bool(r.barrier))
            for pool in r.pools:
                reach_pair.append(number)
                reach_pool.append(pool_index[pool])
        cover = {r.cell: list(r.services) for r in session.execute(text(_COVER)).all()}
        cover_cells = frozenset(session.execute(text(_COVER_CELLS)).scalar() or ())
        session.rollback()

    ring_area, ring_neighbour = _rings(block_slices, all_cells)
    n_reach = len(reach_barrier)
    cover_pairs = _cover_pairs(area_reach, cover)
    cover_area, cover_reach = _sited_cover(block_slices, all_cells, cover_pairs)
    known_cells = np.sort(np.fromiter(cover_cells, dtype=np.int64, count=len(cover_cells)))
    area_known = _members(known_cells, all_cells)[1]
    return Structure(
        version=(int(version[0]), int(version[1])),
        pools_fingerprint=(int(fingerprint[0]), int(fingerprint[1])),
        pool_hashes=hashes[np.argsort(hashes, kind="stable")],
        pool_of_hash=np.argsort(hashes, kind="stable"),
        pools_distinct=len(np.unique(hashes)) == len(hashes),
        block_slices=block_slices,
        cells=all_cells,
        untracked=np.concatenate(untracked) if untracked else _bool_array([]),
        free_untracked=np.concatenate(free_untracked) if free_untracked else _bool_array([]),
        pair_area=_cat(pair_area),
        pair_pool=_cat(pair_pool),
        pair_free=np.concatenate(pair_free) if pair_free else _bool_array([]),
        ring_area=ring_area,
        ring_neighbour=ring_neighbour,
        region_blocks=region_blocks,
        region_services=region_services,
        region_block=_cat(region_block),
        region_pool=_cat(region_pool),
        region_free=np.concatenate(region_free) if region_free else _bool_array([]),
        area_reach=area_reach,
        reach_barrier=_bool_array(reach_barrier),
        reach_untracked=np.bincount(_int_array(reach_pair), minlength=n_reach) == 0,
        reach_pair=_int_array(reach_pair),
        reach_pool=_int_array(reach_pool),
        cover_pairs=cover_pairs,
        cover_cells=known_cells,
        area_known=area_known,
        cover_area=cover_area,
        cover_reach=cover_reach,
    )


def _cover_pairs(
    area_reach: dict[tuple[str, Block], int], cover: dict[int, list[str]]
) -> dict[Block, tuple[np.ndarray, np.ndarray]]:
    """Per block, (cell, reach) pairs sorted by cell: the reach's service covers the cell's centre."""
    reaches_of: dict[str, list[tuple[Block, int]]] = defaultdict(list)
    for (service, block), number in area_reach.items():
        reaches_of[service].append((block, number))
    by_block: dict[Block, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for cell, services in cover.items():
        for service in services:
            for block, number in reaches_of.get(service, ()):
                wanted = by_block[block]
                wanted[0].append(cell)
                wanted[1].append(number)
    pairs: dict[Block, tuple[np.ndarray, np.ndarray]] = {}
    for block, (block_cells, numbers) in by_block.items():
        cells, reaches = _int_array(block_cells), _int_array(numbers)
        order = np.argsort(cells, kind="stable")
        pairs[block] = (cells[order], reaches[order])
    return pairs


def _sited_cover(
    block_slices: dict[Block, tuple[int, int]], cells: np.ndarray, pairs: dict[Block, tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray]:
    """(area, reach) pairs for the areas with sites."""
    areas: list[np.ndarray] = []
    reaches: list[np.ndarray] = []
    for block, (block_cells, numbers) in pairs.items():
        if block not in block_slices:
            continue
        lo, hi = block_slices[block]
        pos, found = _members(cells[lo:hi], block_cells)
        areas.append(lo + pos[found])
        reaches.append(numbers[found])
    return _cat(areas), _cat(reaches)


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else _int_array([])


def _disks(cells: np.ndarray) -> np.ndarray:
    """Each cell's grid_disk(cell, 1) as a row of 7 (a pentagon's 6, padded with -1)."""
    out = np.full((len(cells), 7), -1, dtype=np.int64)
    for i, cell in enumerate(cells.tolist()):
        disk = h3_int.grid_disk(cell, 1)
        out[i, : len(disk)] = disk
    return out


def _members(sorted_cells: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each wanted cell: its position in sorted_cells, and whether it is there."""
    if len(sorted_cells) == 0:
        return np.zeros(wanted.shape, dtype=np.int64), np.zeros(wanted.shape, dtype=bool)
    pos = np.searchsorted(sorted_cells, wanted)
    pos = np.minimum(pos, len(sorted_cells) - 1)
    return pos, sorted_cells[pos] == wanted


def _rings(block_slices: dict[Block, tuple[int, int]], cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(area, neighbour) pairs: the areas with sites of each area's disk, in the same block."""
    disks = _disks(cells)
    areas: list[np.ndarray] = []
    neighbours: list[np.ndarray] = []
    for lo, hi in block_slices.values():
        pos, found = _members(cells[lo:hi], disks[lo:hi])
        rows = np.nonzero(found)
        areas.append(lo + rows[0])
        neighbours.append(lo + pos[rows])
    return _cat(areas), _cat(neighbours)


def current(session: Session, engine: Engine, key: str, *, stale: Structure | None = None) -> Structure:
    """The structure of the catalog as it is now: the held copy when gap_change says it still holds
    (and it is not `stale`, one whose pools no longer match), else a new one (built once, other
    requests waiting for it)."""
    version = tuple(int(v) for v in session.execute(text(_VERSION)).one())
    held = _CACHE.get(key)
    if held is not None and held.version == version and held is not stale:
        return held
    with _LOCK:
        held = _CACHE.get(key)
        if held is not None and held.version == version and held is not stale:
            return held
        built = build(engine)
        _CACHE[key] = built
        return built


def areas_asked(key: str, needs: Sequence[str], intercepts: Sequence[int]) -> int | None:
    """Areas with sites the held structure (current or not) has for these needs and intercepts; None
    when none is held."""
    held = _CACHE.get(key)
    if held is None:
        return None
    wanted_needs, wanted_intercepts = set(needs), set(intercepts)
    return sum(
        hi - lo for (i, n), (lo, hi) in held.block_slices.items() if n in wanted_needs and i in wanted_intercepts
    )


def forget() -> None:
    """Drops every held structure (tests; a process that wants its memory back)."""
    with _LOCK:
        _CACHE.clear()


@dataclass
class PoolVectors:
    fresh: np.ndarray
    open: np.ndarray
    program: np.ndarray
    total: np.ndarray
    available: np.ndarray
    offerable: np.ndarray


def pool_vectors(session: Session, structure: Structure, *, at: datetime, freshness: Freshness) -> PoolVectors | None:
    """Every pool's live state, in the structure's pool order; None when the pools' structure is no
    longer the one the structure was built from."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor(binary=True) as cursor:  # half a million numbers per array parse faster in binary
        cursor.execute(_POOL_VECTORS, queries.pool_params(at, freshness))
        row = cursor.fetchone()
    assert row is not None
    if (int(row[0]), int(row[1])) != structure.pools_fingerprint:
        return None
    # Each row's pool by the hash of its id (distinct in the structure: `Structure.pools_distinct`).
    hashes = np.array(row[2] or [], dtype=np.int64)
    pos = np.minimum(np.searchsorted(structure.pool_hashes, hashes), max(len(structure.pool_hashes) - 1, 0))
    if len(hashes) and not bool((structure.pool_hashes[pos] == hashes).all()):
        return None
    order = structure.pool_of_hash[pos]

    def placed(values: list[Any] | None, dtype: Any) -> np.ndarray:
        out = np.zeros(len(order), dtype=dtype)
        out[order] = np.array(values or [], dtype=dtype)
        return out

    flags = placed(row[3], np.int64)
    return PoolVectors(
        fresh=(flags & 1) > 0,
        open=(flags & 2) > 0,
        program=(flags & 4) > 0,
        total=placed(row[4], np.float64),
        available=placed(row[5], np.float64),
        offerable=placed(row[6], np.float64),
    )


StatusCounts = dict[tuple[str, int], dict[str, int]]
# What area_status needs to know of an area's demand: whether it had unmet demand.
_UNMET: Final = {UNMET_REASONS[0]: 1}


def status_counts(
    session: Session,
    structure: Structure,
    pools: PoolVectors,
    demand: dict[Block, tuple[list[int], list[bool]]],
    *,
    needs: tuple[str, ...] | list[str],
    intercepts: tuple[int, ...] | list[int],
    common: dict[str, Any],
    covering_live: Any,
) -> tuple[StatusCounts, int, dict[tuple[str, int], SupplyRow]]:
    """The SIM table's counts per (need, intercept), its number of rows, and the region's supply, as
    `service._cell_status_counts` gives them at resolution 7. `demand`: per block, the res-7 cells with
    gap events (ascending) and whether each had unmet demand. `covering_live(cells, common)`: the
    service-area reach of cells gap_cover does not know (probed live)."""
    s = structure
    n_areas = len(s.cells)
    open_pair = pools.open[s.pair_pool] if len(s.pair_pool) else _bool_array([])
    key_open = np.zeros(n_areas, dtype=bool)
    key_open[s.pair_area[open_pair]] = True
    key_free_open = np.zeros(n_areas, dtype=bool)
    key_free_open[s.pair_area[open_pair & s.pair_free]] = True
    closed = ~s.untracked & ~key_open
    barred = ~s.free_untracked & ~key_free_open  # no barrier-free supply of their own (closed ones too)
    ring_open = np.zeros(n_areas, dtype=bool)
    ring_open[s.ring_area[~closed[s.ring_neighbour]]] = True
    ring_free = np.zeros(n_areas, dtype=bool)
    ring_free[s.ring_area[~barred[s.ring_neighbour]]] = True

    # A service reaching by area puts open units or an untracked service in reach when no pool measures
    # it or one of its measuring pools is open.
    usable = s.reach_untracked.copy()
    usable[s.reach_pair[pools.open[s.reach_pool]]] = True
    cover_usable = np.zeros(n_areas, dtype=bool)
    cover_usable[s.cover_area[usable[s.cover_reach]]] = True
    cover_free = np.zeros(n_areas, dtype=bool)
    cover_free[s.cover_area[usable[s.cover_reach] & ~s.reach_barrier[s.cover_reach]]] = True

    wanted_needs, wanted_intercepts = set(needs), set(intercepts)
    areas: StatusCounts = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    total = 0
    # (cell, need, intercept, in reach, open in reach, unmet demand)
    probe: list[tuple[int, str, int, bool, bool, bool]] = []
    blocks = {b for b in s.block_slices if b[1] in wanted_needs and b[0] in wanted_intercepts} | set(demand)
    empty = _int_array([])
    for block in sorted(blocks):
        intercept, need = block
        lo, hi = s.block_slices.get(block, (0, 0))
        cells = s.cells[lo:hi]
        counts = areas[(need, intercept)]
        listed, flags = demand.get(block, ([], []))
        demand_cells, unmet = _int_array(listed), _bool_array(flags)
        pos, sited = _members(cells, demand_cells)
        lacking = np.zeros(hi - lo, dtype=bool)
        lacking[pos[sited & unmet]] = True
        undecided = barred[lo:hi] & ~lacking  # sited, no barrier-free supply of their own, no unmet demand
        total += (hi - lo) + int(np.count_nonzero(~sited))
        counts[LACKS_CAPACITY] += int(np.count_nonzero(lacking))
        counts[SUFFICIENT] += (hi - lo) - int(np.count_nonzero(lacking)) - int(np.count_nonzero(undecided))
        # Areas with sites and no barrier-free supply of their own: their own cell puts services in reach
        # and their demand is met, so barrier-free supply in the ring makes them sufficient; else a
        # service area decides (area_status with services in reach and no unmet demand).
        counts[SUFFICIENT] += int(np.count_nonzero(undecided & ring_free[lo:hi]))
        rest = undecided & ~ring_free[lo:hi]
        known = rest & s.area_known[lo:hi]
        some = ring_open[lo:hi] | cover_usable[lo:hi]
        counts[SUFFICIENT] += int(np.count_nonzero(known & some & cover_free[lo:hi]))
        counts[BARRIERS_ONLY] += int(np.count_nonzero(known & some & ~cover_free[lo:hi]))
        counts[LACKS_CAPACITY] += int(np.count_nonzero(known & ~some))
        for i in np.nonzero(rest & ~s.area_known[lo:hi])[0].tolist():  # gap_cover does not know it
            probe.append((int(cells[i]), need, intercept, True, bool(ring_open[lo + i]), False))
        # Areas with demand and no site: their ring.
        lone = demand_cells[~sited] if len(demand_cells) else empty
        lone_unmet = unmet[~sited] if len(demand_cells) else _bool_array([])
        if len(lone):
            npos, nfound = _members(cells, _disks(lone))
            for j, cell in enumerate(lone.tolist()):
                ring = lo + npos[j][nfound[j]]
                in_reach = len(ring) > 0
                if in_reach and lone_unmet[j]:
                    counts[LACKS_CAPACITY] += 1
                elif in_reach and not barred[ring].all():
                    counts[SUFFICIENT] += 1
                else:
                    probe.append(
                        (
                            cell,
                            need,
                            intercept,
                            in_reach,
                            in_reach and not bool(closed[ring].all()),
                            bool(lone_unmet[j]),
                        )
                    )

    # Service-area reach of the areas the ring left undecided: gap_cover's pairs for the cells it knows,
    # a live probe for the others.
    cells_probed = _int_array([p[0] for p in probe])
    known = _members(s.cover_cells, cells_probed)[1] if len(probe) else _bool_array([])
    unknown = sorted({format(p[0], "x") for p, k in zip(probe, known.tolist(), strict=True) if not k})
    live: dict[tuple[str, str, int], AreaServiceRow] = covering_live(unknown, common) if unknown else {}
    usable_free = usable & ~s.reach_barrier
    by_block: dict[Block, list[int]] = defaultdict(list)
    for i, (_, need, intercept, _, _, _) in enumerate(probe):
        if known[i]:
            by_block[(intercept, need)].append(i)
    found: dict[int, tuple[int, int, int]] = {}  # probe -> (services, usable services, barrier-free usable)
    for block, positions in by_block.items():
        pair_cells, pair_reaches = s.cover_pairs.get(block, (empty, empty))
        wanted = cells_probed[positions]
        left = np.searchsorted(pair_cells, wanted, side="left")
        right = np.searchsorted(pair_cells, wanted, side="right")
        open_sum = np.concatenate(([0], np.cumsum(usable[pair_reaches])))
        free_sum = np.concatenate(([0], np.cumsum(usable_free[pair_reaches])))
        for j, i in enumerate(positions):
            found[i] = (
                int(right[j] - left[j]),
                int(open_sum[right[j]] - open_sum[left[j]]),
                int(free_sum[right[j]] - free_sum[left[j]]),
            )
    for i, (cell, need, intercept, in_reach, open_ring, unmet_here) in enumerate(probe):
        block = (intercept, need)
        if known[i]:
            services, n_open, n_free = found[i]
            reach = Reach(int(in_reach), services, float(open_ring) + n_open, 0, float(n_free), 0)
        else:
            reach = live.get((format(cell, "x"), need, intercept), queries.NO_COVER).reach(in_reach, open_ring)
        areas[(need, intercept)][area_status(reach, _UNMET if unmet_here else None)] += 1
    return areas, total, _region(s, pools, wanted_needs, wanted_intercepts)


def _region(
    s: Structure, pools: PoolVectors, needs: set[str], intercepts: set[int]
) -> dict[tuple[str, int], SupplyRow]:
    """The region's supply per (need, intercept): services as built, pools' units summed live."""
    n = len(s.region_blocks)
    if n == 0:
        return {}
    b, p = s.region_block, s.region_pool
    fresh, program = pools.fresh[p], pools.program[p]
    public = ~program
    offerable = pools.offerable[p]

    def total(weights: np.ndarray) -> list[float]:
        return [float(v) for v in np.bincount(b, weights=weights, minlength=n)]

    counts = np.bincount(b, minlength=n).tolist()
    fresh_counts = np.bincount(b, weights=fresh.astype(np.float64), minlength=n).tolist()
    sums = [
        total(np.where(public, pools.total[p], 0.0)),
        total(np.where(public, pools.available[p], 0.0)),
        total(np.where(fresh & public, offerable, 0.0)),
        total(np.where(program, pools.total[p], 0.0)),
        total(np.where(program, pools.available[p], 0.0)),
        total(np.where(fresh & program, offerable, 0.0)),
        total(np.where(fresh & s.region_free, offerable, 0.0)),
    ]
    region: dict[tuple[str, int], SupplyRow] = {}
    for i, block in enumerate(s.region_blocks):
        intercept, need = block
        if need not in needs or intercept not in intercepts:
            continue
        n_services, n_low, n_untracked, n_barrier, n_free_untracked = s.region_services[block]
        region[(need, intercept)] = SupplyRow(
            "region",
            need,
            intercept,
            int(n_services),
            int(n_low),
            int(n_untracked),
            int(counts[i]),
            int(fresh_counts[i]),
            sums[0][i],
            sums[1][i],
            sums[2][i],
            sums[3][i],
            sums[4][i],
            sums[5][i],
            int(n_barrier),
            int(n_free_untracked),
            sums[6][i],
        )
    return region
