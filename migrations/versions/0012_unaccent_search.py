"""search: accent-insensitive documents (`unaccent`), so "desintoxicacion" finds "desintoxicación";
gap events: the deflection pathway (`gap_event.pathway`)

The search now folds accents in the query and in the document (catalog.projections); documents
written before this revision are rebuilt here so existing catalogs search the same way.

Revision ID: 0012
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None

# The search document as the projection writes it at this revision (catalog.projections owns the live one).
_REBUILD = """
WITH terms AS (
    SELECT a.link_id AS service_id,
           string_agg(DISTINCT coalesce(t.name, '') || ' ' || coalesce(t.code, ''), ' ') AS words
    FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
    WHERE a.link_entity = 'service' AND coalesce(t.profile, '') <> 'divert-eligibility'
    GROUP BY a.link_id
), docs AS (
    SELECT s.id,
           setweight(to_tsvector('english', unaccent(coalesce(s.name, ''))), 'A') ||
           setweight(to_tsvector('english', unaccent(coalesce(s.alternate_name, '') || ' ' ||
                     replace(coalesce(terms.words, ''), '_', ' '))), 'B') ||
           setweight(to_tsvector('english', unaccent(coalesce(o.name, ''))), 'C') ||
           setweight(to_tsvector('english', unaccent(coalesce(s.description, ''))), 'D') AS search_vector,
           lower(unaccent(concat_ws(' ', s.name, s.alternate_name,
                                    replace(coalesce(terms.words, ''), '_', ' '), o.name)))
               AS search_text
    FROM service s
    JOIN organization o ON o.id = s.organization_id
    LEFT JOIN terms ON terms.service_id = s.id
)
UPDATE service s SET search_vector = docs.search_vector, search_text = docs.search_text
FROM docs WHERE s.id = docs.id
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute(_REBUILD)
    # Gap events say the deflection pathway the person came by, when the match request did.
    op.add_column("gap_event", sa.Column("pathway", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("gap_event", "pathway")
    # Documents stay folded (still searchable); the projection of revision 0007 needs no unaccent.
    op.execute("DROP EXTENSION IF EXISTS unaccent")
