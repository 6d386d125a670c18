"""The gap map's SQL: supply grouped by area × need × intercept, demand grouped by area × need ×
intercept × reason, and the services whose service areas reach an area. Aggregates only.

Pool arithmetic follows matcher.pools exactly (a test holds the two side by side): a public pool
offers `available - waitlist - active holds`, a program pool `available - active holds`, never below
zero; a pool whose report is older than its unit's time-to-live offers nothing. Which pools measure a
need at a site follows matcher.capacity.pool_measures: beds only for BED_NEEDS, a pool tied to a site
only there, a pool naming no site at every site of its service.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NamedTuple

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.gaps.cells import (
    BIGINT_TO_HEX,
    CACHE_RESOLUTION,
    HEX_TO_BIGINT,
    PARENT_SQL,
    RESOLUTION_OF_SQL,
    VALID_CELL_PATTERN,
    area_key,
)
from api.gaps.status import UNMET_REASONS, Reach
from catalog.gap_sites import DEFAULT_INTERCEPT, LOW_BARRIER_TERMS
from matcher.eligibility import FALSE_VALUES
from matcher.pools import Freshness
from matcher.vocabulary import BED_NEEDS, ELIGIBILITY_TAXONOMY, HARM_REDUCTION_BARRIERS, INTERCEPT_TAXONOMY

# Where a site falls, per kind of area. Each yields (area, need, service_id, location_id). Cells stay
# integers inside the query (sorting and hashing hex text under a collation is several times slower)
# and become hex strings in Python.
_SITES_IN_CELLS: Final = f"""
    SELECT {PARENT_SQL.format(cell="lc.h3_r7")} AS area, ms.need, ms.service_id, ms.location_id
    FROM match_site ms JOIN location_cell lc ON lc.location_id = ms.location_id
    WHERE ms.need = ANY(:needs)"""
_SITES_IN_FINE_CELLS: Final = """
    SELECT lc.cell AS area, ms.need, ms.service_id, ms.location_id
    FROM match_site ms
    JOIN unnest(CAST(:loc_ids AS text[]), CAST(:loc_cells AS bigint[])) AS lc(location_id, cell)
      ON lc.location_id = ms.location_id
    WHERE ms.need = ANY(:needs)"""
_SITES_IN_NAMED_AREAS: Final = """
    SELECT DISTINCT na.id AS area, ms.need, ms.service_id, ms.location_id
    FROM match_site ms JOIN named_area na ON ST_Intersects(na.geog, ms.geog)
    WHERE ms.need = ANY(:needs) AND ms.geog IS NOT NULL"""
# The whole region: every service of the need, located or reaching by service area, counted once.
_SITES_IN_REGION: Final = """
    SELECT DISTINCT 'region' AS area, ms.need, ms.service_id, ms.location_id
    FROM match_site ms WHERE ms.need = ANY(:needs)"""

SITE_SOURCES: Final = {
    "cells": _SITES_IN_CELLS,
    "fine_cells": _SITES_IN_FINE_CELLS,
    "named": _SITES_IN_NAMED_AREAS,
    "region": _SITES_IN_REGION,
}

_INTERCEPT_CTE: Final = """
svc_intercept AS MATERIALIZED (
    SELECT DISTINCT a.link_id AS service_id, CAST(t.code AS integer) AS intercept
    FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
    WHERE a.link_entity = 'service' AND t.profile = :intercept_profile
      AND t.code IN ('0', '1', '2', '3', '4', '5')
),"""
# Pools with their live state (freshness and open units judged at :at); {pool_filter} may narrow them.
_POOL_CTES: Final = """
holds AS (
    SELECT capacity_id, count(*) AS n FROM hold
    WHERE state = 'active' AND expires_at > :at GROUP BY capacity_id
),
pool AS MATERIALIZED (
    SELECT c.id, c.service_id, c.location_id,
           lower(c.unit_id) = 'bed' AS is_bed,
           cardinality(c.reserved_for) > 0 AS is_program,
           CAST(c.available AS float8) AS available,
           CAST(coalesce(c.maximum, c.available) AS float8) AS total,
           CAST(:at AS timestamptz) - c.updated
               <= make_interval(secs => 3600 * coalesce(ttl.hours, CAST(:ttl_other AS float8))) AS fresh,
           greatest(CAST(c.available AS float8)
                    - CASE WHEN cardinality(c.reserved_for) > 0 THEN 0 ELSE greatest(c.waitlist, 0) END
                    - coalesce(h.n, 0), 0) AS offerable
    FROM service_capacity c
    LEFT JOIN unnest(CAST(:ttl_units AS text[]), CAST(:ttl_hours AS float8[])) AS ttl(unit, hours)
      ON ttl.unit = lower(c.unit_id)
    LEFT JOIN holds h ON h.capacity_id = c.id
    {pool_filter}
)"""
_PROFILE_CTES: Final = _INTERCEPT_CTE + _POOL_CTES.format(pool_filter="")
POOL_CTES: Final = _POOL_CTES  # for api.gaps.sim_structure (every pool's live state)

# The units of an area's pools, public and program apart (one definition for every supply query).
_UNIT_SUMS: Final = """count(*) AS pools,
           count(*) FILTER (WHERE p.fresh) AS fresh_pools,
           coalesce(sum(p.total) FILTER (WHERE NOT p.is_program), 0) AS public_total,
           coalesce(sum(p.available) FILTER (WHERE NOT p.is_program), 0) AS public_available,
           coalesce(sum(p.offerable) FILTER (WHERE p.fresh AND NOT p.is_program), 0) AS public_open,
           coalesce(sum(p.total) FILTER (WHERE p.is_program), 0) AS program_total,
           coalesce(sum(p.available) FILTER (WHERE p.is_program), 0) AS program_available,
           coalesce(sum(p.offerable) FILTER (WHERE p.fresh AND p.is_program), 0) AS program_open,
           coalesce(sum(p.offerable) FILTER (WHERE p.fresh AND NOT ap.barrier), 0) AS free_open"""

# Both supply queries end the same way: each (area, need, intercept) with its service counts and the
# unit sums of its pools (none when it has none).
_AREA_ROWS: Final = """
SELECT s.area, s.need, s.intercept, s.services, s.low_barrier_services, s.untracked_services,
       coalesce(u.pools, 0) AS pools, coalesce(u.fresh_pools, 0) AS fresh_pools,
       coalesce(u.public_total, 0) AS public_total, coalesce(u.public_available, 0) AS public_available,
       coalesce(u.public_open, 0) AS public_open, coalesce(u.program_total, 0) AS program_total,
       coalesce(u.program_available, 0) AS program_available, coalesce(u.program_open, 0) AS program_open,
       s.barrier_services, s.free_untracked_services, coalesce(u.free_open, 0) AS free_open
