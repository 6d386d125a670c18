"""search: search_site keeps one foreign key (its service_at_location), not three

Every search_site row is a copy of one service_at_location (same id) with that row's service and
location, and it already goes when its service_at_location goes (ON DELETE CASCADE), which goes
when its service or its location goes. The two other keys (service_id → service, location_id →
location) removed nothing more, yet each cost one foreign-key check per row written: 2,000 of the
≈ 17,000 checks of a 1,000-service import (about 15–30 ms of the database's time per batch, from
`auto_explain` with `log_triggers`). catalog.projections writes the rows from the join, so the
copies always agree with their service_at_location.

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("search_site_service_id_fkey", "search_site", type_="foreignkey")
    op.drop_constraint("search_site_location_id_fkey", "search_site", type_="foreignkey")


def downgrade() -> None:
    op.create_foreign_key(
        "search_site_service_id_fkey", "search_site", "service", ["service_id"], ["id"], ondelete="CASCADE"
    )
    op.create_foreign_key(
        "search_site_location_id_fkey", "search_site", "location", ["location_id"], ["id"], ondelete="CASCADE"
    )
