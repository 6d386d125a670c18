"""matcher: match_profile, each service's eligibility terms, languages and hours as the matcher reads them

The candidate query used to aggregate these from attribute, language and schedule for every
candidate of every request (about 12 ms of a 20 ms query at 1M service-locations). They change only
when the service or one of its places is written, so the projection refresh now keeps them ready,
one row per service; capacity stays live (it changes by the minute).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The fill as the projection wrote it when this revision was made (catalog.projections owns the
# live definition); later revisions that change the shape refill the table themselves.
_FILL = """
WITH terms AS (
    SELECT a.link_id AS service_id,
           jsonb_agg(jsonb_build_array(t.code, a.value) ORDER BY t.code, a.id) AS terms
    FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id AND t.profile = 'divert-eligibility'
    WHERE a.link_entity = 'service' AND a.link_id IS NOT NULL
    GROUP BY a.link_id
), language_ids AS (
    SELECT lg.service_id, lg.id FROM language lg WHERE lg.service_id IS NOT NULL
    UNION
    SELECT sal.service_id, lg.id FROM service_at_location sal JOIN language lg ON lg.location_id = sal.location_id
), languages AS (
    SELECT i.service_id, jsonb_agg(jsonb_build_array(lg.code, lg.location_id) ORDER BY lg.id) AS languages
    FROM language_ids i JOIN language lg ON lg.id = i.id
    GROUP BY i.service_id
), schedule_ids AS (
    SELECT sc.service_id, sc.id FROM schedule sc WHERE sc.service_id IS NOT NULL
    UNION
    SELECT sal.service_id, sc.id FROM service_at_location sal JOIN schedule sc ON sc.service_at_location_id = sal.id
    UNION
    SELECT sal.service_id, sc.id FROM service_at_location sal JOIN schedule sc ON sc.location_id = sal.location_id
), schedules AS (
    SELECT i.service_id, jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
               'service_id', sc.service_id, 'service_at_location_id', sc.service_at_location_id,
               'location_id', sc.location_id, 'freq', sc.freq, 'interval', sc.interval, 'byday', sc.byday,
               'bymonthday', sc.bymonthday, 'opens_at', sc.opens_at, 'closes_at', sc.closes_at,
               'time_offset_minutes', sc.time_offset_minutes, 'timezone', sc.timezone,
               'valid_from', sc.valid_from, 'valid_to', sc.valid_to, 'dtstart', sc.dtstart, 'until', sc.until,
               'count', sc.count, 'wkst', sc.wkst)) ORDER BY sc.id) AS schedules
    FROM schedule_ids i JOIN schedule sc ON sc.id = i.id
    GROUP BY i.service_id
)
INSERT INTO match_profile (service_id, terms, languages, schedules)
SELECT s.id, coalesce(t.terms, '[]'), coalesce(l.languages, '[]'), coalesce(sc.schedules, '[]')
FROM service s
LEFT JOIN terms t ON t.service_id = s.id
LEFT JOIN languages l ON l.service_id = s.id
LEFT JOIN schedules sc ON sc.service_id = s.id
"""


def upgrade() -> None:
    op.create_table(
        "match_profile",
        sa.Column("service_id", sa.Text(), sa.ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("terms", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("languages", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("schedules", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
    )
    op.execute(_FILL)


def downgrade() -> None:
    op.drop_table("match_profile")
