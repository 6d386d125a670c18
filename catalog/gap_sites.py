"""The gap map's supply projection `gap_site`: one row per match site and intercept, with the site's
resolution-7 H3 cell, the service's low-barrier flag and whether the service fails the harm-reduction
test (`barrier`: CONTRACT §2.5's `barriers_only`), ready to group by (intercept, need, cell).

Grouping every match site of the region per request (joining location cells and deriving intercepts
and low-barrier terms from attributes) cost 31 s at 1M service-locations. These facts change only when
a service or its place is written, so `catalog.projections.refresh_services` rebuilds the rows of the
services it refreshes, in the same transaction as the catalog write, right after `match_site`. Pools
(their freshness, units and holds) change by the minute and stay live: the map joins them per request.

A site reached only through a service area (`match_site.has_area`) has a row with no cell and no
location: it counts in the region's totals (SIM table), never in a cell.

`gap_cell` keeps how many gap_site rows each (intercept, need, cell) has, and how many of them are
behind a barrier (rows at 0 stay, and are skipped), so the map counts and lists its row keys from ~1
row per key instead of grouping every site. It also keeps each key's supply roll-up (the services as
the map counts them, and which pools measure its sites), and `gap_cover` which service areas cover
each known cell's centre: both recomputed here for the keys and services a refresh touches, so a
res-7 page reads them and the live state of its own pools only (docs/gaps.md, "Round 5").

There is no h3 extension in PostgreSQL here: a site's cell comes from the `location_cell` cache, and
the refresh computes in Python the cells of the refreshed services' places that have none yet or have
moved since (a handful of rows per write, found with one indexed query).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import h3
from sqlalchemy import text
from sqlalchemy.orm import Session

from matcher.eligibility import FALSE_VALUES
from matcher.vocabulary import BED_NEEDS, ELIGIBILITY_TAXONOMY, HARM_REDUCTION_BARRIERS, INTERCEPT_TAXONOMY

CELL_RESOLUTION: Final = 7
# Informational eligibility terms that make a service low-barrier for the map (CONTRACT §3.2).
LOW_BARRIER_TERMS: Final = ("low_barrier", "housing_first")
# A service whose attributes name no intercept serves the community: intercept 0.
DEFAULT_INTERCEPT: Final = 0

# Located places whose cached cell is missing or was computed from other coordinates: every such
# place (`{scope}` empty), or only the places of some services.
_STALE_PLACES = """
SELECT l.id, ST_Y(CAST(l.geog AS geometry)) AS latitude, ST_X(CAST(l.geog AS geometry)) AS longitude
FROM location l LEFT JOIN location_cell lc ON lc.location_id = l.id
WHERE l.geog IS NOT NULL {scope}
  AND (lc.location_id IS NULL
       OR lc.latitude <> ST_Y(CAST(l.geog AS geometry)) OR lc.longitude <> ST_X(CAST(l.geog AS geometry)))
ORDER BY l.id
"""
_STALE_EVERYWHERE = text(_STALE_PLACES.format(scope=""))
_STALE_OF_SERVICES = text(
    _STALE_PLACES.format(
        scope="""
  AND l.id IN (SELECT ms.location_id FROM match_site ms
               WHERE ms.service_id = ANY(:ids) AND ms.location_id IS NOT NULL)"""
    )
)
_FILL_BATCH: Final = 50_000

_UPSERT_CELLS = text("""
INSERT INTO location_cell (location_id, h3_r7, latitude, longitude)
SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:cells AS bigint[]), CAST(:lats AS float8[]),
                     CAST(:lons AS float8[]))
