"""importers: source_record.document, the mapped record a source contributed to a merged service

When the deduplication step merges a FindTreatment, HMIS or 211 record into a service another source
already describes, the record's own mapped document is kept here, so that a later re-import of
either source rebuilds the same merged service (union of terms and pools) instead of dropping the
other source's part.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("source_record", sa.Column("document", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("source_record", "document")
