"""Derived data kept in step with the catalog: the matcher's `match_site` and `match_profile` rows, the
search document and the directory's place-level `search_site` rows.

Every write path (importers, curator edits) calls `refresh_services` for the services it touched,
in the same transaction, so projections can never disagree with the catalog they come from.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Final

from sqlalchemy import text
from sqlalchemy.orm import Session

from catalog.gap_sites import refresh_gap_sites
from matcher.vocabulary import (
    ELIGIBILITY_TAXONOMY,
    INTERCEPT_TAXONOMY,
    NEEDS_TAXONOMY,
    PATHWAY_TAXONOMY,
    PROFILE_TAXONOMIES,
)

# The search document: name weighs most, then alternate name and taxonomy terms (so "detox" finds a
# service tagged "withdrawal management (detox)"), then the organization, then the description.
# Accents are folded (`unaccent`) as the search folds the query, so "senora" finds "Señora".
# One expression, two query shapes: the refresh below (services already stored) and the import's
# service insert (importers/pipeline.py), which writes the document with the row instead of
# rewriting every row it has just inserted. `{s}` is the service row, `{words}` the words of its
# taxonomy terms (`SEARCH_WORDS_SQL`), `{organization}` its organization's name.
_SEARCH_VECTOR = """
           setweight(to_tsvector('english', unaccent(coalesce({s}.name, ''))), 'A') ||
           setweight(to_tsvector('english', unaccent(coalesce({s}.alternate_name, '') || ' ' ||
                     replace(coalesce({words}, ''), '_', ' '))), 'B') ||
           setweight(to_tsvector('english', unaccent(coalesce({organization}, ''))), 'C') ||
           setweight(to_tsvector('english', unaccent(coalesce({s}.description, ''))), 'D')"""
_SEARCH_TEXT = """
           lower(unaccent(concat_ws(' ', {s}.name, {s}.alternate_name,
                                    replace(coalesce({words}, ''), '_', ' '), {organization})))"""
# The words a service's taxonomy terms add (eligibility terms aside): from attribute `a` and term `t`.
SEARCH_WORDS_SQL = "string_agg(DISTINCT coalesce(t.name, '') || ' ' || coalesce(t.code, ''), ' ')"
SEARCH_WORDS_FROM = (
    "FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id "
    "WHERE a.link_entity = 'service' AND coalesce(t.profile, '') <> :elig"
)


def search_document_sql(service: str, words: str, organization: str) -> tuple[str, str]:
    """The SQL of (search_vector, search_text) for the service row aliased `service`."""
    parts = {"s": service, "words": words, "organization": organization}
    return _SEARCH_VECTOR.format(**parts), _SEARCH_TEXT.format(**parts)


def search_document_lateral(service: str) -> tuple[str, tuple[str, str]]:
    """For an `INSERT ... SELECT` of service rows aliased `service`: the LATERAL join that gathers the
    words of their terms and their organization's name (one row per service, so the rows keep their
    order), and the (search_vector, search_text) expressions over it. Binds `:elig`."""
    lateral = (
        "CROSS JOIN LATERAL (SELECT "
        f"(SELECT o.name FROM organization o WHERE o.id = {service}.organization_id) AS organization, "
        f"(SELECT {SEARCH_WORDS_SQL} {SEARCH_WORDS_FROM} AND a.link_id = {service}.id) AS words"
        # OFFSET 0 keeps the subquery whole: pulled up, each part was looked up once per use (twice).
        " OFFSET 0) AS search_parts"
    )
    return lateral, search_document_sql(service, "search_parts.words", "search_parts.organization")


_VECTOR_OF_DOCS, _TEXT_OF_DOCS = search_document_sql("s", "terms.words", "o.name")
# The ids come in as a set joined by key (never `= ANY(:ids)` re-evaluated inside a join): with a
# freshly loaded table and no statistics yet, the planner once chose a nested loop that checked the
# whole id array for every pair of rows, and a 3,000-service refresh ran for hours.
_REFRESH_SEARCH = text(f"""
WITH ids AS (
    SELECT DISTINCT unnest(CAST(:ids AS text[])) AS id
), terms AS (
    SELECT a.link_id AS service_id, {SEARCH_WORDS_SQL} AS words
    FROM ids JOIN attribute a ON a.link_id = ids.id AND a.link_entity = 'service'
    JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
    WHERE coalesce(t.profile, '') <> :elig
    GROUP BY a.link_id
), docs AS (
    SELECT s.id,{_VECTOR_OF_DOCS} AS search_vector,{_TEXT_OF_DOCS}
               AS search_text
    FROM ids JOIN service s ON s.id = ids.id
    JOIN organization o ON o.id = s.organization_id
    LEFT JOIN terms ON terms.service_id = s.id
)
UPDATE service s SET search_vector = docs.search_vector, search_text = docs.search_text
FROM docs WHERE s.id = docs.id
""")


# The directory's place-level search rows (catalog.tables.SearchSite): each service at a place with a
# point, with its service's name and search document as the UPDATE above left them.
# The table is kept in place order (migration 0017), so rows are not deleted and written again at the
# table's end: those that no longer exist are deleted, the others are written over in place (an
# UPDATE stays on its page while the page has room, fillfactor 90) and only when something changed;
# rows of new places go in geohash order, so a batch at least lands in order within itself.
_DELETE_GONE_SEARCH_SITES = text("""
DELETE FROM search_site ss
WHERE ss.service_id = ANY(:ids)
  AND NOT EXISTS (
      SELECT 1 FROM service_at_location sal JOIN location l ON l.id = sal.location_id
      WHERE sal.id = ss.id AND sal.service_id = ss.service_id AND l.geog IS NOT NULL)