ON CONFLICT (location_id) DO UPDATE
SET h3_r7 = excluded.h3_r7, latitude = excluded.latitude, longitude = excluded.longitude
""")

# From match_site (already rebuilt for these services): needs, active services only, places with a
# position, service-area reach. Intercepts: the service's sim-intercept terms, else intercept 0.
# One statement: the services' old rows out, new rows in, and gap_cell (sites per intercept, need and
# cell) moved by the difference, upserted in key order so concurrent refreshes lock rows in one order.
_REBUILD = text("""
WITH intercepts AS (
    SELECT DISTINCT a.link_id AS service_id, CAST(t.code AS integer) AS intercept
    FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
    WHERE a.link_entity = 'service' AND a.link_id = ANY(:ids) AND t.profile = :intercept_profile
      AND t.code IN ('0', '1', '2', '3', '4', '5')
), low_barrier AS (
    SELECT DISTINCT a.link_id AS service_id
    FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
    WHERE a.link_entity = 'service' AND a.link_id = ANY(:ids) AND t.profile = :eligibility_profile
      AND t.code = ANY(:low_barrier_terms) AND lower(coalesce(a.value, 'true')) NOT IN ('false', 'no', '0')
), barrier AS (
    -- The harm-reduction test (CONTRACT §2.5): a barrier term switched off ("false") is no barrier.
    SELECT DISTINCT a.link_id AS service_id
    FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
    WHERE a.link_entity = 'service' AND a.link_id = ANY(:ids) AND t.profile = :eligibility_profile
      AND t.code = ANY(:barrier_terms) AND lower(trim(coalesce(a.value, 'true'))) <> ALL(:switched_off)
), gone AS (
    DELETE FROM gap_site WHERE service_id = ANY(:previous) RETURNING intercept, need, cell, barrier
), added AS (
    INSERT INTO gap_site (service_id, location_id, need, intercept, cell, low_barrier, barrier)
    SELECT ms.service_id, ms.location_id, ms.need, coalesce(i.intercept, :default_intercept), lc.h3_r7,
           lb.service_id IS NOT NULL, b.service_id IS NOT NULL
    FROM match_site ms
    LEFT JOIN location_cell lc ON lc.location_id = ms.location_id
    LEFT JOIN intercepts i ON i.service_id = ms.service_id
    LEFT JOIN low_barrier lb ON lb.service_id = ms.service_id
    LEFT JOIN barrier b ON b.service_id = ms.service_id
    WHERE ms.service_id = ANY(:ids) AND (ms.has_area OR lc.location_id IS NOT NULL)
    RETURNING intercept, need, cell, barrier
), delta AS (
    -- Every key the services had or have a site at, even when its counts do not move: its supply
    -- roll-up is recomputed next (refresh_cell_supply), and the upsert locks the row until commit.
    SELECT intercept, need, cell, sum(n) AS n, sum(CASE WHEN barrier THEN n ELSE 0 END) AS b
    FROM (SELECT intercept, need, cell, barrier, -1 AS n FROM gone WHERE cell IS NOT NULL
          UNION ALL
          SELECT intercept, need, cell, barrier, 1 FROM added WHERE cell IS NOT NULL) d
    GROUP BY intercept, need, cell
)
INSERT INTO gap_cell (intercept, need, cell, sites, barrier_sites)
SELECT intercept, need, cell, n, b FROM delta ORDER BY intercept, need, cell
ON CONFLICT (intercept, need, cell) DO UPDATE
SET sites = gap_cell.sites + excluded.sites, barrier_sites = gap_cell.barrier_sites + excluded.barrier_sites
RETURNING intercept, need, cell
""")

# The supply roll-up of some gap_cell keys, recomputed from gap_site and the pools' structure (which
# pools measure which sites: matcher.capacity.pool_measures, as the map's live supply query joins
# them). Per key: the service counts the map shows, and the distinct measuring pools with their
# service and barrier flag. Pool *state* (units, freshness, holds) is not here: it changes by the
# minute and with the clock, so the map reads it live for the pools of the rows it shows.
# Run as its own statement after the keys are locked (READ COMMITTED: it then sees every transaction
# that committed a change to these keys before the lock was granted, and any later one waits for it).
CELL_SUPPLY_SQL: Final = """
WITH k AS MATERIALIZED (
    SELECT * FROM unnest(CAST(:k_intercepts AS integer[]), CAST(:k_needs AS text[]), CAST(:k_cells AS bigint[]))
        AS k(intercept, need, cell)
), site_pool AS MATERIALIZED (
    -- Every key, with no site (all NULL) when it has none left: the aggregate below then has a row for
    -- every key and the update joins only it (a join of the keys to the aggregate was planned as a
    -- nested loop re-aggregating per key: 19 s for 1,000 services).
    SELECT k.intercept, k.need, k.cell, g.service_id, g.low_barrier, g.barrier, p.id AS pool_id
    FROM k LEFT JOIN gap_site g ON g.intercept = k.intercept AND g.need = k.need AND g.cell = k.cell
    LEFT JOIN service_capacity p ON p.service_id = g.service_id
      AND (lower(p.unit_id) <> 'bed' OR g.need = ANY(:bed_needs))
      AND (p.location_id IS NULL OR g.location_id IS NULL OR p.location_id = g.location_id)
), rollup AS MATERIALIZED (
    -- One row per (key, service, pool): a pool measuring two sites of its service here is one pool.
    SELECT intercept, need, cell,
           count(DISTINCT service_id) AS services,
           count(DISTINCT service_id) FILTER (WHERE low_barrier) AS low_barrier_services,
           count(DISTINCT service_id) FILTER (WHERE pool_id IS NULL) AS untracked_services,
           count(DISTINCT service_id) FILTER (WHERE barrier) AS barrier_services,
           count(DISTINCT service_id) FILTER (WHERE pool_id IS NULL AND NOT barrier) AS free_untracked_services,
           coalesce(array_agg(pool_id ORDER BY pool_id) FILTER (WHERE pool_id IS NOT NULL), '{}') AS pool_ids,
           coalesce(array_agg(service_id ORDER BY pool_id) FILTER (WHERE pool_id IS NOT NULL), '{}')
               AS pool_services,
           coalesce(array_agg(barrier ORDER BY pool_id) FILTER (WHERE pool_id IS NOT NULL), '{}') AS pool_barriers
    FROM (SELECT DISTINCT intercept, need, cell, service_id, pool_id, low_barrier, barrier FROM site_pool) d
    GROUP BY intercept, need, cell
)
UPDATE gap_cell c
SET services = r.services, low_barrier_services = r.low_barrier_services,
    untracked_services = r.untracked_services, barrier_services = r.barrier_services,
    free_untracked_services = r.free_untracked_services,
    pool_ids = r.pool_ids, pool_services = r.pool_services, pool_barriers = r.pool_barriers
