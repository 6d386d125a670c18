"""gaps: gap_site, the gap map's supply projection (site × intercept with its res-7 H3 cell), and gap_cell

The gap map grouped every match site of the region per request, deriving each site's cell, the
service's intercepts and its low-barrier flag on the way (31 s at 1M service-locations). Those change
only when a service is written, so catalog.projections.refresh_services now keeps them in gap_site,
indexed for (intercept, need, cell), and the number of sites per (intercept, need, cell) in gap_cell
(the map's row keys, counted and listed without grouping every site); pools stay live. This revision fills the table for an existing
catalog in a few set-based statements (cells of places not yet in location_cell are computed in
Python: there is no h3 extension in PostgreSQL here).

Revision ID: 0005
Revises: 0004
"""

import h3
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BATCH = 50_000

_STALE_LOCATIONS = """
SELECT l.id, ST_Y(CAST(l.geog AS geometry)) AS latitude, ST_X(CAST(l.geog AS geometry)) AS longitude
FROM location l LEFT JOIN location_cell lc ON lc.location_id = l.id
WHERE l.geog IS NOT NULL
  AND (lc.location_id IS NULL
       OR lc.latitude <> ST_Y(CAST(l.geog AS geometry)) OR lc.longitude <> ST_X(CAST(l.geog AS geometry)))
"""

_UPSERT_CELLS = """
INSERT INTO location_cell (location_id, h3_r7, latitude, longitude)
SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:cells AS bigint[]), CAST(:lats AS float8[]),
                     CAST(:lons AS float8[]))
ON CONFLICT (location_id) DO UPDATE
SET h3_r7 = excluded.h3_r7, latitude = excluded.latitude, longitude = excluded.longitude
"""

# The fill as catalog.gap_sites wrote the rows when this revision was made (that module owns the live
# definition): one pass over match_site, intercepts and low-barrier services hashed once each.
_FILL = """
WITH intercepts AS (
    SELECT DISTINCT a.link_id AS service_id, CAST(t.code AS integer) AS intercept
    FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
    WHERE a.link_entity = 'service' AND t.profile = 'sim-intercept'
      AND t.code IN ('0', '1', '2', '3', '4', '5')
), low_barrier AS (
    SELECT DISTINCT a.link_id AS service_id
    FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
    WHERE a.link_entity = 'service' AND t.profile = 'divert-eligibility'
      AND t.code IN ('low_barrier', 'housing_first')
      AND lower(coalesce(a.value, 'true')) NOT IN ('false', 'no', '0')
)
INSERT INTO gap_site (service_id, location_id, need, intercept, cell, low_barrier)
SELECT ms.service_id, ms.location_id, ms.need, coalesce(i.intercept, 0), lc.h3_r7, lb.service_id IS NOT NULL
FROM match_site ms
LEFT JOIN location_cell lc ON lc.location_id = ms.location_id
LEFT JOIN intercepts i ON i.service_id = ms.service_id
LEFT JOIN low_barrier lb ON lb.service_id = ms.service_id
WHERE ms.has_area OR lc.location_id IS NOT NULL
"""


def _cell(lat: float, lon: float) -> int:
    return int(h3.str_to_int(h3.latlng_to_cell(lat, lon, 7)))


def upgrade() -> None:
    op.create_table(
        "gap_site",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("service_id", sa.Text(), sa.ForeignKey("service.id", ondelete="CASCADE"), nullable=False),
        sa.Column("location_id", sa.Text(), nullable=True),
        sa.Column("need", sa.Text(), nullable=False),
        sa.Column("intercept", sa.Integer(), nullable=False),
        sa.Column("cell", sa.BigInteger(), nullable=True),
        sa.Column("low_barrier", sa.Boolean(), nullable=False),
    )
    bind = op.get_bind()
    stale = bind.execute(sa.text(_STALE_LOCATIONS)).all()
    for start in range(0, len(stale), _BATCH):
        batch = stale[start : start + _BATCH]
        bind.execute(
            sa.text(_UPSERT_CELLS),
            {
                "ids": [r.id for r in batch],
                "cells": [_cell(r.latitude, r.longitude) for r in batch],
                "lats": [r.latitude for r in batch],
                "lons": [r.longitude for r in batch],
            },
        )
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(_FILL)
    # Indexes after the fill: one sort each instead of a row-by-row index insert.
    op.create_index("ix_gap_site_key", "gap_site", ["intercept", "need", "cell"])
    op.create_index("ix_gap_site_service", "gap_site", ["service_id"])
    op.create_table(
        "gap_cell",
        sa.Column("intercept", sa.Integer(), primary_key=True),
        sa.Column("need", sa.Text(), primary_key=True),
        sa.Column("cell", sa.BigInteger(), primary_key=True),
        sa.Column("sites", sa.Integer(), nullable=False),
    )
    op.execute(
        "INSERT INTO gap_cell (intercept, need, cell, sites) SELECT intercept, need, cell, count(*) "
        "FROM gap_site WHERE cell IS NOT NULL GROUP BY intercept, need, cell"
    )
    op.execute("ANALYZE gap_site")
    op.execute("ANALYZE gap_cell")


def downgrade() -> None:
    op.drop_table("gap_cell")
    op.drop_table("gap_site")
