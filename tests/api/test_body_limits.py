"""Request bodies over their route's limit are 413 in the error shape, before the body is parsed and
before the key is checked, whether the size is declared (Content-Length) or only seen while streaming;
and a live server's memory stays flat while oversized bodies arrive."""

from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The ports this worktree's live servers may use.
LIVE_PORTS = range(8120, 8130)


def _padding(size: int) -> bytes:
    """A valid match body of about `size` bytes: thousands of short strings, heavy to parse."""
    needs = b'"food",' * (size // 7)
    return b'{"location": {"lat": 47.6, "lon": -122.3}, "needs": [' + needs + b'"food"]}'


def _chunks(body: bytes, size: int = 16 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text[:300]
    assert response.json()["error"] == "payload_too_large"


def test_each_route_family_has_its_limit(client: Any, make_key: Any) -> None:
    case_manager = make_key("case_manager")
    admin = make_key("admin")
    cases = [
        ("POST", "/v1/match", 70 * 1024, None),  # no key: the size is judged first
        ("POST", "/v1/match", 70 * 1024, case_manager),
        ("POST", "/v1/holds", 20 * 1024, case_manager),
        ("POST", "/v1/services/x/reports", 20 * 1024, None),
        ("PUT", "/v1/capacity/x", 300 * 1024, admin),
        ("POST", "/v1/capacity", 5 * 1024 * 1024, admin),
        ("POST", "/v1/feeds", 300 * 1024, admin),
    ]
    for method, path, size, headers in cases:
        body = _padding(size)
        r = client.request(method, path, content=body, headers={**(headers or {}), "Content-Type": "application/json"})
        assert_too_large(r)
        # The same body streamed without a Content-Length is cut off at the limit as well.
        r = client.request(
            method, path, content=_chunks(body), headers={**(headers or {}), "Content-Type": "application/json"}
        )
        assert_too_large(r)
    # Within the limits nothing changes: a match body of 10 KB is an ordinary request, validated
    # like any other (too many needs).
    r = client.post(
        "/v1/match", content=_padding(10 * 1024), headers={**case_manager, "Content-Type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "needs", r.text[:300]


def test_an_oversized_body_is_refused_before_the_key_is_checked(client: Any, engine: Any) -> None:
    bad_key = {"Authorization": "Bearer not-a-key", "Content-Type": "application/json"}
    assert_too_large(client.post("/v1/match", content=_padding(100 * 1024), headers=bad_key))
    with engine.connect() as conn:  # no key look-up happened: no failed check was counted
        assert conn.execute(text("SELECT count(*) FROM request_throttle")).scalar() == 0
    assert client.post("/v1/match", json={"needs": ["food"]}, headers=bad_key).status_code == 401


def test_the_import_limit_is_a_setting_and_holds_while_streaming(db: Any, settings: Any, make_key: Any) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    small = settings.model_copy(update={"import_body_limit_bytes": 64 * 1024})
    admin = {**make_key("admin"), "Content-Type": "application/json"}
    body = b"[" + b",".join([b'{"id": "s", "name": "x"}'] * 5000) + b"]"
    with TestClient(create_app(small)) as client:
        assert_too_large(client.post("/v1/import/hsds", content=body, headers=admin))
        assert_too_large(client.post("/v1/import/hsds", content=_chunks(body), headers=admin))
        assert client.post("/v1/import/hsds", json=[], headers=admin).status_code in (200, 422)


# --- a live server's memory ------------------------------------------------------------------------


def _free_live_port() -> int:
    for port in LIVE_PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port in 8120-8129 for a live server")


def _memory_kb(pid: int, field: str) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for process {pid}")


@pytest.fixture
def live_server(database_url: str, db: Any) -> Iterator[tuple[str, int]]:
    """`divert serve` in its own process on a port of this worktree; yields (base URL, pid)."""
    port = _free_live_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    divert = ROOT / ".venv" / "bin" / "divert"
    command = [str(divert)] if divert.exists() else [sys.executable, "-m", "divert.cli"]
    server = subprocess.Popen(
        [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("divert serve did not start")
            time.sleep(0.2)
        yield base, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _send_raw(port: int, head: bytes, body: Iterator[bytes]) -> int:
    """Sends a request by hand (so a server that answers early is seen); returns the status, 0 if none."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        try:
            sock.sendall(head)
            for chunk in body:
                sock.sendall(chunk)
        except OSError:
            pass  # the server answered and closed while we were still sending: expected
        try:
            answer = sock.recv(64)
        except OSError:
            return 0
    return int(answer.split()[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def test_oversized_bodies_leave_a_live_servers_memory_flat(live_server: tuple[str, int]) -> None:
    """Three 16 MB match bodies at once with no key (Content-Length declared), then one streamed
    without a Content-Length: each is 413, and the server's peak resident memory grows by less than
    40 MB (reading and parsing one such body takes hundreds of MB)."""
    base, pid = live_server
    port = int(base.rsplit(":", 1)[1])
    httpx.post(base + "/v1/match", json={"needs": ["food"]}, timeout=10)  # warm every code path once
    before = _memory_kb(pid, "VmHWM")
    body = _padding(16 * 1024 * 1024)
    declared = (
        f"POST /v1/match HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda: statuses.append(_send_raw(port, declared, _chunks(body, 1 << 20))))
        for _ in range(3)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    streamed = (
        b"POST /v1/match HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunked = (b"%x\r\n%s\r\n" % (len(c), c) for c in _chunks(body, 1 << 20))
    statuses.append(_send_raw(port, streamed, chunked))
    elapsed = time.monotonic() - started
    # The server is still answering, promptly.
    assert httpx.get(base + "/healthz", timeout=5).status_code == 200
    grown_mb = (_memory_kb(pid, "VmHWM") - before) / 1024
    print(f"statuses {statuses}, peak RSS grew {grown_mb:.1f} MB in {elapsed:.1f} s")
    assert statuses == [413, 413, 413, 413], statuses
    assert grown_mb < 40, f"peak resident memory grew by {grown_mb:.0f} MB"
