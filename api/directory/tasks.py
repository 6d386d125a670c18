"""Scheduled job of the directory room: keep the Meilisearch index in step with the catalog.

Listed in worker/jobs.py. Idempotent: it sends what the search outbox holds and removes what it sent.
"""

from __future__ import annotations

from catalog.search.sync import sync_search_index
from divert.settings import Settings


def sync_search(settings: Settings) -> None:
    sync_search_index(settings)
