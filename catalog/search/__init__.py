"""Service search behind one small interface, with a Postgres and a Meilisearch implementation.

The directory asks a backend for a *ranking*: a relation `(service_id, rank)` it can join to its own
filters (geo, needs, hours, eligibility), so pagination and counts stay in one SQL query whatever the
backend. `search` answers a self-contained query (text + needs / intercepts / status / radius); the
contract tests in tests/directory run it against every backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol, runtime_checkable

from sqlalchemy import FromClause
from sqlalchemy.orm import Session

from divert.settings import Settings

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


class SearchUnavailable(RuntimeError):
    """The configured search service could not answer (Meilisearch down or misconfigured)."""


def get_search_backend(settings: Settings) -> SearchBackend:
    """The backend `SEARCH_BACKEND` names; an unknown name is a configuration error, said at once."""
    name = (settings.search_backend or "postgres").strip().lower()
    if name == "postgres":
        from catalog.search.postgres import PostgresSearch

        return PostgresSearch()
    if name == "meilisearch":
        from catalog.search.meilisearch import MeiliClient, MeiliSearch

        if not settings.meili_url:
            raise SearchUnavailable("SEARCH_BACKEND=meilisearch needs MEILI_URL")
        return MeiliSearch(MeiliClient(settings.meili_url, settings.meili_key))
    raise SearchUnavailable(
        f"unknown SEARCH_BACKEND {settings.search_backend!r}; use one of {', '.join(BACKENDS)}"
    )


__all__ = ["BACKENDS", "SearchBackend", "SearchHit", "SearchQuery", "SearchUnavailable", "get_search_backend"]
