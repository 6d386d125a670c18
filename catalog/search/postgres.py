"""The default search backend: weighted full text plus trigram similarity, all inside PostgreSQL.

Full text (`service.search_vector`, weighted name > alternate name and terms > organization >
description, kept by catalog.projections) finds words and their stems: "detox" finds a service
tagged "Withdrawal management (detox)". Trigram word similarity on `service.search_text` forgives
typos: "shelterr" finds "Emergency shelter". A service matching either is a hit; a full-text match
always ranks above a typo-only match, then by rank, then by id, so the order is deterministic.

The query is read with the field's words (catalog.search.field_words): each word or phrase with
synonyms becomes an OR of them ("narcan" finds naloxone, "albergue" a shelter), language words
("spanish", "español") become the language filter, and both the query and the search document are
folded to lower case without accents (`unaccent`), so "desintoxicacion" and "desintoxicación" agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Float,
    FromClause,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import QueryableAttribute, Session

from catalog.search import SearchHit, SearchQuery, SiteSearch
from catalog.search.field_words import ReadQuery, folded, read_query
from catalog.search.predicates import area_covers, at_intercepts, meets_needs, place_within, speaks
from catalog.tables import SearchSite, Service

# Word similarity is the share of the query's trigrams found in the text: a typo keeps ~0.7-0.8
# ("shelterr" 0.78, "sheltr" 0.71, "legal clinc" 0.83) while a word sharing only its first letters
# scores 0.5 ("detox" in "detention"). 0.6 (pg_trgm's default) is set explicitly so a server with
# another default does not change what the directory finds.
TRIGRAM_THRESHOLD: Final = 0.6
TEXT_CONFIG: Final = "english"
# The bound parameters of a site search's match (`PostgresSearch.site_search`): the tsquery's text and
# the folded words.
SITE_PARAMS: Final = ("search_tsquery", "search_words")

# The lower-cased text a query's trigrams are looked for in: a mapped column or any expression.
TextColumn = ColumnElement[str] | QueryableAttribute[str | None]
# A weighted tsvector column (`service.search_vector` or its copy on `search_site`).
DocumentColumn = ColumnElement[Any] | QueryableAttribute[Any]


def trigram_prefilter(session: Session, words: str, text: TextColumn) -> ColumnElement[bool] | None:
    """A cheap necessary condition for `words <% text` (text lower-cased), or None when it would not prune.

    (One round trip for the query's trigrams; `TextMatch` reads them with its other facts instead.)
    """
    trigrams: list[str] = session.execute(select(func.show_trgm(words))).scalar_one() or []
    return prefilter_of(trigrams, text)


def prefilter_of(trigrams: Sequence[str], text: TextColumn) -> ColumnElement[bool] | None:
    """`trigram_prefilter` for the query's trigrams (pg_trgm's own `show_trgm` of the words).

    `words <% text` needs at least TRIGRAM_THRESHOLD of the query's trigrams among the text's;
    every trigram found there has its letters (padding spaces stripped) inside the text, which is
    stored lower-cased (catalog.projections). So counting the query trigrams whose letters `strpos`
    finds gives an upper bound on the matches: when it is below the threshold the expensive trigram
    similarity cannot succeed and is skipped. In a 10 km region of a 1M catalog that similarity ran
    for every service the full text did not match and was most of the search's time. The condition
    only skips rows, never admits them, so results are unchanged. Hashed (non-ASCII) trigrams cannot
    be checked and count as found.
    """
    if not trigrams:
        return None
    # floor() is at or below the smallest count pg_trgm accepts, float rounding included.
    needed = math.floor(TRIGRAM_THRESHOLD * len(trigrams))
    letters = [t.strip() for t in trigrams]
    checkable = [t for t in letters if t and len(t) <= 3]
    needed -= len(letters) - len(checkable)
    if needed <= 0:
        return None
    found = sum(
        (case((func.strpos(text, t) > 0, 1), else_=0) for t in checkable),
        start=literal(0),
    )
    return found >= needed


def full_text_query(read: ReadQuery) -> ColumnElement[object]:
    """The tsquery of a read query: every unit must match, any of its synonyms (`&&` of `||`s)."""

    def words(text: str) -> ColumnElement[object]:
        return func.websearch_to_tsquery(TEXT_CONFIG, func.unaccent(text))

    if not read.expanded:
        return words(read.text)
    units = []
    for unit in read.units:
        alternatives = [words(alternative) for alternative in unit]
        units.append(reduce(lambda a, b: a.op("||")(b), alternatives))
    return reduce(lambda a, b: a.op("&&")(b), units)


@dataclass(frozen=True)
class TextMatch:
    """One query's words, read once, as conditions on any row holding a search document.

    The tsquery is computed by PostgreSQL once, in the round trip that also sets the trigram
    threshold and reads the query's trigrams, and comes back as a constant: written as an
    expression (`websearch_to_tsquery(unaccent(...))`, `unaccent` being only STABLE) it was
    evaluated again for every row tested. A tsquery's text form reads back as the same tsquery.
    """

    words: str
    tsquery: str
    trigrams: tuple[str, ...]

    @property
    def query(self) -> ColumnElement[object]:
        return literal(self.tsquery).cast(TSQUERY)

    def named_parameters(self) -> tuple[ColumnElement[object], ColumnElement[str]]:
        """The tsquery and the words bound as the parameters `SITE_PARAMS` names: an expression over
        them is the same for every query but for those values (see `SiteSearch.shape`)."""
        return (
            cast(bindparam(SITE_PARAMS[0], self.tsquery, type_=Text), TSQUERY),
            bindparam(SITE_PARAMS[1], self.words, type_=Text),
        )

    def full_text(self, vector: DocumentColumn) -> ColumnElement[bool]:
        return vector.op("@@")(self.query)

    def hit(
        self,
        vector: DocumentColumn,
        text: TextColumn,
        prefilter: bool = True,
        *,
        bound: tuple[ColumnElement[object], ColumnElement[str]] | None = None,
    ) -> ColumnElement[bool]:
        """A full-text match, or a typo match (trigram word similarity) where the full text has none.

        `prefilter=False` where an index on the text's trigrams already tests the same bound on its
        entries (`search_site`): the strpos terms would only be computed again for rows it let through.
        `bound`: the tsquery and the words as named parameters (`named_parameters`) instead of constants.
        """
        query, words = bound if bound is not None else (self.query, literal(self.words))
        typo = words.op("<%")(text)
        cheap = prefilter_of(self.trigrams, text) if prefilter else None
        # Left to right: full text first (cheap, usually decides), then the prefilter, and the
        # trigram similarity only for what is left.
        may_be_typo = typo if cheap is None else and_(cheap, typo)
        return or_(vector.op("@@")(query), may_be_typo)


def text_match(session: Session, read: ReadQuery) -> TextMatch:
    """Reads the query's facts in one round trip; sets the typo threshold for the transaction."""
    words = folded(read.text.strip())
    # The `<%` operator (served by the trigram indexes) reads its threshold from this setting;
    # `is_local` keeps it to the current transaction.
    row = session.execute(
        select(
            func.set_config("pg_trgm.word_similarity_threshold", str(TRIGRAM_THRESHOLD), True),
            func.show_trgm(words),
            full_text_query(read).cast(Text),
        )
    ).one()
    return TextMatch(words=words, tsquery=row[2], trigrams=tuple(row[1] or ()))