FROM area_services s LEFT JOIN area_units u
  ON u.area = s.area AND u.need = s.need AND u.intercept = s.intercept
"""

_SUPPLY: Final = """
WITH site AS ({sites}),
{profile},
low_barrier AS (
    SELECT DISTINCT a.link_id AS service_id
    FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
    WHERE a.link_entity = 'service' AND t.profile = :eligibility_profile
      AND t.code = ANY(:low_barrier_terms) AND lower(coalesce(a.value, 'true')) NOT IN ('false', 'no', '0')
),
barrier AS (
    -- The harm-reduction test, as catalog.gap_sites writes gap_site.barrier.
    SELECT DISTINCT a.link_id AS service_id
    FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
    WHERE a.link_entity = 'service' AND t.profile = :eligibility_profile
      AND t.code = ANY(:barrier_terms) AND lower(trim(coalesce(a.value, 'true'))) <> ALL(:switched_off)
),
site_pool AS MATERIALIZED (
    SELECT s.area, s.need, s.service_id, s.location_id, p.id AS pool_id
    FROM site s LEFT JOIN pool p ON p.service_id = s.service_id
      AND (NOT p.is_bed OR s.need = ANY(:bed_needs))
      AND (p.location_id IS NULL OR s.location_id IS NULL OR p.location_id = s.location_id)
),
-- One row per area, need and service (so nothing is counted DISTINCT later). A site with no pool for
-- the need has exactly one site_pool row, with no pool: the service is untracked there (R4).
service_in_area AS (
    SELECT area, need, service_id, bool_or(pool_id IS NULL) AS untracked
    FROM site_pool GROUP BY area, need, service_id
),
area_services AS (
    SELECT sa.area, sa.need, coalesce(si.intercept, :default_intercept) AS intercept,
           count(*) AS services,
           count(*) FILTER (WHERE lb.service_id IS NOT NULL) AS low_barrier_services,
           count(*) FILTER (WHERE sa.untracked) AS untracked_services,
           count(*) FILTER (WHERE b.service_id IS NOT NULL) AS barrier_services,
           count(*) FILTER (WHERE sa.untracked AND b.service_id IS NULL) AS free_untracked_services
    FROM service_in_area sa
    LEFT JOIN svc_intercept si ON si.service_id = sa.service_id
    LEFT JOIN low_barrier lb ON lb.service_id = sa.service_id
    LEFT JOIN barrier b ON b.service_id = sa.service_id
    WHERE coalesce(si.intercept, :default_intercept) = ANY(:intercepts)
    GROUP BY 1, 2, 3
),
area_pool AS (
    -- A pool measuring several sites of its service in one area counts once there.
    SELECT DISTINCT sp.area, sp.need, sp.service_id, sp.pool_id, b.service_id IS NOT NULL AS barrier
    FROM site_pool sp LEFT JOIN barrier b ON b.service_id = sp.service_id WHERE sp.pool_id IS NOT NULL
),
area_units AS (
    SELECT ap.area, ap.need, coalesce(si.intercept, :default_intercept) AS intercept,
           {unit_sums}
    FROM area_pool ap JOIN pool p ON p.id = ap.pool_id
    LEFT JOIN svc_intercept si ON si.service_id = ap.service_id
    WHERE coalesce(si.intercept, :default_intercept) = ANY(:intercepts)
    GROUP BY 1, 2, 3
)
{area_rows}"""

# Supply from the gap_site projection (catalog.gap_sites): the same sums as _SUPPLY, without deriving
# cells, intercepts and low-barrier flags per request. Each source yields (area, need, intercept,
# service_id, location_id, low_barrier); pools are narrowed to the services of those sites.
_GAP_SITES_IN_RANGES: Final = f"""
    SELECT {PARENT_SQL.format(cell="g.cell")} AS area, g.need, g.intercept, g.service_id, g.location_id,
           g.low_barrier, g.barrier
    FROM unnest(CAST(:w_intercepts AS integer[]), CAST(:w_needs AS text[]), CAST(:w_lo AS bigint[]),
                CAST(:w_hi AS bigint[])) AS w(intercept, need, lo, hi)
    -- LATERAL (kept apart by OFFSET 0): one range probe of the (intercept, need, cell) index per area. As
    -- a plain join the planner merged on (intercept, need) alone and tested every range against every
    -- site (30 s at 100k).
    CROSS JOIN LATERAL (
        SELECT g.cell, g.need, g.intercept, g.service_id, g.location_id, g.low_barrier, g.barrier
        FROM gap_site g
        WHERE g.intercept = w.intercept AND g.need = w.need AND g.cell BETWEEN w.lo AND w.hi
        OFFSET 0) g"""
_GAP_SITES_IN_CELLS: Final = f"""
    SELECT {PARENT_SQL.format(cell="g.cell")} AS area, g.need, g.intercept, g.service_id, g.location_id,
           g.low_barrier, g.barrier
    FROM gap_site g
    WHERE g.need = ANY(:needs) AND g.intercept = ANY(:intercepts) AND g.cell IS NOT NULL"""
# The whole region: located sites and service-area reach alike (rows with no cell).
_GAP_SITES_IN_REGION: Final = """
    SELECT 'region' AS area, g.need, g.intercept, g.service_id, g.location_id, g.low_barrier, g.barrier
    FROM gap_site g WHERE g.need = ANY(:needs) AND g.intercept = ANY(:intercepts)"""

GAP_SITE_SOURCES: Final = {"ranges": _GAP_SITES_IN_RANGES, "cells": _GAP_SITES_IN_CELLS, "region": _GAP_SITES_IN_REGION}

_GAP_SUPPLY: Final = """
WITH site AS MATERIALIZED ({sites}),
{pools},
site_pool AS MATERIALIZED (
    SELECT s.area, s.need, s.intercept, s.service_id, s.low_barrier, s.barrier, p.id AS pool_id
    FROM site s LEFT JOIN pool p ON p.service_id = s.service_id
      AND (NOT p.is_bed OR s.need = ANY(:bed_needs))
      AND (p.location_id IS NULL OR s.location_id IS NULL OR p.location_id = s.location_id)
),
-- One row per area, need, intercept and service. A site with no pool for the need has exactly one
-- site_pool row, with no pool: the service is untracked there (R4).
service_in_area AS (
    SELECT area, need, intercept, bool_or(low_barrier) AS low_barrier, bool_or(barrier) AS barrier,
           bool_or(pool_id IS NULL) AS untracked
    FROM site_pool GROUP BY area, need, intercept, service_id
),
area_services AS (
    SELECT area, need, intercept, count(*) AS services,
           count(*) FILTER (WHERE low_barrier) AS low_barrier_services,
           count(*) FILTER (WHERE untracked) AS untracked_services,
           count(*) FILTER (WHERE barrier) AS barrier_services,
           count(*) FILTER (WHERE untracked AND NOT barrier) AS free_untracked_services
    FROM service_in_area GROUP BY 1, 2, 3
),
area_pool AS (
    -- A pool measuring several sites of its service in one area counts once there.
    SELECT DISTINCT area, need, intercept, pool_id, barrier FROM site_pool WHERE pool_id IS NOT NULL
),
area_units AS (
    SELECT ap.area, ap.need, ap.intercept,
           {unit_sums}
    FROM area_pool ap JOIN pool p ON p.id = ap.pool_id
    GROUP BY 1, 2, 3
)
{area_rows}"""
_PAGE_POOLS: Final = "WHERE c.service_id IN (SELECT service_id FROM site)"

# The supply roll-up of res-7 keys (gap_cell, kept by catalog.gap_sites.refresh_cell_supply): service
# counts and the pools measuring the key's sites, one probe of gap_cell's primary key per key.
_CELL_ROLLUP: Final = """
SELECT g.intercept, g.need, g.cell, g.services, g.low_barrier_services, g.untracked_services,
       g.barrier_services, g.free_untracked_services, g.pool_ids, g.pool_services, g.pool_barriers
