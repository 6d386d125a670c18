"""gaps: gap_change, one row per transaction that rewrote the gap map's supply projection

The SIM table at resolution 7 keeps the structure of the supply projection (which cells have sites,
which pools measure them, which service areas cover them) in the serving process, and reads only the
pools' live state per request (api/gaps/sim_structure.py). `catalog.gap_sites.refresh_gap_sites` adds a
row here in the catalog write's transaction; a process whose (count, max id) differs from the table's
rebuilds its copy. Insert-only (no row every writer updates), so concurrent catalog writes do not wait
on each other; a row is 16 bytes.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gap_change",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("gap_change")
