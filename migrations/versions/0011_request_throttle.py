"""throttle: request_throttle, counts per bucket and fixed window shared by every API replica

Failed key checks and anonymous writes per address, matches and holds per key (api.throttle). A
row per (bucket, window); old windows are pruned as new ones open.

Revision ID: 0011
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_throttle",
        sa.Column("bucket", sa.Text(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start"),
    )
    op.create_index("ix_request_throttle_window", "request_throttle", ["window_start"])


def downgrade() -> None:
    op.drop_table("request_throttle")
