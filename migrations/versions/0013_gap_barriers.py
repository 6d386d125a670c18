"""gaps: the harm-reduction barrier of each gap site (`gap_site.barrier`) and of each cell
(`gap_cell.barrier_sites`), for the planner status `barriers_only` (CONTRACT §2.5)

A site is behind a barrier when its service requires sobriety, excludes people on MOUD or who do sex
work, or requires religious participation (a term switched off with "false" is no barrier). Like the
low-barrier flag, this changes only when a service is written, so catalog.gap_sites keeps it with the
rest of the projection; the map sums barrier-free supply beside all supply without reading attributes
per request. This revision fills both columns for an existing catalog.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# The terms and switched-off values as matcher.vocabulary.HARM_REDUCTION_BARRIERS and
# matcher.eligibility.FALSE_VALUES had them when this revision was made.
_FILL_SITES = """
UPDATE gap_site g SET barrier = true
WHERE g.service_id IN (
    SELECT a.link_id FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
    WHERE a.link_entity = 'service' AND t.profile = 'divert-eligibility'
      AND t.code IN ('sobriety_required', 'excludes_moud', 'excludes_sex_work',
                     'religious_participation_required')
      AND lower(trim(coalesce(a.value, 'true'))) NOT IN ('false', 'no', '0', 'n', 'f', 'off'))
"""
_FILL_CELLS = """
UPDATE gap_cell c SET barrier_sites = b.n
FROM (SELECT intercept, need, cell, count(*) AS n FROM gap_site
      WHERE barrier AND cell IS NOT NULL GROUP BY 1, 2, 3) b
WHERE c.intercept = b.intercept AND c.need = b.need AND c.cell = b.cell
"""


def upgrade() -> None:
    op.add_column("gap_site", sa.Column("barrier", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("gap_cell", sa.Column("barrier_sites", sa.Integer(), nullable=False, server_default=sa.text("0")))
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(_FILL_SITES)
    op.execute(_FILL_CELLS)
    op.execute("ANALYZE gap_site")
    op.execute("ANALYZE gap_cell")


def downgrade() -> None:
    op.drop_column("gap_cell", "barrier_sites")
    op.drop_column("gap_site", "barrier")