FROM rollup r
WHERE c.intercept = r.intercept AND c.need = r.need AND c.cell = r.cell
"""
_CELL_SUPPLY = text(CELL_SUPPLY_SQL)


def cell_int(lat: float, lon: float, resolution: int = CELL_RESOLUTION) -> int:
    return int(h3.str_to_int(h3.latlng_to_cell(lat, lon, resolution)))


def refresh_location_cells(session: Session, service_ids: Sequence[str] | None = None) -> int:
    """Computes the res-7 cell of every located place (or of these services' places) that has none or
    has moved, in Python (h3 is not in the database), and writes them back; returns how many."""
    rows = (
        session.execute(_STALE_EVERYWHERE)
        if service_ids is None
        else session.execute(_STALE_OF_SERVICES, {"ids": list(service_ids)})
    ).all()
    for start in range(0, len(rows), _FILL_BATCH):
        batch = rows[start : start + _FILL_BATCH]
        session.execute(
            _UPSERT_CELLS,
            {
                "ids": [r.id for r in batch],
                "cells": [cell_int(r.latitude, r.longitude) for r in batch],
                "lats": [r.latitude for r in batch],
                "lons": [r.longitude for r in batch],
            },
        )
    return len(rows)


def refresh_gap_sites(session: Session, service_ids: Sequence[str], *, previous: Sequence[str] | None = None) -> None:
    """Rebuilds the gap_site rows of these services from their (already rebuilt) match sites, the
    supply roll-up of every gap_cell key they had or have a site at, and their service-area cover.
    `previous`, when given, are the services among them that may already have gap_site rows (the
    others were inserted by this transaction: catalog.projections.refresh_services); all of them
    otherwise.

    A handful of statements whatever the number of services: one more when some of their places have
    no current cell yet (computed in Python: h3 is not in the database), and the cover's only when
    the services have or had service areas, or a key's cell is new."""
    ids = list(service_ids)
    refresh_location_cells(session, ids)
    touched = session.execute(
        _REBUILD,
        {
            "ids": ids,
            "previous": ids if previous is None else list(previous),
            "intercept_profile": INTERCEPT_TAXONOMY,
            "eligibility_profile": ELIGIBILITY_TAXONOMY,
            "low_barrier_terms": list(LOW_BARRIER_TERMS),
            "barrier_terms": list(HARM_REDUCTION_BARRIERS),
            "switched_off": sorted(FALSE_VALUES),
            "default_intercept": DEFAULT_INTERCEPT,
        },
    ).all()
    keys = [(k[0], k[1], k[2]) for k in touched]
    refresh_cell_supply(session, keys)
    refresh_gap_cover(session, ids)
    add_cover_cells(session, sorted({k[2] for k in keys}))
    note_gap_change(session)


_NOTE_CHANGE = text("INSERT INTO gap_change DEFAULT VALUES")


def note_gap_change(session: Session) -> None:
    """Marks the projection as changed (gap_change: a new row, committed with the catalog write), so a
    process holding a copy of its structure for the SIM table rebuilds it."""
    session.execute(_NOTE_CHANGE)


def refresh_cell_supply(session: Session, keys: Sequence[tuple[int, str, int]]) -> None:
    """Recomputes the supply roll-up of these (intercept, need, cell) keys of gap_cell, whose rows the
    caller has locked (see CELL_SUPPLY_SQL)."""
    if not keys:
        return
    session.execute(
        _CELL_SUPPLY,
        {
            "k_intercepts": [k[0] for k in keys],
            "k_needs": [k[1] for k in keys],
            "k_cells": [k[2] for k in keys],
            "bed_needs": sorted(BED_NEEDS),
        },
    )


# Which service areas cover which res-7 cell centres (`gap_cover`), for the cells in `gap_cover_cell`
# (every cell that has or had a gap_site row; a map probes any other cell live). A cell is covered
# when a service area covers its centre (ST_Covers, point in polygon on the sphere), the test the map
# made per request with one GiST probe per cell. Centres come from h3 in Python, written as the map
# wrote them (ST_MakePoint(lon, lat) as geography).
#
# Two kinds of write change it: a service's areas (refresh_services re-probes the cells against them)
# and a new cell (probed against every area). Each reads what the other writes, so both take one
# transaction-level advisory lock first and probe after it (READ COMMITTED: a new snapshot), or a
# cell and an area committed at once could both miss the pair.
COVER_LOCK: Final = 0x6761_7063  # "gapc"
_LOCK_COVER = text("SELECT pg_advisory_xact_lock(:key)")
_NEW_COVER_CELLS = text("""
SELECT DISTINCT k.cell FROM unnest(CAST(:cells AS bigint[])) AS k(cell)
WHERE NOT EXISTS (SELECT 1 FROM gap_cover_cell c WHERE c.cell = k.cell)
""")
_ADD_COVER_CELLS = text("""
WITH added AS (
    INSERT INTO gap_cover_cell (cell, centre)
    SELECT k.cell, CAST(ST_SetSRID(ST_MakePoint(k.lon, k.lat), 4326) AS geography)
    FROM unnest(CAST(:cells AS bigint[]), CAST(:lats AS float8[]), CAST(:lons AS float8[])) AS k(cell, lat, lon)
    ON CONFLICT (cell) DO NOTHING
    RETURNING cell, centre
)
INSERT INTO gap_cover (cell, service_id)
SELECT DISTINCT a.cell, sa.service_id
FROM added a JOIN service_area sa ON ST_Covers(sa.geog, a.centre)
WHERE sa.service_id IS NOT NULL
ON CONFLICT DO NOTHING
""")
_HAS_AREAS = text("""
SELECT EXISTS (SELECT 1 FROM service_area WHERE service_id = ANY(:ids) AND geog IS NOT NULL)
    OR EXISTS (SELECT 1 FROM gap_cover WHERE service_id = ANY(:ids))
""")
_FORGET_SERVICES = text("DELETE FROM gap_cover WHERE service_id = ANY(:ids)")
_REPROBE_SERVICES = text("""
INSERT INTO gap_cover (cell, service_id)
SELECT DISTINCT c.cell, sa.service_id
FROM service_area sa JOIN gap_cover_cell c ON ST_Covers(sa.geog, c.centre)
WHERE sa.service_id = ANY(:ids)
""")


def add_cover_cells(session: Session, cells: Sequence[int]) -> int:
    """Probes the service areas for these res-7 cells not yet in gap_cover_cell; returns how many."""
    new = list(session.execute(_NEW_COVER_CELLS, {"cells": list(cells)}).scalars())
    if not new:
        return 0
    session.execute(_LOCK_COVER, {"key": COVER_LOCK})
    for start in range(0, len(new), _FILL_BATCH):
        batch = new[start : start + _FILL_BATCH]
        centres = [h3.cell_to_latlng(format(cell, "x")) for cell in batch]
        session.execute(
            _ADD_COVER_CELLS,
            {"cells": batch, "lats": [c[0] for c in centres], "lons": [c[1] for c in centres]},
        )
    return len(new)


def refresh_gap_cover(session: Session, service_ids: Sequence[str]) -> None:
    """Re-probes the known cells against these services' areas (when they have or had any)."""
    ids = list(service_ids)
    if not session.execute(_HAS_AREAS, {"ids": ids}).scalar():
        return
    session.execute(_LOCK_COVER, {"key": COVER_LOCK})
    session.execute(_FORGET_SERVICES, {"ids": ids})  # apart: a statement does not see its own CTE's deletes
    session.execute(_REPROBE_SERVICES, {"ids": ids})
