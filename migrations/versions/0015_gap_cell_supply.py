"""gaps: the supply roll-up of each gap_cell key (service counts and the pools that measure its sites),
and the service-area cover of each cell (gap_cover_cell, gap_cover)

A gap map page summed the supply of its cells and their neighbour rings per request, probing gap_site
once per cell and joining every site to its service's pools (0.3 s of a 100k first page). Which
services and which pools a key has change only when a service is written, so
catalog.gap_sites.refresh_cell_supply keeps them in gap_cell, in the same transaction as the catalog
write; the pools' state (units, freshness, holds) stays live and is read for the page's pools only.
The service-area probes (one GiST probe and point-in-polygon test per cell of the page, 0.35 s at
100k) become a join to gap_cover, kept by the same refresh.
This revision fills the new columns and tables for an existing catalog (cell centres from h3 in
Python: there is no h3 extension in PostgreSQL here).

Revision ID: 0015
Revises: 0014
"""

import geoalchemy2
import h3
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_COUNTS = ("services", "low_barrier_services", "untracked_services", "barrier_services", "free_untracked_services")

# The roll-up as catalog.gap_sites.CELL_SUPPLY_SQL computed it when this revision was made (that module
# owns the live definition), over every key at once. Bed needs as matcher.vocabulary.BED_NEEDS then.
_FILL = """
WITH site_pool AS MATERIALIZED (
    SELECT g.intercept, g.need, g.cell, g.service_id, g.low_barrier, g.barrier, p.id AS pool_id
    FROM gap_site g
    LEFT JOIN service_capacity p ON p.service_id = g.service_id
      AND (lower(p.unit_id) <> 'bed' OR g.need IN ('crisis', 'housing', 'mental_health', 'shelter', 'sud_treatment',
                                                   'withdrawal_management'))
      AND (p.location_id IS NULL OR g.location_id IS NULL OR p.location_id = g.location_id)
    WHERE g.cell IS NOT NULL
), rollup AS (
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


_BATCH = 50_000
_ADD_CELLS = """
INSERT INTO gap_cover_cell (cell, centre)
SELECT k.cell, CAST(ST_SetSRID(ST_MakePoint(k.lon, k.lat), 4326) AS geography)
FROM unnest(CAST(:cells AS bigint[]), CAST(:lats AS float8[]), CAST(:lons AS float8[])) AS k(cell, lat, lon)
"""
_FILL_COVER = """
INSERT INTO gap_cover (cell, service_id)
SELECT DISTINCT c.cell, sa.service_id
FROM service_area sa JOIN gap_cover_cell c ON ST_Covers(sa.geog, c.centre)
WHERE sa.service_id IS NOT NULL
"""


def upgrade() -> None:
    for name in _COUNTS:
        op.add_column("gap_cell", sa.Column(name, sa.Integer(), nullable=False, server_default=sa.text("0")))
    for name, item in (("pool_ids", sa.Text()), ("pool_services", sa.Text()), ("pool_barriers", sa.Boolean())):
        op.add_column(
            "gap_cell",
            sa.Column(name, ARRAY(item), nullable=False, server_default=sa.text(f"'{{}}'::{item.compile()}[]")),
        )
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(_FILL)
    # The row keys are counted and listed from this index alone (the supply columns widen every row).
    op.create_index(
        "ix_gap_cell_sited", "gap_cell", ["intercept", "need", "cell"], postgresql_where=sa.text("sites > 0")
    )
    op.execute("ANALYZE gap_cell")

    op.create_table(
        "gap_cover_cell",
        sa.Column("cell", sa.BigInteger(), primary_key=True),
        sa.Column(
            "centre",
            geoalchemy2.Geography("POINT", srid=4326, spatial_index=False),
            nullable=False,
        ),
    )
    op.create_index("ix_gap_cover_cell_centre", "gap_cover_cell", ["centre"], postgresql_using="gist")
    op.create_table(
        "gap_cover",
        sa.Column("cell", sa.BigInteger(), primary_key=True),
        sa.Column("service_id", sa.Text(), primary_key=True),
    )
    op.create_index("ix_gap_cover_service", "gap_cover", ["service_id"])
    bind = op.get_bind()
    cells = list(bind.execute(sa.text("SELECT DISTINCT cell FROM gap_site WHERE cell IS NOT NULL")).scalars())
    for start in range(0, len(cells), _BATCH):
        batch = cells[start : start + _BATCH]
        centres = [h3.cell_to_latlng(format(cell, "x")) for cell in batch]
        bind.execute(
            sa.text(_ADD_CELLS), {"cells": batch, "lats": [c[0] for c in centres], "lons": [c[1] for c in centres]}
        )
    op.execute(_FILL_COVER)
    op.execute("ANALYZE gap_cover_cell")
    op.execute("ANALYZE gap_cover")


def downgrade() -> None:
    op.drop_table("gap_cover")
    op.drop_table("gap_cover_cell")
    op.drop_index("ix_gap_cell_sited", table_name="gap_cell")
    for name in ("pool_barriers", "pool_services", "pool_ids", *reversed(_COUNTS)):
        op.drop_column("gap_cell", name)
