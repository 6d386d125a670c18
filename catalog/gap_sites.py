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
row per key instead of grouping every site.

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
from matcher.vocabulary import ELIGIBILITY_TAXONOMY, HARM_REDUCTION_BARRIERS, INTERCEPT_TAXONOMY

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
    DELETE FROM gap_site WHERE service_id = ANY(:ids) RETURNING intercept, need, cell, barrier
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
    SELECT intercept, need, cell, sum(n) AS n, sum(CASE WHEN barrier THEN n ELSE 0 END) AS b
    FROM (SELECT intercept, need, cell, barrier, -1 AS n FROM gone WHERE cell IS NOT NULL
          UNION ALL
          SELECT intercept, need, cell, barrier, 1 FROM added WHERE cell IS NOT NULL) d
    GROUP BY intercept, need, cell HAVING sum(n) <> 0 OR sum(CASE WHEN barrier THEN n ELSE 0 END) <> 0
)
INSERT INTO gap_cell (intercept, need, cell, sites, barrier_sites)
SELECT intercept, need, cell, n, b FROM delta ORDER BY intercept, need, cell
ON CONFLICT (intercept, need, cell) DO UPDATE
SET sites = gap_cell.sites + excluded.sites, barrier_sites = gap_cell.barrier_sites + excluded.barrier_sites
""")


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


def refresh_gap_sites(session: Session, service_ids: Sequence[str]) -> None:
    """Rebuilds the gap_site rows of these services from their (already rebuilt) match sites.

    Two statements whatever the number of services, plus one more when some of their places have no
    current cell yet (computed in Python: h3 is not in the database)."""
    ids = list(service_ids)
    refresh_location_cells(session, ids)
    session.execute(
        _REBUILD,
        {
            "ids": ids,
            "intercept_profile": INTERCEPT_TAXONOMY,
            "eligibility_profile": ELIGIBILITY_TAXONOMY,
            "low_barrier_terms": list(LOW_BARRIER_TERMS),
            "barrier_terms": list(HARM_REDUCTION_BARRIERS),
            "switched_off": sorted(FALSE_VALUES),
            "default_intercept": DEFAULT_INTERCEPT,
        },
    )