FROM unnest(CAST(:k_intercepts AS integer[]), CAST(:k_needs AS text[]), CAST(:k_lo AS bigint[]),
            CAST(:k_hi AS bigint[])) AS k(intercept, need, lo, hi)
-- One range scan of the primary key per (intercept, need) block: most ring cells of a page have no
-- site, and probing each of them cost more than reading the block's rows between them.
CROSS JOIN LATERAL (
    SELECT * FROM gap_cell g
    WHERE g.intercept = k.intercept AND g.need = k.need AND g.cell BETWEEN k.lo AND k.hi AND g.sites > 0
    OFFSET 0) g
"""
# The live state of some pools, judged at :at with the same arithmetic as every supply query.
_POOL_STATES: Final = """
WITH {pools}
SELECT id, service_id, is_program, total, available, fresh, offerable FROM pool
"""
_LISTED_POOLS: Final = "WHERE c.id = ANY(CAST(:pool_ids AS text[]))"

# Row keys with supply come from gap_cell (one row per intercept, need and res-7 cell with sites), no
# pool touched: counted per (intercept, need), and listed in row order (an H3 index as 15 hex digits
# sorts as its integer does) after a bound, off its primary key.
# Counted one (intercept, need) at a time: a plain count over one range of the sited index each, where
# a GROUP BY over the whole index hashed all 1.19M entries' keys at 1M (~235 ms against ~115 ms).
# Blocks without sites count 0 here (dropped by `supply_area_counts`).
_CELL_COUNTS: Final = """
SELECT k.intercept, k.need,
       (SELECT count(*) FROM gap_cell g WHERE g.intercept = k.intercept AND g.need = k.need AND g.sites > 0)
           AS areas
FROM (SELECT DISTINCT intercept, need FROM unnest(CAST(:intercepts AS integer[])) AS i(intercept)
      CROSS JOIN unnest(CAST(:needs AS text[])) AS n(need)) k
"""
_SUPPLY_AREA_COUNTS: Final = f"""
SELECT intercept, need, count(*) AS areas
FROM (SELECT DISTINCT intercept, need, {PARENT_SQL.format(cell="cell")} AS area
      FROM gap_cell WHERE sites > 0 AND need = ANY(:needs) AND intercept = ANY(:intercepts)) k
GROUP BY 1, 2
"""
# Of these (intercept, need, area) keys (areas as res-7 ranges), the positions of those with no site.
_KEYS_WITHOUT_SITES: Final = """
SELECT k.i FROM unnest(CAST(:k_intercepts AS integer[]), CAST(:k_needs AS text[]), CAST(:k_lo AS bigint[]),
                       CAST(:k_hi AS bigint[])) WITH ORDINALITY AS k(intercept, need, lo, hi, i)
WHERE NOT EXISTS (SELECT 1 FROM gap_cell g WHERE g.intercept = k.intercept AND g.need = k.need
                  AND g.cell BETWEEN k.lo AND k.hi AND g.sites > 0)
"""
_AREAS_AFTER: Final = f"""
SELECT DISTINCT {PARENT_SQL.format(cell="cell")} AS area FROM gap_cell
WHERE intercept = :intercept AND need = :need AND cell > :after AND sites > 0
ORDER BY area LIMIT :room
"""
_AREAS_AFTER_TEXT: Final = f"""
SELECT DISTINCT {PARENT_SQL.format(cell="cell")} AS area FROM gap_cell
WHERE intercept = :intercept AND need = :need AND sites > 0
  AND {BIGINT_TO_HEX.format(cell=PARENT_SQL.format(cell="cell"))} COLLATE "C" > :after