class PostgresSearch:
    name = "postgres"

    def ranking(self, session: Session, text: str) -> FromClause:
        read = read_query(text)
        if not read.units:
            # Only language words ("spanish"): every service is a hit; the language filter decides.
            return select(Service.id.label("service_id"), literal(0.0, Float).label("rank")).subquery("search_hits")
        return self._ranking(text_match(session, read))

    def _ranking(self, match: TextMatch) -> FromClause:
        rank = (
            case((match.full_text(Service.search_vector), 1.0), else_=0.0)
            + func.coalesce(func.ts_rank_cd(Service.search_vector, match.query), 0.0)
            + func.coalesce(func.word_similarity(match.words, Service.search_text), 0.0)
        )
        return (
            select(Service.id.label("service_id"), rank.cast(Float).label("rank"))
            .where(match.hit(Service.search_vector, Service.search_text))
            .subquery("search_hits")
        )

    def site_search(self, session: Session, text: str) -> SiteSearch:
        """The ranking's match on `search_site` rows (copies of their service's document) and on services.

        Neither has the strpos prefilter: on `search_site` its trigram index tests the same bound on
        its entries, and the services are only those whose area covers the point (a few), where
        building the prefilter's terms costs the request more than it saves the database.
        """
        read = read_query(text)
        if not read.units:
            return SiteSearch(true(), true(), shape="postgres:everything")
        match = text_match(session, read)
        bound = match.named_parameters()  # one pair of parameters, shared by both conditions
        return SiteSearch(
            match.hit(SearchSite.search_vector, SearchSite.search_text, prefilter=False, bound=bound),
            match.hit(Service.search_vector, Service.search_text, prefilter=False, bound=bound),
            shape="postgres:words",
            params={SITE_PARAMS[0]: match.tsquery, SITE_PARAMS[1]: match.words},
        )

    def search(self, session: Session, query: SearchQuery) -> list[SearchHit]:
        read = read_query(query.text)
        hits = self.ranking(session, query.text)
        stmt = select(hits.c.service_id, hits.c.rank).join(Service, Service.id == hits.c.service_id)
        languages = (*query.languages, *read.languages)
        if languages:
            stmt = stmt.where(speaks(Service.id, languages))
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


__all__ = [
    "PostgresSearch",
    "TextMatch",
    "full_text_query",
    "prefilter_of",
    "text_match",
    "TRIGRAM_THRESHOLD",
    "trigram_prefilter",
]
