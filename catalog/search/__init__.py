"""Service search behind one small interface, with a Postgres and a Meilisearch implementation.

The directory asks a backend for a *ranking*: a relation `(service_id, rank)` it can join to its own
filters (geo, needs, hours, eligibility), so pagination and counts stay in one SQL query whatever the
backend. `search` answers a self-contained query (text + needs / intercepts / status / radius); the
contract tests in tests/directory run it against every backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, runtime_checkable

from sqlalchemy import ColumnElement, FromClause
from sqlalchemy.orm import Session

BACKENDS: Final = ("postgres", "meilisearch")


@dataclass(frozen=True)
class SearchQuery:
    text: str
    needs: tuple[str, ...] = ()
    intercepts: tuple[int, ...] = ()
    # Language codes or names (any of); language words in `text` ("spanish") are added to these.
    languages: tuple[str, ...] = ()
    status: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    limit: int = 20


@dataclass(frozen=True)
class SearchHit:
    service_id: str
    rank: float


@runtime_checkable
class SearchBackend(Protocol):
    name: str

    def ranking(self, session: Session, text: str) -> FromClause:
        """Services matching `text` as a relation with columns `service_id` and `rank` (higher is better)."""
        ...

    def search(self, session: Session, query: SearchQuery) -> list[SearchHit]:
        """The best `query.limit` services for the query, best first, ties by service id."""
        ...


@dataclass(frozen=True)
class SiteSearch:
    """A text search as the directory's geo search reads it: the match as a condition on a
    `search_site` row (a place with a copy of its service's search document), so radius and words are
    answered by one index scan over places, and the same match on a `service` row, for the few places
    reached through a service area. Both select exactly the services `ranking` holds."""

    site_match: ColumnElement[bool]
    service_match: ColumnElement[bool]
    # When the two matches take the query's values only from bound parameters with these names and
    # values (and are built the same way for every query), `shape` names that form: the directory can
    # then build its statement once per shape and execute it with new `params` (api.directory.queries).
    shape: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class SearchesSites(Protocol):
    """A backend that matches inside PostgreSQL can say its match on `search_site` rows too; the
    directory uses it for searches with a radius (the answers are those of `ranking`)."""

    def site_search(self, session: Session, text: str) -> SiteSearch: ...


class SearchUnavailable(RuntimeError):
    """The configured search service could not answer (Meilisearch down or misconfigured)."""


__all__ = [
    "BACKENDS",
    "SearchBackend",
    "SearchHit",
    "SearchQuery",
    "SearchUnavailable",
    "SearchesSites",
    "SiteSearch",
]
