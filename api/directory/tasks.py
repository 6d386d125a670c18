"""Scheduled job of the directory room: keep the Meilisearch index in step with the catalog."""

from __future__ import annotations

from typing import Final

from api.scheduler import register_job
from catalog.search.sync import sync_search_index
from divert.settings import Settings

SEARCH_SYNC_EVERY_SECONDS: Final = 10.0


def run_search_sync(settings: Settings) -> None:
    sync_search_index(settings)


register_job("search-index-sync", SEARCH_SYNC_EVERY_SECONDS, run_search_sync)
