"""matcher: match_site partitioned by need; match_profile carries name, organization, ages and area needs

At 1M service-locations the candidate query spent most of its KNN time walking a GiST index on
(need, geog) that does not separate needs well: one need's nearest places are found among every
need's entries. Partitioned by need (LIST), each partition has its own GiST on the point, and the
query's `need = n.need` prunes to one partition at run time (≈ 2.5 → 1 ms for three needs).

`match_profile` also takes the service's name, its organization's name, its age bounds and the needs
it meets through its service area, so a candidate row needs no join to service or organization, and
the service-area branch finds its needs by primary key instead of probing every partition by service.

Needs outside the vocabulary this revision knows go to a default partition (still correct, only
slower), so a later vocabulary never breaks a write.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The vocabulary (matcher.vocabulary.NEEDS) as it stood at this revision; migrations never import
# live code.
_NEEDS = (
    "shelter",
    "housing",
    "withdrawal_management",
    "moud",
    "sud_treatment",
    "mental_health",
    "crisis",
    "harm_reduction",
    "health_care",
    "food",
    "clothing",
    "legal",
    "id_documents",
    "benefits",
    "employment",
    "education",
    "transportation",
    "peer_support",
    "case_management",
)

_COLUMNS = "id, need, service_id, service_at_location_id, location_id, geog, has_area"

_FILL_PROFILE = """
UPDATE match_profile mp
SET name = s.name, organization = o.name, minimum_age = s.minimum_age, maximum_age = s.maximum_age,
    area_needs = coalesce(a.needs, '{}')
FROM service s
JOIN organization o ON o.id = s.organization_id
LEFT JOIN (SELECT service_id, array_agg(need ORDER BY need) AS needs
           FROM match_site WHERE has_area GROUP BY service_id) a ON a.service_id = s.id
WHERE mp.service_id = s.id
"""


def _create_site_table(partitioned: bool) -> None:
    op.create_table(
        "match_site",
        sa.Column("id", sa.BigInteger(), server_default=sa.text("nextval('match_site_id_seq')"), nullable=False),
        sa.Column("need", sa.Text(), nullable=False),
        sa.Column("service_id", sa.Text(), sa.ForeignKey("service.id", ondelete="CASCADE"), nullable=False),
        sa.Column("service_at_location_id", sa.Text(), nullable=True),
        sa.Column("location_id", sa.Text(), nullable=True),
        sa.Column("geog", Geography(geometry_type="POINT", srid=4326, spatial_index=False), nullable=True),
        sa.Column("has_area", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint(*(("need", "id") if partitioned else ("id",))),
        **({"postgresql_partition_by": "LIST (need)"} if partitioned else {}),
    )


def _swap_site_table(partitioned: bool) -> None:
    """Builds the new match_site beside the old one, copies the rows, and drops the old."""
    op.execute("ALTER SEQUENCE match_site_id_seq OWNED BY NONE")
    op.execute("ALTER TABLE match_site RENAME TO match_site_before")
    for index in ("ix_match_site_need_geog", "ix_match_site_geog", "ix_match_site_service", "ix_match_site_area"):
        op.execute(f"DROP INDEX IF EXISTS {index}")
    op.execute("ALTER TABLE match_site_before DROP CONSTRAINT match_site_pkey")
    _create_site_table(partitioned)
    if partitioned:
        for need in _NEEDS:
            op.execute(f"CREATE TABLE match_site_{need} PARTITION OF match_site FOR VALUES IN ('{need}')")
        op.execute("CREATE TABLE match_site_other PARTITION OF match_site DEFAULT")
    # Rows go in place by place, so a partition's neighbours in space sit near each other on disk.
    op.execute(
        f"INSERT INTO match_site ({_COLUMNS}) SELECT {_COLUMNS} FROM match_site_before "
        "ORDER BY need, ST_GeoHash(CAST(geog AS geometry), 6), id"
    )
    op.execute("DROP TABLE match_site_before")
    op.execute("ALTER SEQUENCE match_site_id_seq OWNED BY match_site.id")
    if partitioned:
        op.create_index("ix_match_site_geog", "match_site", ["geog"], postgresql_using="gist")
    else:
        op.create_index("ix_match_site_need_geog", "match_site", ["need", "geog"], postgresql_using="gist")
    op.create_index("ix_match_site_service", "match_site", ["service_id"])
    op.create_index("ix_match_site_area", "match_site", ["need"], postgresql_where=sa.text("has_area"))
    op.execute("ANALYZE match_site")


def upgrade() -> None:
    _swap_site_table(partitioned=True)
    op.add_column("match_profile", sa.Column("name", sa.Text(), nullable=True))
    op.add_column("match_profile", sa.Column("organization", sa.Text(), nullable=True))
    op.add_column("match_profile", sa.Column("minimum_age", sa.Integer(), nullable=True))
    op.add_column("match_profile", sa.Column("maximum_age", sa.Integer(), nullable=True))
    op.add_column(
        "match_profile",
        sa.Column("area_needs", sa.ARRAY(sa.Text()), nullable=False, server_default=sa.text("'{}'::text[]")),
    )
    op.execute(_FILL_PROFILE)


def downgrade() -> None:
    for column in ("area_needs", "maximum_age", "minimum_age", "organization", "name"):
        op.drop_column("match_profile", column)
    _swap_site_table(partitioned=False)
