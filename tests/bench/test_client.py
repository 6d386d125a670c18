"""The benchmark's HTTP client (bench/client.py) against a loopback server that says what it got."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bench.client import Client, ClientError


class Echo(BaseHTTPRequestHandler):
    """Answers every request with what it received; `/drop` answers, then silently closes the
    kept-alive connection (as uvicorn does to an idle one); `/never` closes without answering."""

    protocol_version = "HTTP/1.1"
    connections: list[int] = []

    def log_message(self, *_: Any) -> None:
        pass

    def _answer(self) -> None:
        if self.path == "/never":
            self.close_connection = True
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        Echo.connections.append(id(self.connection))
        seen = {
            "method": self.command,
            "path": self.path,
            "type": self.headers.get("Content-Type"),
            "auth": self.headers.get("Authorization"),
            "body": body.decode(),
        }
        data = json.dumps(seen).encode()
        self.send_response(201 if self.command == "PUT" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Server-Timing", "app;dur=1.5")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        if self.path == "/drop":
            self.close_connection = True

    do_GET = do_POST = do_PUT = _answer


@pytest.fixture
def server() -> Iterator[str]:
    Echo.connections = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_sends_what_it_is_given_and_reads_the_answer(server: str) -> None:
    with Client(server) as client:
        got = client.get(
            "/v1/x", params={"search": "food bank", "lat": 47.5, "n": [1, 2]}, headers={"Authorization": "Bearer k"}
        )
        assert got.status_code == 200
        assert got.json() == {
            "method": "GET",
            "path": "/v1/x?search=food+bank&lat=47.5&n=1&n=2",
            "type": None,
            "auth": "Bearer k",
            "body": "",
        }
        assert got.headers.get("server-timing") == "app;dur=1.5"  # header names in any case
        sent = {"needs": ["shelter"], "at": None, "radius_km": 2.5}
        posted = client.post("/v1/match", json=sent).json()
        assert (posted["method"], posted["type"], json.loads(posted["body"])) == ("POST", "application/json", sent)
        put = client.put("/v1/capacity/a", json={"available": 1})
        assert put.status_code == 201 and json.loads(put.json()["body"]) == {"available": 1}
    # One kept-alive connection served all three.
    assert len(set(Echo.connections)) == 1


def test_a_connection_the_server_closed_while_idle_is_replaced(server: str) -> None:
    with Client(server) as client:
        assert client.get("/drop").status_code == 200
        assert client.get("/after").json()["path"] == "/after"
    assert len(set(Echo.connections)) == 2


def test_a_server_that_never_answers_is_an_error_not_a_retry_loop(server: str) -> None:
    with Client(server, timeout=5) as client, pytest.raises(ClientError):
        client.get("/never")


def test_only_plain_http_to_a_host() -> None:
    with pytest.raises(ValueError):
        Client("https://127.0.0.1:1")