ORDER BY area LIMIT :room
"""


_TARGET_CELL_CENTRES: Final = """
    SELECT t.area, CAST(ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) AS geography) AS geog
    FROM unnest(CAST(:areas AS text[]), CAST(:lats AS float8[]), CAST(:lons AS float8[]))
         AS t(area, lat, lon)"""
_TARGET_NAMED_AREAS: Final = "SELECT na.id AS area, na.geog FROM named_area na"
_REACHED_BY_PROBE: Final = """
    SELECT DISTINCT t.area, sa.service_id
    FROM target t JOIN service_area sa ON {reaches}"""
# Res-7 cells: the pairs kept in gap_cover (catalog.gap_sites) for the cells it knows, a probe of the
# service-area index for any other (a cell with demand and no site, say).
_TARGET_R7_CENTRES: Final = """
    SELECT t.area, t.cell, CAST(ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) AS geography) AS geog
    FROM unnest(CAST(:areas AS text[]), CAST(:cells AS bigint[]), CAST(:lats AS float8[]),
                CAST(:lons AS float8[])) AS t(area, cell, lat, lon)"""
_REACHED_BY_COVER: Final = """
    SELECT t.area, gc.service_id FROM target t JOIN gap_cover gc ON gc.cell = t.cell
    -- Only services reaching by area for the asked needs and intercepts (the rest meet no area_site
    -- row below): a national page's cells are covered ~18 times each, mostly by other needs' services.
    WHERE gc.service_id IN (SELECT g.service_id FROM gap_site g WHERE g.cell IS NULL
                            AND g.need = ANY(:needs) AND g.intercept = ANY(:intercepts))
    UNION
    SELECT t.area, sa.service_id
    FROM (SELECT * FROM target t WHERE NOT EXISTS (SELECT 1 FROM gap_cover_cell c WHERE c.cell = t.cell)
          OFFSET 0) t
    JOIN service_area sa ON ST_Covers(sa.geog, t.geog)"""

# Mobile and outreach services reach an area through their HSDS service_area (CONTRACT R6). With no
# site in question, every pool of the service measures the need (beds only for BED_NEEDS).
_AREA_SERVICES: Final = """
WITH target AS MATERIALIZED ({targets}),
-- Materialised apart from the sites so the planner probes the service_area GiST index once per target
-- (left to itself it tests every target against every area: a geography intersection each time).
reached AS MATERIALIZED ({reached}),
-- The reaching services' needs and intercepts: their gap_site rows without a cell (one per need and
-- intercept), read through the service index for these services only.
area_site AS MATERIALIZED (
    SELECT g.service_id, g.need, g.intercept, g.barrier FROM gap_site g
    WHERE g.service_id IN (SELECT service_id FROM reached) AND g.cell IS NULL
      AND g.need = ANY(:needs) AND g.intercept = ANY(:intercepts)
),
{pools},
-- Pools of the reaching services only (the pool CTE is narrowed to them), one row per service.
service_pools AS MATERIALIZED (
    SELECT p.service_id, bool_or(NOT p.is_bed) AS tracks_other_units,
           coalesce(sum(p.offerable) FILTER (WHERE p.fresh), 0) AS open_all,
           coalesce(sum(p.offerable) FILTER (WHERE p.fresh AND NOT p.is_bed), 0) AS open_other_units
    FROM pool p GROUP BY p.service_id
),
covering AS (
    SELECT r.area, s.need, s.intercept, r.service_id, s.barrier,
           CASE WHEN sp.service_id IS NULL THEN false
                WHEN s.need = ANY(:bed_needs) THEN true ELSE sp.tracks_other_units END AS tracked,
           CASE WHEN s.need = ANY(:bed_needs) THEN coalesce(sp.open_all, 0)
                ELSE coalesce(sp.open_other_units, 0) END AS open_units
    FROM reached r
    JOIN area_site s ON s.service_id = r.service_id
    LEFT JOIN service_pools sp ON sp.service_id = r.service_id
)
SELECT c.area, c.need, c.intercept,
       count(*) AS services,
       count(*) FILTER (WHERE NOT c.tracked) AS untracked_services,
       CAST(sum(c.open_units) AS float8) AS open_units,
       count(*) FILTER (WHERE NOT c.tracked AND NOT c.barrier) AS free_untracked_services,
       CAST(coalesce(sum(c.open_units) FILTER (WHERE NOT c.barrier), 0) AS float8) AS free_open_units
FROM covering c
GROUP BY 1, 2, 3
"""
_REACHED_POOLS: Final = "WHERE c.service_id IN (SELECT service_id FROM reached)"

_EVENTS_IN_WINDOW: Final = """
    FROM gap_event
    WHERE hour >= :start AND hour < :end AND need = ANY(:needs)
      AND coalesce(intercept, :default_intercept) = ANY(:intercepts)"""

_CELL = HEX_TO_BIGINT.format(cell="lower(cell)")
_DEMAND_BY_CELL: Final = f"""
WITH ev AS (
    SELECT {_CELL} AS cell, need, coalesce(intercept, :default_intercept) AS intercept, reason
    {_EVENTS_IN_WINDOW} AND lower(cell) ~ :cell_pattern
)
SELECT {PARENT_SQL.format(cell="cell")} AS area, need, intercept, reason,
       count(*) AS events
FROM ev WHERE {RESOLUTION_OF_SQL.format(cell="cell")} >= :resolution
GROUP BY 1, 2, 3, 4
"""
_DEMAND_BY_RAW_CELL: Final = f"""
SELECT lower(cell) AS area, need, coalesce(intercept, :default_intercept) AS intercept, reason,
       count(*) AS events
{_EVENTS_IN_WINDOW} AND lower(cell) ~ :cell_pattern
GROUP BY 1, 2, 3, 4
"""
_DEMAND_IN_REGION: Final = f"""
SELECT 'region' AS area, need, coalesce(intercept, :default_intercept) AS intercept, reason,
       count(*) AS events
{_EVENTS_IN_WINDOW}
GROUP BY 1, 2, 3, 4
"""

_NAMED_AREAS_OF_POINTS: Final = text("""
SELECT t.cell, na.id AS area
FROM unnest(CAST(:cells AS text[]), CAST(:lats AS float8[]), CAST(:lons AS float8[])) AS t(cell, lat, lon)
JOIN named_area na ON ST_Intersects(na.geog, CAST(ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) AS geography))
""")

# At resolution 7, each demand key with whether its cell has a site for the need and intercept (an
# index-only probe of gap_cell per key, in the same statement: demand keys without one are rows of their own).
_DEMAND_BY_R7_CELL: Final = f"""
WITH d AS MATERIALIZED ({_DEMAND_BY_CELL})
SELECT d.area, d.need, d.intercept, d.reason, d.events,
       EXISTS (SELECT 1 FROM gap_cell g WHERE g.intercept = d.intercept AND g.need = d.need AND g.cell = d.area
               AND g.sites > 0) AS sited
