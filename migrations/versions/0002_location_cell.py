"""gaps: location_cell, each location's H3 cell (resolution 7) for the planner gap map

There is no h3 extension in PostgreSQL here, so cells are computed in Python (h3) and kept beside the
location with the coordinates they were computed from; the gap map refreshes any row whose location
moved, so the cache can never disagree with the catalog.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "location_cell",
        sa.Column("location_id", sa.Text(), sa.ForeignKey("location.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("h3_r7", sa.BigInteger(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("location_cell")
