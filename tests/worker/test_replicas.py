"""Two workers and two API processes on one database: every feed is polled once per interval and
every hold expired once; the API processes schedule nothing.

Real processes (`divert serve --workers 2`, `divert worker` twice), a loopback feed server that
counts requests, short intervals from the settings, and a trigger that records which worker expired
each hold. The feed server answers slowly on purpose: were a job's lock not held for its whole run,
both workers would find the same feed due while the first poll is still waiting, and poll it twice.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import psycopg
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DIVERT = ROOT / ".venv" / "bin" / "divert"
ORG = "org-replicas"
FEEDS = 3
FEED_INTERVAL = 2  # seconds, set in the database below the API's minimum so the test stays short
FEED_DELAY = 0.4  # seconds each feed answer takes: longer than a worker's tick
HOLDS = 6
RUN_SECONDS = 9.0


def _command(*args: str) -> list[str]:
    return [str(DIVERT), *args] if DIVERT.exists() else [sys.executable, "-m", "cli", *args]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class CountingFeed(BaseHTTPRequestHandler):
    arrivals: dict[str, list[float]]
    lock: threading.Lock

    def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
        with self.lock:
            self.arrivals.setdefault(self.path, []).append(time.monotonic())
        time.sleep(FEED_DELAY)
        payload = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def feed_server() -> Iterator[tuple[str, dict[str, list[float]]]]:
    arrivals: dict[str, list[float]] = {}
    handler = type("Handler", (CountingFeed,), {"arrivals": arrivals, "lock": threading.Lock()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", arrivals
    server.shutdown()
    server.server_close()


def _children(pid: int) -> list[int]:
    found = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _api_processes(supervisor: int) -> list[int]:
    """uvicorn's worker processes under its supervisor (not multiprocessing's resource tracker)."""
    return [p for p in _children(supervisor) if b"spawn_main" in pathlib.Path(f"/proc/{p}/cmdline").read_bytes()]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _with_app_name(url: str, name: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


def test_two_workers_and_two_api_processes(database_url, db, make_key, feed_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    base_feed, arrivals = feed_server
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        DIVERT_FEED_ALLOW_PRIVATE="true",
        DIVERT_FEED_TIMEOUT="5",
        DIVERT_FEED_POLL_SECONDS="0.25",
        DIVERT_HOLD_EXPIRY_SECONDS="0.5",
        DIVERT_SEARCH_SYNC_SECONDS="5",
        DIVERT_KEY_CACHE_SECONDS="0",
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO organization (id, name) VALUES (%s, 'Replicas')", (ORG,))
        conn.execute("INSERT INTO unit (id, name) VALUES ('bed', 'Bed') ON CONFLICT DO NOTHING")
        conn.execute(
            "INSERT INTO service (id, organization_id, name, status) VALUES ('svc-rep', %s, 'Shelter', 'active')",
            (ORG,),
        )
        conn.execute(
            "INSERT INTO service_capacity (id, service_id, unit_id, available, maximum, waitlist, "
            "updated, reserved_for) VALUES ('cap-rep', 'svc-rep', 'bed', 20, 20, 0, now(), '{}')"
        )
        # Who expired which hold: one row per transition to `expired`, with the worker's name.
        conn.execute("CREATE TABLE test_hold_expiry (hold_id text, worker text)")
        conn.execute("""
            CREATE FUNCTION test_record_expiry() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO test_hold_expiry VALUES (NEW.id, current_setting('application_name'));
            RETURN NEW; END $$""")
        conn.execute(
            "CREATE TRIGGER test_record_expiry AFTER UPDATE ON hold FOR EACH ROW "
            "WHEN (OLD.state = 'active' AND NEW.state = 'expired') EXECUTE FUNCTION test_record_expiry()"
        )
    provider, case_manager = make_key("provider", org=ORG), make_key("case_manager")

    port = _free_port()
    api_log = (tmp_path / "api.log").open("wb")
    api = subprocess.Popen(
        _command("serve", "--port", str(port), "--workers", "2"),
        env=env,
        cwd=ROOT,
        stdout=api_log,
        stderr=subprocess.STDOUT,
    )
    workers: list[subprocess.Popen[bytes]] = []
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        with httpx.Client(base_url=base, timeout=10) as client:
            while True:
                try:
                    if client.get("/v1/").status_code == 200 and len(_api_processes(api.pid)) == 2:
                        break
                except httpx.TransportError:
                    pass
                assert api.poll() is None, (tmp_path / "api.log").read_text()
                assert time.monotonic() < deadline, "the API did not start"
                time.sleep(0.2)
            # Two API processes serve the port (uvicorn's supervisor and its two workers).
            assert len(_api_processes(api.pid)) == 2

            feed_ids = []
            for i in range(FEEDS):
                r = client.post(
                    "/v1/feeds", json={"url": f"{base_feed}/feed/{i}", "organization_id": ORG}, headers=provider
                )
                assert r.status_code == 201, r.text
                feed_ids.append(r.json()["id"])
            hold_ids = []
            for _ in range(HOLDS):
                r = client.post("/v1/holds", json={"capacity_id": "cap-rep", "minutes": 5}, headers=case_manager)
                assert r.status_code == 201, r.text
                hold_ids.append(r.json()["hold_id"])
            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute("UPDATE feed SET interval_seconds = %s, next_poll_at = now()", (FEED_INTERVAL,))
                # The holds run out one after another while both workers run.
                for i, hold_id in enumerate(hold_ids):
                    conn.execute(
                        "UPDATE hold SET expires_at = now() + make_interval(secs => %s) WHERE id = %s", (1 + i, hold_id)
                    )

            # The API processes schedule nothing: due feeds stay unpolled, past holds stay active.
            time.sleep(2.5)
            assert arrivals == {}

            for name in ("worker-a", "worker-b"):
                log = (tmp_path / f"{name}.log").open("wb")
                workers.append(
                    subprocess.Popen(
                        _command("worker"),
                        env=dict(env, DATABASE_URL=_with_app_name(database_url, name)),
                        cwd=ROOT,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            # Counted from the first poll: starting a worker process takes a while on a busy machine.
            deadline = time.monotonic() + 60
            while not arrivals:
                assert time.monotonic() < deadline, "no worker polled"
                time.sleep(0.05)
            started = time.monotonic()
            while time.monotonic() - started < RUN_SECONDS:
                # The API keeps answering while the workers work.
                assert client.get(f"/v1/holds/{hold_ids[0]}", headers=case_manager).status_code == 200
                time.sleep(0.5)
            for worker in workers:
                assert worker.poll() is None, "a worker died"
                _stop(worker)
            ran_for = time.monotonic() - started
            states = {h: client.get(f"/v1/holds/{h}", headers=case_manager).json()["state"] for h in hold_ids}
    finally:
        for worker in workers:
            _stop(worker)
        _stop(api)
        api_log.close()
        with psycopg.connect(database_url, autocommit=True) as conn:
            expiries = conn.execute("SELECT hold_id, worker FROM test_hold_expiry").fetchall()
            ended = conn.execute("SELECT count(*) FROM hold WHERE ended_at = expires_at").fetchone()
            conn.execute("DROP TRIGGER test_record_expiry ON hold")
            conn.execute("DROP FUNCTION test_record_expiry()")
            conn.execute("DROP TABLE test_hold_expiry")

    logs = {name: (tmp_path / f"{name}.log").read_text() for name in ("worker-a", "worker-b")}
    for name, text in logs.items():
        assert "worker started" in text and "Traceback" not in text, f"{name}:\n{text}"
    assert "Traceback" not in (tmp_path / "api.log").read_text()

    # Every feed was polled, never twice within one interval, and no more often than its interval allows.
    assert sorted(arrivals) == [f"/feed/{i}" for i in range(FEEDS)]
    for path, times in arrivals.items():
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert len(times) >= 3, (path, times)
        # A second poll of the same due feed lands while the first is in flight (within FEED_DELAY);
        # a poll a round started late (a busy machine) shortens the next gap by that lateness only.
        assert min(gaps) > FEED_INTERVAL / 2, f"{path} polled twice in one interval: gaps {gaps}"
        assert len(times) <= ran_for / FEED_INTERVAL + 1, (path, len(times), ran_for)

    # Every hold expired, each exactly once, by one worker or the other.
    assert set(states.values()) == {"expired"}
    assert sorted(h for h, _ in expiries) == sorted(hold_ids)
    assert {w for _, w in expiries} <= {"worker-a", "worker-b"}
    assert ended == (HOLDS,)
    print(
        json.dumps(
            {
                "polls": {p: len(t) for p, t in arrivals.items()},
                "ran_for": round(ran_for, 1),
                "expired_by": sorted(w for _, w in expiries),
                "at": datetime.now(UTC).isoformat(),
            }
        )
    )