FROM d
"""
# At resolution 7, per (intercept, need): the cells with gap events in the window, in order, and whether
# each met unmet demand (an event of a reason in UNMET_REASONS: all the SIM table asks of demand per area).
_UNMET_BY_R7_CELL: Final = f"""
WITH d AS ({_DEMAND_BY_CELL}),
k AS (SELECT intercept, need, area, bool_or(reason = ANY(:unmet_reasons)) AS unmet FROM d GROUP BY 1, 2, 3)
SELECT intercept, need, array_agg(area ORDER BY area) AS cells, array_agg(unmet ORDER BY area) AS unmet
FROM k GROUP BY 1, 2
"""
_DEMAND_STATEMENTS: Final = {"cells": _DEMAND_BY_CELL, "raw_cells": _DEMAND_BY_RAW_CELL, "region": _DEMAND_IN_REGION}


class SupplyRow(NamedTuple):
    """Supply of one area × need × intercept (a tuple: a state-sized map builds 100k+ of them)."""

    area: str
    need: str
    intercept: int
    services: int
    low_barrier_services: int
    untracked_services: int
    pools: int
    fresh_pools: int
    public_total: float
    public_available: float
    public_open: float
    program_total: float
    program_available: float
    program_open: float
    barrier_services: int  # services behind a harm-reduction barrier (CONTRACT §2.5)
    barrier_free_untracked: int  # untracked services with no such barrier
    barrier_free_open: float  # fresh open units of pools of services with no such barrier

    @property
    def open_units(self) -> float:
        return self.public_open + self.program_open


class AreaServiceRow(NamedTuple):
    area: str
    need: str
    intercept: int
    services: int
    untracked_services: int
    open_units: float
    free_untracked_services: int = 0  # of the untracked ones, those with no harm-reduction barrier
    free_open_units: float = 0.0  # of the open units, those of services with no such barrier

    def reach(self, in_reach: int, open_ring: float) -> Reach:
        """An area's reach: `in_reach` services and `open_ring` open units from the sites of its cell
        and ring, and the services whose areas cover it (this row). The ring gave no barrier-free
        supply (else the area was counted sufficient before its cover was asked)."""
        return Reach(
            int(in_reach),
            self.services,
            float(open_ring) + self.open_units,
            self.untracked_services,
            self.free_open_units,
            self.free_untracked_services,
        )


# An area no service area covers.
NO_COVER: Final = AreaServiceRow("", "", 0, 0, 0, 0.0)


class DemandRow(NamedTuple):
    area: str
    need: str
    intercept: int
    reason: str
    events: int


@dataclass(frozen=True)
class NamedArea:
    id: str
    name: str
    kind: str | None
    geometry: dict[str, Any] | None


def int_array(values: Iterable[int | float]) -> str:
    """A PostgreSQL array literal of numbers, for `CAST(:param AS bigint[])` and the like. psycopg dumps
    a Python list element by element (a third of a second for the ~200,000 values of a 10,000-row
    page); one string goes at once. `repr` of a float reads back as the same float8."""
    return "{" + ",".join(map(repr, values)) + "}"


def text_array(values: Iterable[str]) -> str:
    """A PostgreSQL array literal of strings (each quoted, `\\` and `"` escaped)."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _base_params(needs: Sequence[str], intercepts: Sequence[int]) -> dict[str, Any]:
    return {
        "needs": list(needs),
        "intercepts": list(intercepts),
        "default_intercept": DEFAULT_INTERCEPT,
        "intercept_profile": INTERCEPT_TAXONOMY,
    }


def _pool_params(at: datetime, freshness: Freshness) -> dict[str, Any]:
    return {
        "at": at,
        "ttl_units": list(freshness.by_unit),
        "ttl_hours": list(freshness.by_unit.values()),
        "ttl_other": freshness.other,
        "bed_needs": sorted(BED_NEEDS),
    }


pool_params = _pool_params


_BARRIER_PARAMS: Final = {"barrier_terms": list(HARM_REDUCTION_BARRIERS), "switched_off": sorted(FALSE_VALUES)}


def supply_rows(
    session: Session,
    source: str,
    *,
    needs: Sequence[str],
    intercepts: Sequence[int],
    at: datetime,
    freshness: Freshness,
    **source_params: Any,
) -> list[SupplyRow]:
    """Supply per area × need × intercept, for one kind of area (a key of SITE_SOURCES)."""
    statement = text(
        _SUPPLY.format(sites=SITE_SOURCES[source], profile=_PROFILE_CTES, unit_sums=_UNIT_SUMS, area_rows=_AREA_ROWS)
    )
    params = {
        **_base_params(needs, intercepts),
        **_pool_params(at, freshness),
        **source_params,
        "eligibility_profile": ELIGIBILITY_TAXONOMY,
        "low_barrier_terms": list(LOW_BARRIER_TERMS),
        **_BARRIER_PARAMS,
    }
    # Counts arrive as integers and sums as float8, in SupplyRow's order: only the area needs mapping.
    return [SupplyRow(area_key(r[0]), *r[1:]) for r in session.execute(statement, params).all()]


def gap_supply_rows(
    session: Session,
    source: str,
    *,
    needs: Sequence[str],
    intercepts: Sequence[int],
    at: datetime,
    freshness: Freshness,
    resolution: int | None = None,
    ranges: Sequence[tuple[int, str, int, int]] = (),
) -> list[SupplyRow]:
    """Supply per area × need × intercept from gap_site. `source`: `cells` (every cell, coarsened to
    `resolution`), `ranges` (only the areas given as (intercept, need, lo, hi) res-7 ranges) or `region`."""
    narrowed = source == "ranges"
    statement = text(
        _GAP_SUPPLY.format(
            sites=GAP_SITE_SOURCES[source],
            pools=_POOL_CTES.format(pool_filter=_PAGE_POOLS if narrowed else ""),
            unit_sums=_UNIT_SUMS,
            area_rows=_AREA_ROWS,
        )
    )
    params = {
        **_base_params(needs, intercepts),
        **_pool_params(at, freshness),
        "resolution": resolution,
        "w_intercepts": int_array(r[0] for r in ranges),
        "w_needs": text_array(r[1] for r in ranges),
        "w_lo": int_array(r[2] for r in ranges),
        "w_hi": int_array(r[3] for r in ranges),
    }
    return [SupplyRow(area_key(r[0]), *r[1:]) for r in session.execute(statement, params).all()]


class CellRollup(NamedTuple):
    """A res-7 key's supply roll-up: its service counts and its measuring pools (ids, the service each
    belonged to when the roll-up was written, and that service's harm-reduction barrier)."""

    intercept: int
    need: str
    cell: int
    services: int
    low_barrier_services: int
    untracked_services: int
    barrier_services: int
    free_untracked_services: int
    pool_ids: list[str]
    pool_services: list[str]
    pool_barriers: list[bool]


