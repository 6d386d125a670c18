"""A lost database is 503 `database_unavailable` in the error shape on every route family (CONTRACT §2).

The app reaches PostgreSQL through a small TCP relay on 127.0.0.1; "dropping" the relay cuts every
open connection and closes each new one at once, as a database host that went away would. The shared
PostgreSQL server itself is never touched.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient


class Relay:
    """Forwards 127.0.0.1:<port> to the PostgreSQL server until dropped."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.dropped = False
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.dropped:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def drop(self) -> None:
        self.dropped = True
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()

    def close(self) -> None:
        self.drop()
        self.listener.close()


@pytest.fixture
def relay(database_url: str) -> Iterator[Relay]:
    parts = urlsplit(database_url)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5432))
    yield relay
    relay.close()


ROUTES = [
    ("GET", "/v1/services", None, None),
    ("GET", "/v1/services/svc-1", None, None),
    ("GET", "/v1/service_at_locations", None, None),
    ("GET", "/v1/service_at_locations?lat=47.6&lon=-122.3", None, None),
    ("GET", "/v1/organizations", None, None),
    ("GET", "/v1/taxonomies", None, None),
    ("GET", "/v1/taxonomy_terms", None, None),
    ("POST", "/v1/services/svc-1/reports", None, {"message": "closed"}),
    ("GET", "/v1/reports", "curator", None),
    ("PATCH", "/v1/services/svc-1", "curator", {"name": "New"}),
    ("GET", "/v1/gaps", "planner", None),
    ("GET", "/v1/gaps/sim", "planner", None),
    ("POST", "/v1/match", "case_manager", {"location": {"lat": 47.6, "lon": -122.3}, "needs": ["food"]}),
    ("GET", "/v1/capacity", "admin", None),
    ("PUT", "/v1/capacity/cap-1", "admin", {"available": 1, "updated": "2026-01-01T00:00:00Z"}),
    (
        "POST",
        "/v1/capacity",
        "admin",
        {"updates": [{"capacity_id": "cap-1", "available": 1, "updated": "2026-01-01T00:00:00Z"}]},
    ),
    ("POST", "/v1/holds", "case_manager", {"capacity_id": "cap-1"}),
    ("GET", "/v1/feeds", "admin", None),
    ("POST", "/v1/import/hsds", "admin", [{"id": "s1", "name": "Shelter", "organization": {"id": "o1", "name": "O"}}]),
    ("GET", "/v1/whoami", "fresh", None),
    ("GET", "/web/config.json", None, None),
    ("GET", "/web/places.json?ids=sal-1", None, None),
    ("GET", "/healthz", None, None),
]


def test_every_route_family_answers_503_when_the_database_is_lost(
    relay: Relay, settings: Any, make_key: Any, database_url: str
) -> None:
    from api.app import create_app

    keys = {role: make_key(role) for role in ("curator", "planner", "case_manager", "admin")}
    fresh = make_key("operator")  # never used before the drop: its look-up needs the database
    name = urlsplit(database_url).path
    relayed = settings.model_copy(
        update={"database_url": f"postgresql://postgres:postgres@127.0.0.1:{relay.port}{name}"}
    )
    app = create_app(relayed)
    with TestClient(app, raise_server_exceptions=False) as client:
        for role in keys:  # the connection works through the relay, and every key is checked once
            assert client.get("/v1/whoami", headers=keys[role]).status_code == 200
        assert client.get("/v1/services").status_code == 200
        relay.drop()
        failures = []
        for method, path, role, body in ROUTES:
            headers = fresh if role == "fresh" else keys.get(role or "", {})
            r = client.request(method, path, json=body, headers=headers)
            content_type = r.headers.get("content-type", "")
            ok = (
                r.status_code == 503
                and content_type.startswith("application/json")
                and r.json().get("error") == "database_unavailable"
                and "Retry-After" in r.headers
            )
            if not ok:
                failures.append((method, path, r.status_code, r.text[:200]))
        assert failures == [], "\n".join(map(str, failures))
