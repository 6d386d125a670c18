"""The Meilisearch backend's requests and its outbox sync, against a tiny fake server in a thread.

No Meilisearch binary exists here; this fake answers the documented endpoints the client uses, so the
request building, task polling and "delete outbox rows only after the task succeeded" rule all run.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

import pytest
from directory_factories import Place, ServiceSpec, offset, write_catalog
from sqlalchemy import delete, select

from catalog.search import SearchQuery
from catalog.search.meilisearch import INDEX, MeiliClient, MeiliError, MeiliSearch, meili_filter
from catalog.search.sync import sync_search_index
from catalog.tables import SearchOutbox, Service


class FakeMeili:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.documents: dict[str, dict[str, Any]] = {}
        self.tasks: dict[int, dict[str, Any]] = {}
        self.index_exists = False
        self.settings: dict[str, Any] = {}
        self.fail_documents = False
        self.polls_before_done = 2
        self._polls: dict[int, int] = {}

    def task(self, kind: str, ok: bool = True, error: dict[str, Any] | None = None) -> dict[str, Any]:
        uid = len(self.tasks)
        self.tasks[uid] = {
            "uid": uid,
            "type": kind,
            "status": "succeeded" if ok else "failed",
            "error": error,
        }
        return {"taskUid": uid, "status": "enqueued", "type": kind}

    def handle(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        url = urlparse(path)
        if method == "POST" and url.path == "/indexes":
            if self.index_exists:
                return 202, self.task("indexCreation", False, {"code": "index_already_exists"})
            self.index_exists = True
            return 202, self.task("indexCreation")
        if method == "PATCH" and url.path == f"/indexes/{INDEX}/settings":
            self.settings.update(body)
            return 202, self.task("settingsUpdate")
        if method == "POST" and url.path == f"/indexes/{INDEX}/documents":
            if self.fail_documents:
                return 202, self.task("documentAdditionOrUpdate", False, {"code": "internal"})
            for doc in body:
                self.documents[doc["id"]] = doc
            return 202, self.task("documentAdditionOrUpdate")
        if method == "POST" and url.path == f"/indexes/{INDEX}/documents/delete-batch":
            for i in body:
                self.documents.pop(i, None)
            return 202, self.task("documentDeletion")
        if method == "GET" and url.path.startswith("/tasks/"):
            uid = int(url.path.rsplit("/", 1)[1])
            seen = self._polls.get(uid, 0)
            self._polls[uid] = seen + 1
            if seen < self.polls_before_done:
                return 200, {**self.tasks[uid], "status": "processing"}
            return 200, self.tasks[uid]
        if method == "POST" and url.path == f"/indexes/{INDEX}/search":
            words = body["q"].lower().split()
            hits = [
                {"id": d["id"], "_rankingScore": 0.9}
                for d in sorted(self.documents.values(), key=lambda d: d["id"])
                if all(w in " ".join([d["name"], d["terms"], d["org"], d["description"]]).lower() for w in words)
            ]
            return 200, {"hits": hits[: body["limit"]], "query": body["q"]}
        return 404, {"message": "not found", "code": "not_found"}


@pytest.fixture
def fake() -> Iterator[tuple[FakeMeili, str]]:
    state = FakeMeili()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            state.requests.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "body": body,
                    "authorization": self.headers.get("authorization"),
                    "content_type": self.headers.get("content-type"),
                }
            )
            status, answer = state.handle(self.command, self.path, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def client_for(url: str) -> MeiliClient:
    return MeiliClient(url, "secret-key", sleep=lambda _s: None)


SPECS = [
    ServiceSpec(
        id="harbor",
        name="Harbor Emergency Shelter",
        needs=["shelter"],
        intercepts=[1, 0],
        places=[Place(*offset(1, 1))],
    ),
    ServiceSpec(id="cedar", name="Cedar House", needs=["withdrawal_management"], places=[Place(*offset(2, 2))]),
]


def test_filter_expression() -> None:
    q = SearchQuery(
        "bed",
        needs=("shelter", "food"),
        intercepts=(1,),
        status="active",
        lat=47.6,
        lon=-122.3,
        radius_km=2.5,
    )
    assert meili_filter(q) == [
        'needs IN ["shelter", "food"]',
        "intercepts IN [1]",
        'status = "active"',
        "_geoRadius(47.600000, -122.300000, 2500)",
    ]
    assert meili_filter(SearchQuery("x")) == []


def test_sync_sends_documents_and_deletes_outbox_rows_after_success(
    fake: tuple[FakeMeili, str], db: Any, settings: Any
) -> None:
    state, url = fake
    write_catalog(db, SPECS)
    meili = settings.model_copy(update={"search_backend": "meilisearch", "meili_url": url})
    result = sync_search_index(meili, client_for(url))
    assert result.indexed == 2 and result.outbox_rows == 2
    assert all(r["authorization"] == "Bearer secret-key" for r in state.requests)
    first = state.requests[0]
    assert (first["method"], first["path"], first["body"]) == (
        "POST",
        "/indexes",
        {"uid": "services", "primaryKey": "id"},
    )
    assert set(state.settings["filterableAttributes"]) == {"needs", "intercepts", "status", "languages", "_geo"}
    # The field's synonyms go to the index, both ways and with and without accents.
    synonyms = state.settings["synonyms"]
    assert "naloxone" in synonyms["narcan"] and "narcan" in synonyms["naloxone"]
    assert "withdrawal management" in synonyms["desintoxicacion"] and "detox" in synonyms["desintoxicación"]
    harbor = state.documents["harbor"]
    assert harbor["needs"] == ["shelter"] and harbor["intercepts"] == [0, 1] and harbor["status"] == "active"
    assert harbor["_geo"] == {"lat": pytest.approx(offset(1, 1)[0]), "lng": pytest.approx(offset(1, 1)[1])}
    assert "Withdrawal management (detox)" in state.documents["cedar"]["terms"]
    with db() as session:
        assert session.execute(select(SearchOutbox)).first() is None
    # Nothing pending: no request at all.
    before = len(state.requests)
    assert sync_search_index(meili, client_for(url)).outbox_rows == 0 and len(state.requests) == before


def test_a_failed_task_keeps_the_outbox_rows(fake: tuple[FakeMeili, str], db: Any, settings: Any) -> None:
    state, url = fake
    write_catalog(db, SPECS)
    meili = settings.model_copy(update={"search_backend": "meilisearch", "meili_url": url})
    state.fail_documents = True
    with pytest.raises(MeiliError):
        sync_search_index(meili, client_for(url))
    with db() as session:
        assert len(session.execute(select(SearchOutbox)).all()) == 2
    state.fail_documents = False
    assert sync_search_index(meili, client_for(url)).indexed == 2
    # A service that is gone is deleted from the index.
    with db() as session:
        session.execute(delete(Service).where(Service.id == "cedar"))
        session.add(SearchOutbox(service_id="cedar"))
        session.commit()
    assert sync_search_index(meili, client_for(url)).deleted == 1
    assert set(state.documents) == {"harbor"}
    deletion = [r for r in state.requests if r["path"].endswith("/delete-batch")]
    assert [r["body"] for r in deletion] == [["cedar"]]


def test_unreachable_server_is_an_error_not_a_hang() -> None:
    with pytest.raises(MeiliError):
        MeiliClient("http://127.0.0.1:9", timeout=1).search("x")


def test_directory_ranks_through_meilisearch(fake: tuple[FakeMeili, str], db: Any, settings: Any) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    state, url = fake
    write_catalog(db, SPECS)
    meili = settings.model_copy(update={"search_backend": "meilisearch", "meili_url": url})
    sync_search_index(meili, client_for(url))
    with db() as session:
        hits = MeiliSearch(client_for(url)).search(session, SearchQuery("shelter", needs=("shelter",)))
    assert [h.service_id for h in hits] == ["harbor"]
    assert state.requests[-1]["body"]["filter"] == ['needs IN ["shelter"]']
    with TestClient(create_app(meili)) as c:
        body = c.get("/v1/services", params={"search": "detox"}).json()
        assert [s["id"] for s in body["contents"]] == ["cedar"]
        assert c.get("/v1/services", params={"search": "nothing here"}).json()["total_items"] == 0
    down = settings.model_copy(update={"search_backend": "meilisearch", "meili_url": "http://127.0.0.1:9"})
    with TestClient(create_app(down)) as c:
        r = c.get("/v1/services", params={"search": "shelter"})
        assert r.status_code == 503 and r.json()["error"] == "search_unavailable"