class PoolState(NamedTuple):
    service_id: str
    is_program: bool
    total: float
    available: float
    fresh: bool | None
    offerable: float


def cell_rollups(session: Session, bounds: dict[tuple[int, str], tuple[int, int]]) -> list[CellRollup]:
    """The roll-ups of the keys with sites of each (intercept, need) between two res-7 cells (inclusive)."""
    if not bounds:
        return []
    params = {
        "k_intercepts": int_array(b[0] for b in bounds),
        "k_needs": text_array(b[1] for b in bounds),
        "k_lo": int_array(v[0] for v in bounds.values()),
        "k_hi": int_array(v[1] for v in bounds.values()),
    }
    return [CellRollup(*r) for r in session.execute(text(_CELL_ROLLUP), params).all()]


def pool_states(
    session: Session, pool_ids: Iterable[str], *, at: datetime, freshness: Freshness
) -> dict[str, PoolState]:
    """The live state of these pools at `at` (freshness, open units after wait lists and active holds)."""
    ids = text_array(pool_ids)
    if ids == "{}":
        return {}
    statement = text(_POOL_STATES.format(pools=_POOL_CTES.format(pool_filter=_LISTED_POOLS)))
    # Fetched whole (iterating the result fetches row by row: 6,000 calls at 1M).
    rows = session.execute(statement, {**_pool_params(at, freshness), "pool_ids": ids}).tuples().all()
    return {r[0]: PoolState(*r[1:]) for r in rows}


def supply_area_counts(
    session: Session, *, needs: Sequence[str], intercepts: Sequence[int], resolution: int
) -> dict[tuple[int, str], int]:
    """Areas with supply per (intercept, need) at a resolution of 7 or coarser."""
    statement = _CELL_COUNTS if resolution == CACHE_RESOLUTION else _SUPPLY_AREA_COUNTS
    rows = session.execute(
        text(statement), {"needs": list(needs), "intercepts": list(intercepts), "resolution": resolution}
    )
    return {(r.intercept, r.need): r.areas for r in rows if r.areas}


def keys_without_sites(session: Session, keys: Sequence[tuple[int, str, int, int]]) -> list[int]:
    """Positions (0-based) of the (intercept, need, lo, hi) keys that have no site in gap_site."""
    if not keys:
        return []
    rows = session.execute(
        text(_KEYS_WITHOUT_SITES),
        {
            "k_intercepts": int_array(k[0] for k in keys),
            "k_needs": text_array(k[1] for k in keys),
            "k_lo": int_array(k[2] for k in keys),
            "k_hi": int_array(k[3] for k in keys),
        },
    )
    return [int(r[0]) - 1 for r in rows]


def supply_areas_after(
    session: Session, *, intercept: int, need: str, resolution: int, after: int | str | None, room: int
) -> list[str]:
    """Up to `room` areas with supply of one (intercept, need), in row order, after `after`: a res-7
    index bound (every area above it), or an area text compared as text (a cursor this map did not
    write), or None (from the first)."""
    params = {"intercept": intercept, "need": need, "resolution": resolution, "room": room}
    if isinstance(after, str):
        statement = _AREAS_AFTER_TEXT
        params["after"] = after
    else:
        statement = _AREAS_AFTER
        params["after"] = -1 if after is None else after
    return [area_key(cell) for cell in session.execute(text(statement), params).scalars().all()]


def area_service_rows(
    session: Session,
    *,
    targets: str,
    needs: Sequence[str],
    intercepts: Sequence[int],
    at: datetime,
    freshness: Freshness,
    **target_params: Any,
) -> list[AreaServiceRow]:
    """Services reaching each target (cell centres, or named areas) through their service area."""
    # A cell is reached when a service area covers its centre (a point: ST_Covers, a point-in-polygon
    # test, is 2.5 times faster than ST_Intersects' distance test and says the same away from the
    # edge's last 10 µm); a named area when the two intersect.
    if targets == "r7_cells":
        source, reached = _TARGET_R7_CENTRES, _REACHED_BY_COVER
    elif targets == "cells":
        source, reached = _TARGET_CELL_CENTRES, _REACHED_BY_PROBE.format(reaches="ST_Covers(sa.geog, t.geog)")
    else:
        source, reached = _TARGET_NAMED_AREAS, _REACHED_BY_PROBE.format(reaches="ST_Intersects(sa.geog, t.geog)")
    statement = text(
        _AREA_SERVICES.format(targets=source, reached=reached, pools=_POOL_CTES.format(pool_filter=_REACHED_POOLS))
    )
    params = {**_base_params(needs, intercepts), **_pool_params(at, freshness), **target_params}
    return [AreaServiceRow(*r) for r in session.execute(statement, params).all()]


# The map's queries group a few hundred thousand rows at a state's size. JIT compilation of their
# many expressions costs seconds before the first row (and saves nothing on a scan this size), and
# the default 4 MB of work memory pushes their sorts and hashes to disk. Both only for this transaction.
AGGREGATE_SETTINGS: Final = ("SET LOCAL jit = off", "SET LOCAL work_mem = '64MB'")


def tune_for_aggregates(session: Session) -> None:
    for statement in AGGREGATE_SETTINGS:
        session.execute(text(statement))


def tune_for_sim(session: Session) -> None:
    """The SIM table groups every site and measuring pool of the region once (2.35M sites, 1.2M
    site × pool pairs at 1M): with 64 MB its hashes spilled to disk in five batches each."""
    tune_for_aggregates(session)
    session.execute(text("SET LOCAL work_mem = '256MB'"))
    # Row estimates of its CTE scans are defaults (200 rows for 1.2M): the planner then sorted 1.2M text
    # keys (under the database collation) for group and merge joins where hashing costs a fraction.
    session.execute(text("SET LOCAL enable_sort = off"))
    session.execute(text("SET LOCAL enable_mergejoin = off"))


def has_service_areas(session: Session) -> bool:
    return bool(session.execute(text("SELECT EXISTS (SELECT 1 FROM match_site WHERE has_area)")).scalar())


def demand_rows(
    session: Session,
    grouping: str,
    *,
    needs: Sequence[str],
    intercepts: Sequence[int],
    start: datetime,
    end: datetime,
    resolution: int | None = None,
) -> list[DemandRow]:
    """Gap events in [start, end) counted by area × need × intercept × reason. `grouping`: `cells`
    (coarsened to `resolution`), `raw_cells` (as stored), or `region`. Never single events."""
    statement = _DEMAND_STATEMENTS[grouping]
    params = {
        **_base_params(needs, intercepts),
        "start": start,
        "end": end,
        "resolution": resolution,
        "cell_pattern": VALID_CELL_PATTERN,
    }
    return [DemandRow(area_key(r[0]), *r[1:]) for r in session.execute(text(statement), params).all()]


