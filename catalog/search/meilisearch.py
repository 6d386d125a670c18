"""The Meilisearch backend: typo-tolerant search for national-scale directories, over its HTTP API.

Only documented endpoints are used (httpx, no SDK): `POST /indexes`, `PATCH /indexes/{uid}/settings`,
`POST /indexes/{uid}/documents`, `POST /indexes/{uid}/documents/delete-batch`, `GET /tasks/{uid}`,
`POST /indexes/{uid}/search`. Writes in Meilisearch are asynchronous tasks; callers wait for a task to
succeed before they forget a change (see catalog.search.sync), so nothing is lost if it is down.

One document per service: id, name, description, org, needs, intercepts, status, languages (codes
and names, lower case), terms (need words, for "detox"), and `_geo` {lat, lng} of its first place
(Meilisearch holds one point per document; the directory applies exact geo filters in PostGIS,
Meilisearch only ranks text). The field's synonyms
(catalog.search.field_words) are the index's `synonyms` setting; language words in a query become a
`languages` filter, as in the Postgres backend. Meilisearch folds accents itself.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

import httpx
from sqlalchemy import FromClause, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Float, Text

from catalog.search import SearchHit, SearchQuery, SearchUnavailable
from catalog.search.field_words import meili_synonyms, read_query

INDEX: Final = "services"
# How many hits a directory query may rank through Meilisearch (its own `maxTotalHits` is set above it).
MAX_HITS: Final = 1000
MAX_TOTAL_HITS: Final = 10_000
TASK_TIMEOUT_SECONDS: Final = 60.0
TASK_POLL_SECONDS: Final = 0.05

INDEX_SETTINGS: Final[dict[str, Any]] = {
    "searchableAttributes": ["name", "terms", "org", "description"],
    "filterableAttributes": ["needs", "intercepts", "status", "languages", "_geo"],
    "sortableAttributes": ["_geo", "name"],
    "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
    "synonyms": meili_synonyms(),
}
_DONE: Final = frozenset({"succeeded", "failed", "canceled"})


class MeiliError(SearchUnavailable):
    """Meilisearch refused a request, failed a task, or could not be reached."""


def _quoted(value: str | int) -> str:
    return json.dumps(value) if isinstance(value, str) else str(value)


def meili_filter(query: SearchQuery) -> list[str]:
    """The Meilisearch filter expression for a query (a list of clauses, all of which must hold)."""
    clauses: list[str] = []
    if query.needs:
        clauses.append(f"needs IN [{', '.join(_quoted(n) for n in query.needs)}]")
    if query.intercepts:
        clauses.append(f"intercepts IN [{', '.join(_quoted(int(i)) for i in query.intercepts)}]")
    if query.status:
        clauses.append(f"status = {_quoted(query.status)}")
    languages = [lang.strip().lower() for lang in (*query.languages, *read_query(query.text).languages)]
    if any(languages):
        clauses.append(f"languages IN [{', '.join(_quoted(lang) for lang in dict.fromkeys(languages) if lang)}]")
    if query.lat is not None and query.lon is not None and query.radius_km is not None:
        clauses.append(f"_geoRadius({query.lat:.6f}, {query.lon:.6f}, {round(query.radius_km * 1000)})")
    return clauses


class MeiliClient:
    """A thin client for the few Meilisearch endpoints the project needs."""

    def __init__(
        self,
        url: str,
        key: str | None = None,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout, transport=transport)
        self._sleep = sleep

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            response = self.http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise MeiliError(f"Meilisearch at {self.url} unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            raise MeiliError(f"Meilisearch {method} {path} answered {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else None

    @staticmethod
    def _task_uid(answer: Any) -> int:
        if not isinstance(answer, dict) or "taskUid" not in answer:
            raise MeiliError(f"Meilisearch did not enqueue a task: {answer!r}"[:300])
        return int(answer["taskUid"])

    def create_index(self) -> int:
        return self._task_uid(self._call("POST", "/indexes", {"uid": INDEX, "primaryKey": "id"}))

    def update_settings(self) -> int:
        return self._task_uid(self._call("PATCH", f"/indexes/{INDEX}/settings", INDEX_SETTINGS))

    def add_documents(self, documents: Sequence[dict[str, Any]]) -> int:
        return self._task_uid(self._call("POST", f"/indexes/{INDEX}/documents?primaryKey=id", list(documents)))

    def delete_documents(self, ids: Sequence[str]) -> int:
        return self._task_uid(self._call("POST", f"/indexes/{INDEX}/documents/delete-batch", list(ids)))

    def task(self, uid: int) -> dict[str, Any]:
        answer = self._call("GET", f"/tasks/{uid}")
        if not isinstance(answer, dict):
            raise MeiliError(f"Meilisearch task {uid}: unexpected answer")
        return answer

    def wait_for_task(self, uid: int, timeout: float = TASK_TIMEOUT_SECONDS) -> dict[str, Any]:
        """The finished task (succeeded, failed or canceled); MeiliError if still pending after `timeout`."""
        waited = 0.0
        while True:
            task = self.task(uid)
            if task.get("status") in _DONE:
                return task
            if waited >= timeout:
                raise MeiliError(f"Meilisearch task {uid} still {task.get('status')} after {timeout:g} s")
            self._sleep(TASK_POLL_SECONDS)
            waited += TASK_POLL_SECONDS

    def ensure_index(self) -> None:
        """Creates the index (an existing one is fine) and applies the settings the filters need."""
        created = self.wait_for_task(self.create_index())
        if created.get("status") != "succeeded" and (created.get("error") or {}).get("code") != "index_already_exists":
            raise MeiliError(f"Meilisearch could not create index {INDEX!r}: {created.get('error')}")
        configured = self.wait_for_task(self.update_settings())
        if configured.get("status") != "succeeded":
            raise MeiliError(f"Meilisearch refused the index settings: {configured.get('error')}")

    def search(self, q: str, *, filter: Sequence[str] = (), limit: int = 20, offset: int = 0) -> dict[str, Any]:
        body: dict[str, Any] = {
            "q": q,
            "limit": limit,
            "offset": offset,
            "attributesToRetrieve": ["id"],
            "showRankingScore": True,
        }
        if filter:
            body["filter"] = list(filter)
        answer = self._call("POST", f"/indexes/{INDEX}/search", body)
        if not isinstance(answer, dict):
            raise MeiliError("Meilisearch search: unexpected answer")
        return answer


_RANKING_SQL: Final = text("SELECT h.service_id, h.rank FROM unnest(:ids, :ranks) AS h(service_id, rank)").bindparams(
    bindparam("ids", type_=ARRAY(Text)), bindparam("ranks", type_=ARRAY(Float))
)


class MeiliSearch:
    name = "meilisearch"

    def __init__(self, client: MeiliClient) -> None:
        self.client = client

    def search(self, session: Session, query: SearchQuery) -> list[SearchHit]:
        # Language words leave the text for the filter; Meilisearch applies the synonyms itself.
        text = read_query(query.text).text
        answer = self.client.search(text, filter=meili_filter(query), limit=query.limit)
        hits = []
        for position, hit in enumerate(answer.get("hits", [])):
            if "id" not in hit:
                continue
            # Older servers do not send `_rankingScore`; their order is the ranking.
            score = hit.get("_rankingScore")
            rank = float(score) if isinstance(score, int | float) else 1.0 - position / (MAX_TOTAL_HITS + 1)
            hits.append(SearchHit(str(hit["id"]), rank))
        return sorted(hits, key=lambda h: (-h.rank, h.service_id))

    def ranking(self, session: Session, text: str) -> FromClause:
        hits = self.search(session, SearchQuery(text=text, limit=MAX_HITS))
        return (
            _RANKING_SQL.bindparams(ids=[h.service_id for h in hits], ranks=[h.rank for h in hits])
            .columns(service_id=Text, rank=Float)
            .subquery("search_hits")
        )


__all__ = ["INDEX", "INDEX_SETTINGS", "MeiliClient", "MeiliError", "MeiliSearch", "meili_filter"]