""")
_UPSERT_SEARCH_SITES = text("""
WITH ids AS (
    SELECT DISTINCT unnest(CAST(:ids AS text[])) AS id
)
INSERT INTO search_site AS ss (id, service_id, location_id, geog, service_name, search_vector, search_text)
SELECT sal.id, sal.service_id, sal.location_id, l.geog, s.name, s.search_vector, s.search_text
FROM ids
JOIN service_at_location sal ON sal.service_id = ids.id
JOIN location l ON l.id = sal.location_id
JOIN service s ON s.id = sal.service_id
WHERE l.geog IS NOT NULL
ORDER BY st_geohash(l.geog, 12), sal.id
ON CONFLICT (id) DO UPDATE SET
    service_id = excluded.service_id, location_id = excluded.location_id, geog = excluded.geog,
    service_name = excluded.service_name, search_vector = excluded.search_vector,
    search_text = excluded.search_text
WHERE (ss.service_id, ss.location_id, ss.service_name, ss.search_text, ss.search_vector)
          IS DISTINCT FROM
      (excluded.service_id, excluded.location_id, excluded.service_name, excluded.search_text,
       excluded.search_vector)
   OR st_asbinary(ss.geog) IS DISTINCT FROM st_asbinary(excluded.geog)
""")

# The table's order index (migration 0017). CLUSTER rewrites the table in its order and rebuilds the
# table's indexes, holding an ACCESS EXCLUSIVE lock meanwhile (searches wait): see docs/operations.md.
SEARCH_SITE_ORDER_INDEX: Final = "ix_search_site_place_order"
CLUSTER_SEARCH_SITES: Final = f"CLUSTER search_site USING {SEARCH_SITE_ORDER_INDEX}"
_SEARCH_SITE_ORDER = text("""
SELECT correlation FROM pg_stats
WHERE schemaname = current_schema() AND tablename = 'search_site' AND attname = 'place_order'
""")


def search_site_order(session: Session) -> float | None:
    """How close `search_site`'s rows lie to place order: PostgreSQL's correlation between
    `place_order` and the rows' physical positions (1.0 in order, near 0 in no order), from a fresh
    ANALYZE of a sample. None for an empty table."""
    session.execute(text("ANALYZE search_site"))
    value = session.execute(_SEARCH_SITE_ORDER).scalar()
    return None if value is None else float(value)


def cluster_search_sites(session: Session) -> None:
    """Rewrites `search_site` in place order (and its indexes from the ordered rows), then ANALYZE."""
    session.execute(text(CLUSTER_SEARCH_SITES))
    session.execute(text("ANALYZE search_site"))


_DELETE_SITES = text("DELETE FROM match_site WHERE service_id = ANY(:ids)")

# Needs a service meets: its divert-needs attributes, plus other taxonomies' terms a curator mapped.
_INSERT_SITES = text("""
WITH needs AS (
    SELECT a.link_id AS service_id, t.code AS need
    FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
    WHERE a.link_entity = 'service' AND a.link_id = ANY(:ids) AND t.profile = :needs
    UNION
    SELECT a.link_id, m.need
    FROM attribute a JOIN need_mapping m ON m.taxonomy_term_id = a.taxonomy_term_id
    WHERE a.link_entity = 'service' AND a.link_id = ANY(:ids)
), active AS (
    SELECT n.service_id, n.need FROM needs n JOIN service s ON s.id = n.service_id
    WHERE s.status = 'active'
)
INSERT INTO match_site (need, service_id, service_at_location_id, location_id, geog, has_area)
SELECT a.need, a.service_id, sal.id, l.id, l.geog, false
FROM active a
JOIN service_at_location sal ON sal.service_id = a.service_id
JOIN location l ON l.id = sal.location_id
WHERE l.geog IS NOT NULL
UNION ALL
SELECT a.need, a.service_id, NULL, NULL, NULL, true
FROM active a
WHERE EXISTS (SELECT 1 FROM service_area sa WHERE sa.service_id = a.service_id AND sa.geog IS NOT NULL)
""")

_DELETE_AREAS = text("DELETE FROM area_site WHERE service_id = ANY(:ids)")

# Each service area of a service that meets needs through it, once per need (from the match sites
# just written: active services, their needs, `has_area`). Found from the services' areas first:
# most services have none, and the match sites of a thousand services are twenty partitions to
# plan and probe (3-10 ms) where their areas are one index.
_INSERT_AREAS = text("""
INSERT INTO area_site (service_area_id, need, service_id, geog)
SELECT DISTINCT sa.id, ms.need, ms.service_id, sa.geog
FROM service_area sa
JOIN match_site ms ON ms.service_id = sa.service_id AND ms.has_area
WHERE sa.geog IS NOT NULL AND sa.service_id = ANY(:ids)
""")

_DELETE_PROFILES = text("DELETE FROM match_profile WHERE service_id = ANY(:ids)")

# What the matcher reads about a service besides its place and capacity: eligibility terms, the
# languages of the service and of its places, and every schedule row that may give its hours (on
# the service, on one of its service_at_locations, or on a building it is in; the matcher picks),
# with only the fields the matcher reads and no nulls, so a candidate row stays small; and its name,
# its organization's name and age bounds.
_INSERT_PROFILES = text("""
WITH services AS (
    SELECT s.id AS service_id, s.name, o.name AS organization, s.minimum_age, s.maximum_age
    FROM service s JOIN organization o ON o.id = s.organization_id WHERE s.id = ANY(:ids)
), places AS (
    SELECT sal.id, sal.service_id, sal.location_id
    FROM service_at_location sal WHERE sal.service_id = ANY(:ids)
), terms AS (
    SELECT a.link_id AS service_id,
           jsonb_agg(jsonb_build_array(t.code, a.value) ORDER BY t.code, a.id) AS terms
    FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id AND t.profile IN (:elig, :pathway)
    WHERE a.link_entity = 'service' AND a.link_id = ANY(:ids)
    GROUP BY a.link_id
), language_ids AS (
    SELECT lg.service_id, lg.id FROM language lg WHERE lg.service_id = ANY(:ids)
    UNION
    SELECT p.service_id, lg.id FROM places p JOIN language lg ON lg.location_id = p.location_id
), languages AS (
    SELECT i.service_id, jsonb_agg(jsonb_build_array(lg.code, lg.location_id) ORDER BY lg.id) AS languages
    FROM language_ids i JOIN language lg ON lg.id = i.id
    GROUP BY i.service_id
), schedule_ids AS (
    SELECT sc.service_id, sc.id FROM schedule sc WHERE sc.service_id = ANY(:ids)
    UNION
    SELECT p.service_id, sc.id FROM places p JOIN schedule sc ON sc.service_at_location_id = p.id
    UNION
    SELECT p.service_id, sc.id FROM places p JOIN schedule sc ON sc.location_id = p.location_id
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
INSERT INTO match_profile (service_id, terms, languages, schedules, name, organization, minimum_age, maximum_age)
SELECT x.service_id, coalesce(t.terms, '[]'), coalesce(l.languages, '[]'), coalesce(sc.schedules, '[]'),
       x.name, x.organization, x.minimum_age, x.maximum_age
FROM services x
LEFT JOIN terms t ON t.service_id = x.service_id
LEFT JOIN languages l ON l.service_id = x.service_id
LEFT JOIN schedules sc ON sc.service_id = x.service_id
""")

# An organization is written with any one of its services (HSDS documents nest it), so a new name
# reaches the profiles of its other services here, without rebuilding them.
_SYNC_ORGANIZATION_NAMES = text("""
UPDATE match_profile mp SET organization = o.name
FROM service s JOIN organization o ON o.id = s.organization_id
WHERE mp.service_id = s.id
  AND s.organization_id IN (SELECT organization_id FROM service WHERE id = ANY(:ids))
  AND mp.organization IS DISTINCT FROM o.name
""")

# A place's languages and hours belong to every service there: writing one service's document can
# change a building another service shares, so those services are refreshed too.
_NEIGHBOURS = text("""
SELECT DISTINCT other.service_id
FROM service_at_location mine
JOIN service_at_location other ON other.location_id = mine.location_id
WHERE mine.service_id = ANY(:ids) AND NOT other.service_id = ANY(:ids)
""")

_RESOLVE_PROFILES = text("""
UPDATE taxonomy_term t SET profile = CASE
    WHEN t.taxonomy = ANY(:profiles) THEN t.taxonomy
    WHEN tx.name = ANY(:profiles) THEN tx.name
    ELSE NULL END
FROM taxonomy_term t2 LEFT JOIN taxonomy tx ON tx.id = t2.taxonomy_id
WHERE t.id = t2.id AND (:all OR t.id = ANY(:term_ids))
""")


def resolve_term_profiles(session: Session, term_ids: Sequence[str] | None = None) -> None:
    """Marks which profile taxonomy (needs, eligibility, intercepts) each term belongs to (CONTRACT §3)."""
    session.execute(
        _RESOLVE_PROFILES,
        {"profiles": list(PROFILE_TAXONOMIES), "all": term_ids is None, "term_ids": list(term_ids or [])},
    )


def refresh_services(
    session: Session,
    service_ids: Sequence[str],
    *,
    search_documents: bool = True,
    inserted: Collection[str] = (),
) -> None:
    """Rebuilds the match sites, area sites, match profiles, search documents and search sites of these
    services (and the match profiles and search sites of services sharing a place with them).
    `search_documents=False` is for a writer that has just written each service row with its document
    (`search_document_lateral`), after its terms, attributes and organization.

    `inserted` names services whose row this transaction has just inserted (not updated: see
    importers/pipeline.py). None of them can have a projection row yet (every projection table here
    cascades from `service`, and another transaction writing the same id waits for this one), so their
    old rows are not looked for: a fresh 1,000-service import otherwise probed five tables (twenty
    `match_site` partitions) for a thousand ids each, to delete nothing."""
    ids = list(dict.fromkeys(service_ids))
    if not ids:
        return
    fresh = set(inserted)
    old = [i for i in ids if i not in fresh] if fresh else ids
    if search_documents:
        session.execute(_REFRESH_SEARCH, {"ids": ids, "elig": ELIGIBILITY_TAXONOMY})
    if old:
        session.execute(_DELETE_SITES, {"ids": old})
    session.execute(_INSERT_SITES, {"ids": ids, "needs": NEEDS_TAXONOMY})
    if old:
        session.execute(_DELETE_AREAS, {"ids": old})
    session.execute(_INSERT_AREAS, {"ids": ids})
    # The gap map's supply projection, from the match sites just written.
    refresh_gap_sites(session, ids, previous=old)
    profiled = ids + list(session.execute(_NEIGHBOURS, {"ids": ids}).scalars())
    stale = [i for i in profiled if i not in fresh] if fresh else profiled
    # A building written with one service may have moved: its other services' search rows move too.
    # Search rows are written over in place (their table is kept in place order); a service the
    # import has just inserted has no rows to lose.
    if stale:
        session.execute(_DELETE_GONE_SEARCH_SITES, {"ids": stale})
    session.execute(_UPSERT_SEARCH_SITES, {"ids": profiled})
    if stale:
        session.execute(_DELETE_PROFILES, {"ids": stale})
    session.execute(_INSERT_PROFILES, {"ids": profiled, "elig": ELIGIBILITY_TAXONOMY, "pathway": PATHWAY_TAXONOMY})
    session.execute(_SYNC_ORGANIZATION_NAMES, {"ids": ids})
    session.execute(text("INSERT INTO search_outbox (service_id) SELECT unnest(CAST(:ids AS text[]))"), {"ids": ids})


__all__ = [
    "CLUSTER_SEARCH_SITES",
    "ELIGIBILITY_TAXONOMY",
    "SEARCH_SITE_ORDER_INDEX",
    "cluster_search_sites",
    "search_site_order",
    "INTERCEPT_TAXONOMY",
    "refresh_services",
    "resolve_term_profiles",
    "search_document_lateral",
]