def r7_demand_tuples(
    session: Session, *, needs: Sequence[str], intercepts: Sequence[int], start: datetime, end: datetime
) -> Sequence[tuple[int, str, int, str, int, bool]]:
    """Gap events in [start, end) by res-7 cell (its integer index) × need × intercept × reason, each
    with whether its cell has a site for the need and intercept: plain tuples (a national window has
    ~50k of them), ordered by key as the grouping leaves them."""
    params = {
        **_base_params(needs, intercepts),
        "start": start,
        "end": end,
        "resolution": CACHE_RESOLUTION,
        "cell_pattern": VALID_CELL_PATTERN,
    }
    return session.execute(text(_DEMAND_BY_R7_CELL), params).tuples().all()  # type: ignore[return-value]


def r7_unmet_cells(
    session: Session, *, needs: Sequence[str], intercepts: Sequence[int], start: datetime, end: datetime
) -> dict[tuple[int, str], tuple[list[int], list[bool]]]:
    """Per (intercept, need): the res-7 cells (integers, ascending) with gap events in [start, end), and
    whether each had unmet demand (`status.unmet_demand` > 0)."""
    params = {
        **_base_params(needs, intercepts),
        "start": start,
        "end": end,
        "resolution": CACHE_RESOLUTION,
        "cell_pattern": VALID_CELL_PATTERN,
        "unmet_reasons": list(UNMET_REASONS),
    }
    return {(r.intercept, r.need): (r.cells, r.unmet) for r in session.execute(text(_UNMET_BY_R7_CELL), params)}


def named_areas_of_points(
    session: Session, cells: Sequence[str], lats: Sequence[float], lons: Sequence[float]
) -> list[tuple[str, str]]:
    """(cell, named area id) for every named area containing each cell's centre."""
    rows = session.execute(_NAMED_AREAS_OF_POINTS, {"cells": list(cells), "lats": list(lats), "lons": list(lons)})
    return [(r.cell, r.area) for r in rows]


def named_area_count(session: Session) -> int:
    return int(session.execute(text("SELECT count(*) FROM named_area")).scalar_one())


def named_areas(session: Session, ids: Sequence[str], *, with_geometry: bool) -> dict[str, NamedArea]:
    geometry = "CAST(ST_AsGeoJSON(geog, 7) AS json)" if with_geometry else "NULL"
    rows = session.execute(
        text(f"SELECT id, name, kind, {geometry} AS geometry FROM named_area WHERE id = ANY(:ids)"), {"ids": list(ids)}
    )
    return {r.id: NamedArea(r.id, r.name, r.kind, r.geometry) for r in rows}


# The SIM table's supply in one statement, over the pools and only the sites they measure (the whole
# map summed cell by cell cost 22 s at 1M, and the region totals, grouping every site × pool by
# service, another 21 s). A row whose own area has sites is settled by that area unless the area is
# *closed*: every one of its sites is measured by a pool and no measuring pool is fresh with units
# open (an unmeasured site is an untracked service, an open pool open units: either makes the area
# sufficient on its own). Closed areas are found from the pools' side (pool -> the sites it measures ->
# sites with no open pool, counted per area) and confirmed against gap_cell's count of the area's sites.
# Rows, tagged by `kind`:
#   'closed'   (intercept, need, areas: the closed areas)
#   'services' (intercept, need, n1 services, n2 low_barrier_services, n3 untracked_services), region
#   'pools'    (intercept, need, n1 pools, n2 fresh_pools, f1-f6 public total, available, open and
#               program total, available, open), region
_SIM_SUPPLY: Final = """
WITH {pools},
pair AS MATERIALIZED (
    -- Every (site, pool) where the pool measures the site, as in _GAP_SUPPLY (pool_measures).
    SELECT s.id AS site_id, s.intercept, s.need, s.cell, s.barrier, p.id AS pool_id, p.fresh, p.is_program,
           p.total, p.available, p.offerable, coalesce(p.fresh AND p.offerable > 0, false) AS open
    FROM pool p JOIN gap_site s ON s.service_id = p.service_id
      AND (NOT p.is_bed OR s.need = ANY(:bed_needs))
      AND (p.location_id IS NULL OR s.location_id IS NULL OR p.location_id = s.location_id)
    WHERE s.need = ANY(:needs) AND s.intercept = ANY(:intercepts)
),
-- One row per measured site (keyed by gap_site's integer id), open when any of its pools is.
measured AS MATERIALIZED (
    SELECT site_id, min(intercept) AS intercept, min(need) AS need, min(cell) AS cell, bool_or(open) AS open,
           bool_or(barrier) AS barrier
    FROM pair GROUP BY site_id
),
closed_count AS (
    SELECT intercept, need, {area} AS area, count(*) AS sites,
           count(*) FILTER (WHERE NOT barrier) AS free_sites
    FROM measured WHERE cell IS NOT NULL AND NOT open GROUP BY 1, 2, 3
),
-- Materialised: joined by hash (probing gap_cell's index once per candidate area cost 2 s at 1M).
area_sites AS MATERIALIZED ({area_sites}),
-- A service is untracked in the region when one of its sites is measured by no pool.
region_service AS (
    SELECT g.intercept, g.need, bool_or(g.low_barrier) AS low_barrier, bool_or(g.barrier) AS barrier,
           bool_or(m.site_id IS NULL) AS untracked
    FROM gap_site g LEFT JOIN measured m ON m.site_id = g.id
    WHERE g.need = ANY(:needs) AND g.intercept = ANY(:intercepts)
    GROUP BY g.intercept, g.need, g.service_id
),
-- Each pool once per (intercept, need), with its state (no second join to the pools).
region_pool AS (
    SELECT DISTINCT intercept, need, pool_id, fresh, is_program, total, available, offerable, barrier FROM pair
)
SELECT 'closed' AS kind, c.intercept, c.need, array_agg(c.area) AS areas, CAST(0 AS bigint) AS n1,
       CAST(0 AS bigint) AS n2, CAST(0 AS bigint) AS n3, CAST(0 AS bigint) AS n4, CAST(0 AS bigint) AS n5,
       CAST(0 AS float8) AS f1, CAST(0 AS float8) AS f2, CAST(0 AS float8) AS f3, CAST(0 AS float8) AS f4,
       CAST(0 AS float8) AS f5, CAST(0 AS float8) AS f6, CAST(0 AS float8) AS f7
FROM closed_count c JOIN area_sites a ON a.intercept = c.intercept AND a.need = c.need AND a.area = c.area
WHERE a.sites = c.sites
GROUP BY c.intercept, c.need
UNION ALL
-- Areas whose every site is behind a harm-reduction barrier or measured with no open unit: no
-- barrier-free supply of their own (only areas with a barrier site; the others are barred when closed).
SELECT 'barred', a.intercept, a.need, array_agg(a.area), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
FROM area_sites a LEFT JOIN closed_count c ON c.intercept = a.intercept AND c.need = a.need AND c.area = a.area
WHERE a.barrier_sites > 0 AND a.barrier_sites + coalesce(c.free_sites, 0) = a.sites
GROUP BY a.intercept, a.need
UNION ALL
SELECT 'services', intercept, need, NULL, count(*), count(*) FILTER (WHERE low_barrier),
       count(*) FILTER (WHERE untracked), count(*) FILTER (WHERE barrier),
       count(*) FILTER (WHERE untracked AND NOT barrier), 0, 0, 0, 0, 0, 0, 0
FROM region_service GROUP BY intercept, need
UNION ALL
SELECT 'pools', p.intercept, p.need, NULL, count(*), count(*) FILTER (WHERE p.fresh), 0, 0, 0,
       coalesce(sum(p.total) FILTER (WHERE NOT p.is_program), 0),
       coalesce(sum(p.available) FILTER (WHERE NOT p.is_program), 0),
       coalesce(sum(p.offerable) FILTER (WHERE p.fresh AND NOT p.is_program), 0),
       coalesce(sum(p.total) FILTER (WHERE p.is_program), 0),
       coalesce(sum(p.available) FILTER (WHERE p.is_program), 0),
       coalesce(sum(p.offerable) FILTER (WHERE p.fresh AND p.is_program), 0),
       coalesce(sum(p.offerable) FILTER (WHERE p.fresh AND NOT p.barrier), 0)
FROM region_pool p GROUP BY p.intercept, p.need
"""
# Sites per area: gap_cell itself at resolution 7, its cells summed per parent when coarser.
_AREA_SITES_R7: Final = """
    SELECT intercept, need, cell AS area, sites, barrier_sites FROM gap_cell
    WHERE sites > 0 AND need = ANY(:needs) AND intercept = ANY(:intercepts)"""
