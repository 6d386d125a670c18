"""matcher: area_site, each service area with the needs its service meets there, for the candidate query

The candidate query's service-area branch tested every service area under the person (all needs), then
read each covering service's profile to see which needs it meets there (≈ 1.2 of 5.5 ms at 1M
service-locations). `area_site` holds one row per (service area, need), indexed on the polygon, so the
branch tests only the areas of the needs asked and reads nothing else (≈ 0.7 ms). It replaces
`match_profile.area_needs` (revision 0006), which only that branch read. `catalog.projections`
keeps it with `match_site`.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The fill as the projection wrote it at this revision (catalog.projections owns the live one).
_FILL = """
INSERT INTO area_site (service_area_id, need, service_id, geog)
SELECT DISTINCT sa.id, ms.need, ms.service_id, sa.geog
FROM match_site ms
JOIN service_area sa ON sa.service_id = ms.service_id AND sa.geog IS NOT NULL
WHERE ms.has_area
"""


def upgrade() -> None:
    op.create_table(
        "area_site",
        sa.Column("service_area_id", sa.Text(), nullable=False),
        sa.Column("need", sa.Text(), nullable=False),
        sa.Column("service_id", sa.Text(), sa.ForeignKey("service.id", ondelete="CASCADE"), nullable=False),
        sa.Column("geog", Geography(geometry_type="GEOMETRY", srid=4326, spatial_index=False), nullable=False),
        sa.PrimaryKeyConstraint("service_area_id", "need"),
    )
    op.execute(_FILL)
    op.create_index("ix_area_site_geog", "area_site", ["geog"], postgresql_using="gist")
    op.create_index("ix_area_site_service", "area_site", ["service_id"])
    op.execute("ANALYZE area_site")
    op.drop_column("match_profile", "area_needs")


def downgrade() -> None:
    op.add_column(
        "match_profile",
        sa.Column("area_needs", sa.ARRAY(sa.Text()), nullable=False, server_default=sa.text("'{}'::text[]")),
    )
    op.execute("""
        UPDATE match_profile mp SET area_needs = a.needs
        FROM (SELECT service_id, array_agg(DISTINCT need ORDER BY need) AS needs FROM area_site GROUP BY service_id) a
        WHERE a.service_id = mp.service_id
    """)
    op.drop_table("area_site")
