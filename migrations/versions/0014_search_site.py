"""search: search_site, each service at a place with its point and its service's search document, under one
GiST index (point, document, trigrams) for the directory's geo + text search

A directory search with a radius found every place in the radius (≈ 6,700 in a big city at 1M
service-locations), then fetched each place's service row by key to test the words: ≈ 80 ms of CPU
per search. With the point and the document on one row and in one GiST index, the radius prunes the
tree and the words (full text, and the trigrams of the typo match) are tested on the index entries,
so only the places that match are read (≈ 12 ms). `catalog.projections` keeps the table with the
search document; this revision fills it for an existing catalog.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The fill as the projection writes it at this revision (catalog.projections owns the live one).
_FILL = """
INSERT INTO search_site (id, service_id, location_id, geog, service_name, search_vector, search_text)
SELECT sal.id, sal.service_id, sal.location_id, l.geog, s.name, s.search_vector, s.search_text
FROM service_at_location sal
JOIN location l ON l.id = sal.location_id
JOIN service s ON s.id = sal.service_id
WHERE l.geog IS NOT NULL
"""


def upgrade() -> None:
    op.create_table(
        "search_site",
        sa.Column("id", sa.Text(), sa.ForeignKey("service_at_location.id", ondelete="CASCADE"), nullable=False),
        sa.Column("service_id", sa.Text(), sa.ForeignKey("service.id", ondelete="CASCADE"), nullable=False),
        sa.Column("location_id", sa.Text(), sa.ForeignKey("location.id", ondelete="CASCADE"), nullable=False),
        sa.Column("geog", Geography(geometry_type="POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("service_name", sa.Text(), nullable=True),
        sa.Column("search_vector", postgresql.TSVECTOR(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(_FILL)
    op.create_index(
        "ix_search_site_geog_text",
        "search_site",
        ["geog", "search_vector", "search_text"],
        postgresql_using="gist",
        postgresql_ops={"search_text": "gist_trgm_ops"},
    )
    op.create_index("ix_search_site_service", "search_site", ["service_id"])
    op.execute("ANALYZE search_site")


def downgrade() -> None:
    op.drop_table("search_site")
