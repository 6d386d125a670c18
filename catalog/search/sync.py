"""Keeps the Meilisearch index in step with the catalog through the `search_outbox` table.

catalog.projections inserts an outbox row for every service it rebuilds, in the writer's own
transaction. This job reads a batch of rows, sends the current documents (or deletions, for services
that no longer exist), waits until Meilisearch reports the task `succeeded`, and only then deletes
exactly the rows it read. A failure or a timeout leaves them for the next run: at-least-once, and a
re-sent document simply replaces itself, so no change is ever lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from catalog.search.meilisearch import MeiliClient, MeiliError
from catalog.tables import SearchOutbox
from divert.db import session_scope
from divert.settings import Settings
from matcher.vocabulary import ELIGIBILITY_TAXONOMY, INTERCEPT_TAXONOMY, NEEDS_TAXONOMY

log = logging.getLogger("divert.search.sync")

OUTBOX_BATCH: Final = 500
# Batches per scheduled run, so one run never holds the scheduler for long.
MAX_BATCHES_PER_RUN: Final = 20

_DOCUMENTS_SQL: Final = text("""
SELECT s.id, s.name, s.description, s.status, o.name AS org,
  ARRAY(SELECT t.code FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
        WHERE a.link_entity = 'service' AND a.link_id = s.id AND t.profile = :needs AND t.code IS NOT NULL
        UNION
        SELECT m.need FROM attribute a JOIN need_mapping m ON m.taxonomy_term_id = a.taxonomy_term_id
        WHERE a.link_entity = 'service' AND a.link_id = s.id) AS needs,
  ARRAY(SELECT DISTINCT t.code FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
        WHERE a.link_entity = 'service' AND a.link_id = s.id AND t.profile = :intercepts) AS intercepts,
  (SELECT string_agg(DISTINCT t.name, ' ') FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
        WHERE a.link_entity = 'service' AND a.link_id = s.id AND coalesce(t.profile, '') <> :elig) AS terms,
  ARRAY(SELECT DISTINCT lower(w) FROM language lg
        CROSS JOIN LATERAL (VALUES (lg.code), (lg.name)) AS said(w)
        WHERE w IS NOT NULL AND (lg.service_id = s.id OR (lg.service_id IS NULL AND lg.location_id IN (
            SELECT sal.location_id FROM service_at_location sal WHERE sal.service_id = s.id)))) AS languages,
  geo.lat, geo.lon
FROM service s
JOIN organization o ON o.id = s.organization_id
LEFT JOIN LATERAL (
    SELECT ST_Y(l.geog::geometry) AS lat, ST_X(l.geog::geometry) AS lon
    FROM service_at_location sal JOIN location l ON l.id = sal.location_id
    WHERE sal.service_id = s.id AND l.geog IS NOT NULL
    ORDER BY sal.id LIMIT 1) geo ON true
WHERE s.id = ANY(:ids)
""")


def service_documents(session: Session, service_ids: list[str]) -> list[dict[str, Any]]:
    """The Meilisearch documents of these services (missing ids are simply absent)."""
    docs = []
    for r in session.execute(
        _DOCUMENTS_SQL,
        {
            "ids": service_ids,
            "needs": NEEDS_TAXONOMY,
            "intercepts": INTERCEPT_TAXONOMY,
            "elig": ELIGIBILITY_TAXONOMY,
        },
    ):
        doc: dict[str, Any] = {
            "id": r.id,
            "name": r.name,
            "description": r.description or "",
            "org": r.org,
            "status": r.status,
            "needs": sorted(r.needs or []),
            "intercepts": sorted(int(c) for c in (r.intercepts or []) if str(c).isdigit()),
            "languages": sorted(r.languages or []),
            "terms": (r.terms or "").replace("_", " "),
        }
        if r.lat is not None and r.lon is not None:
            doc["_geo"] = {"lat": float(r.lat), "lng": float(r.lon)}
        docs.append(doc)
    return docs


@dataclass(frozen=True)
class SyncResult:
    outbox_rows: int = 0
    indexed: int = 0
    deleted: int = 0


def sync_outbox_batch(session: Session, client: MeiliClient, batch: int = OUTBOX_BATCH) -> SyncResult:
    """Sends one batch of outbox changes; deletes those rows only once Meilisearch has applied them."""
    rows = session.execute(
        select(SearchOutbox.id, SearchOutbox.service_id).order_by(SearchOutbox.id).limit(batch)
    ).all()
    if not rows:
        return SyncResult()
    service_ids = list(dict.fromkeys(r.service_id for r in rows))
    documents = service_documents(session, service_ids)
    present = {d["id"] for d in documents}
    gone = [i for i in service_ids if i not in present]
    tasks = []
    if documents:
        tasks.append(client.add_documents(documents))
    if gone:
        tasks.append(client.delete_documents(gone))
    for uid in tasks:
        task = client.wait_for_task(uid)
        if task.get("status") != "succeeded":
            raise MeiliError(f"Meilisearch task {uid} {task.get('status')}: {task.get('error')}")
    session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([r.id for r in rows])))
    return SyncResult(len(rows), len(documents), len(gone))


def enqueue_all_services(session: Session) -> int:
    """Queues every service for (re)indexing: after switching to Meilisearch, or to rebuild the index."""
    result = session.execute(text("INSERT INTO search_outbox (service_id) SELECT id FROM service ORDER BY id"))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def sync_search_index(settings: Settings, client: MeiliClient | None = None) -> SyncResult:
    """The scheduled job. Under the Postgres backend the outbox has no reader, so it is emptied."""
    if settings.search_backend.strip().lower() != "meilisearch":
        with session_scope(settings) as session:
            removed = session.execute(delete(SearchOutbox)).rowcount or 0  # type: ignore[attr-defined]
        return SyncResult(outbox_rows=int(removed))
    own_client = client is None
    if client is None:
        if not settings.meili_url:
            raise MeiliError("SEARCH_BACKEND=meilisearch needs MEILI_URL")
        client = MeiliClient(settings.meili_url, settings.meili_key)
    total = SyncResult()
    try:
        with session_scope(settings) as session:
            pending = session.execute(select(SearchOutbox.id).limit(1)).first() is not None
        if not pending:
            return total
        # Idempotent (an existing index is fine); done before each run with work so a Meilisearch
        # that was wiped or replaced gets its index and filter settings back.
        client.ensure_index()
        for _ in range(MAX_BATCHES_PER_RUN):
            with session_scope(settings) as session:
                done = sync_outbox_batch(session, client)
            total = SyncResult(
                total.outbox_rows + done.outbox_rows,
                total.indexed + done.indexed,
                total.deleted + done.deleted,
            )
            if done.outbox_rows < OUTBOX_BATCH:
                break
    finally:
        if own_client:
            client.close()
    if total.outbox_rows:
        log.info(
            "search index synced: %d outbox rows, %d indexed, %d deleted",
            total.outbox_rows,
            total.indexed,
            total.deleted,
        )
    return total


__all__ = [
    "SyncResult",
    "enqueue_all_services",
    "service_documents",
    "sync_outbox_batch",
    "sync_search_index",
]