_AREA_SITES_COARSE: Final = f"""
    SELECT intercept, need, {PARENT_SQL.format(cell="cell")} AS area, sum(sites) AS sites,
           sum(barrier_sites) AS barrier_sites FROM gap_cell
    WHERE sites > 0 AND need = ANY(:needs) AND intercept = ANY(:intercepts) GROUP BY 1, 2, 3"""
# Every area with sites, per (intercept, need), as one array each (a national map: 1.19M areas).
_AREAS_WITH_SITES: Final = f"""
SELECT intercept, need, array_agg(DISTINCT {PARENT_SQL.format(cell="cell")}) AS areas FROM gap_cell
WHERE sites > 0 AND need = ANY(:needs) AND intercept = ANY(:intercepts)
GROUP BY 1, 2
"""
_AREAS_WITH_SITES_R7: Final = """
SELECT intercept, need, array_agg(cell) AS areas FROM gap_cell
WHERE sites > 0 AND need = ANY(:needs) AND intercept = ANY(:intercepts)
GROUP BY 1, 2
"""

Block = tuple[int, str]  # (intercept, need)


@dataclass(frozen=True)
class SimSupply:
    """What the SIM table needs of supply: per (intercept, need), its areas with sites, those of them
    that are closed, and those whose every site is closed or behind a harm-reduction barrier (`barred`,
    areas with at least one barrier site only: integer H3 indexes at the map's resolution), and the
    region's totals."""

    areas: dict[Block, set[int]]
    closed: dict[Block, set[int]]
    barred: dict[Block, set[int]]
    region: dict[Block, SupplyRow]


def sim_supply(
    session: Session,
    *,
    needs: Sequence[str],
    intercepts: Sequence[int],
    at: datetime,
    freshness: Freshness,
    resolution: int,
) -> SimSupply:
    """Areas with sites, closed areas and region totals for the SIM table at resolution 4-7."""
    r7 = resolution == CACHE_RESOLUTION
    params = {**_base_params(needs, intercepts), **_pool_params(at, freshness), "resolution": resolution}
    areas = {
        (r.intercept, r.need): set(r.areas)
        for r in session.execute(text(_AREAS_WITH_SITES_R7 if r7 else _AREAS_WITH_SITES), params)
    }
    statement = _SIM_SUPPLY.format(
        pools=_POOL_CTES.format(pool_filter=""),
        area="cell" if r7 else PARENT_SQL.format(cell="cell"),
        area_sites=_AREA_SITES_R7 if r7 else _AREA_SITES_COARSE,
    )
    closed: dict[Block, set[int]] = {}
    barred: dict[Block, set[int]] = {}
    services: dict[Block, tuple[int, ...]] = {}
    pools: dict[Block, tuple[Any, ...]] = {}
    for r in session.execute(text(statement), params):
        block = (r.intercept, r.need)
        if r.kind == "closed":
            closed[block] = set(r.areas)
        elif r.kind == "barred":
            barred[block] = set(r.areas)
        elif r.kind == "services":
            services[block] = (r.n1, r.n2, r.n3, r.n4, r.n5)
        else:
            pools[block] = (r.n1, r.n2, r.f1, r.f2, r.f3, r.f4, r.f5, r.f6, r.f7)
    no_pools = (0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    region: dict[Block, SupplyRow] = {}
    for block, (n_services, n_low, n_untracked, n_barrier, n_free_untracked) in services.items():
        n_pools, n_fresh, f1, f2, f3, f4, f5, f6, free_open = pools.get(block, no_pools)
        region[block] = SupplyRow(
            "region",
            block[1],
            block[0],
            n_services,
            n_low,
            n_untracked,
            n_pools,
            n_fresh,
            f1,
            f2,
            f3,
            f4,
            f5,
            f6,
            n_barrier,
            n_free_untracked,
            free_open,
        )
    return SimSupply(areas, closed, barred, region)
