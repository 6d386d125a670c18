"""The search backend a deployment configured (`SEARCH_BACKEND`): Postgres full text by default,
Meilisearch to scale out. Kept apart from the package's face (catalog/search/__init__.py), which the
backends themselves import."""

from __future__ import annotations

from catalog.search import BACKENDS, SearchBackend, SearchUnavailable
from catalog.search.meilisearch import MeiliClient, MeiliSearch
from catalog.search.postgres import PostgresSearch
from divert.settings import Settings


def get_search_backend(settings: Settings) -> SearchBackend:
    """The backend `SEARCH_BACKEND` names; an unknown name is a configuration error, said at once."""
    name = (settings.search_backend or "postgres").strip().lower()
    if name == "postgres":
        return PostgresSearch()
    if name == "meilisearch":
        if not settings.meili_url:
            raise SearchUnavailable("SEARCH_BACKEND=meilisearch needs MEILI_URL")
        return MeiliSearch(MeiliClient(settings.meili_url, settings.meili_key))
    raise SearchUnavailable(f"unknown SEARCH_BACKEND {settings.search_backend!r}; use one of {', '.join(BACKENDS)}")
