"""The default search backend: weighted full text plus trigram similarity, all inside PostgreSQL.

Full text (`service.search_vector`, weighted name > alternate name and terms > organization >
description, kept by catalog.projections) finds words and their stems: "detox" finds a service
tagged "Withdrawal management (detox)". Trigram word similarity on `service.search_text` forgives
typos: "shelterr" finds "Emergency shelter". A service matching either is a hit; a full-text match
always ranks above a typo-only match, then by rank, then by id, so the order is deterministic.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Float, FromClause, case, func, literal, or_, select
from sqlalchemy.orm import Session

from catalog.search import SearchHit, SearchQuery
from catalog.search.predicates import area_covers, at_intercepts, meets_needs, place_within
from catalog.tables import Service

# Word similarity is the share of the query's trigrams found in the text: a typo keeps ~0.7-0.8
# ("shelterr" 0.78, "sheltr" 0.71, "legal clinc" 0.83) while a word sharing only its first letters
# scores 0.5 ("detox" in "detention"). 0.6 (pg_trgm's default) is set explicitly so a server with
# another default does not change what the directory finds.
TRIGRAM_THRESHOLD: Final = 0.6
TEXT_CONFIG: Final = "english"


class PostgresSearch:
    name = "postgres"

    def ranking(self, session: Session, text: str) -> FromClause:
        # The `<%` operator (served by the trigram GIN index) reads its threshold from this setting;
        # `is_local` keeps it to the current transaction.
        session.execute(
            select(func.set_config("pg_trgm.word_similarity_threshold", str(TRIGRAM_THRESHOLD), True))
        )
        words = text.strip()
        query = func.websearch_to_tsquery(TEXT_CONFIG, words)
        full_text = Service.search_vector.op("@@")(query)
        typo = literal(words.lower()).op("<%")(Service.search_text)
        rank = (
            case((full_text, 1.0), else_=0.0)
            + func.coalesce(func.ts_rank_cd(Service.search_vector, query), 0.0)
            + func.coalesce(func.word_similarity(words.lower(), Service.search_text), 0.0)
        )
        return (
            select(Service.id.label("service_id"), rank.cast(Float).label("rank"))
            .where(or_(full_text, typo))
            .subquery("search_hits")
        )

    def search(self, session: Session, query: SearchQuery) -> list[SearchHit]:
        hits = self.ranking(session, query.text)
        stmt = select(hits.c.service_id, hits.c.rank).join(Service, Service.id == hits.c.service_id)
        if query.needs:
            stmt = stmt.where(meets_needs(Service.id, query.needs))
        if query.intercepts:
            stmt = stmt.where(at_intercepts(Service.id, query.intercepts))
        if query.status:
            stmt = stmt.where(Service.status == query.status)
        if query.lat is not None and query.lon is not None and query.radius_km is not None:
            stmt = stmt.where(
                or_(
                    place_within(Service.id, query.lat, query.lon, query.radius_km * 1000),
                    area_covers(Service.id, query.lat, query.lon),
                )
            )
        stmt = stmt.order_by(hits.c.rank.desc(), hits.c.service_id).limit(query.limit)
        return [SearchHit(r.service_id, float(r.rank)) for r in session.execute(stmt)]


__all__ = ["PostgresSearch", "TRIGRAM_THRESHOLD"]
