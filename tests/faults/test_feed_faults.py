"""Capacity feeds that hang, drip, or serve garbage do not stall the poller, and good feeds still land.

Real provider feeds fail in every way: a server that accepts and never answers, one that sends a
byte every half second, HTML or binary where JSON belongs, an object instead of an array, a 500.
One polling round with all of them (and one good feed) must finish within the feed timeout plus a
margin, apply the good feed, record each failure on its feed, and back the failures off.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from bench.workload import hsds_services

FEED_TIMEOUT = 2.0
BASE_TIME = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


class FeedServer(BaseHTTPRequestHandler):
    """Each path is one way a provider's feed misbehaves (or, for /good, behaves)."""

    documents: dict[str, bytes] = {}

    def do_GET(self) -> None:  # noqa: N802 (the http.server protocol's name)
        path = self.path.split("?")[0]
        if path == "/hang":
            time.sleep(FEED_TIMEOUT * 5)  # accept, then say nothing until long after the deadline
            return
        if path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            for _ in range(int(FEED_TIMEOUT * 10)):
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.5)
            return
        if path == "/error":
            self.send_response(500)
            self.end_headers()
            return
        body = self.documents.get(path, b"<html>not a feed</html>")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:  # quiet test output
        return


@pytest.fixture
def feed_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeedServer)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.faults
def test_bad_feeds_do_not_stall_a_polling_round(settings, db, make_key, feed_server) -> None:  # type: ignore[no-untyped-def]
    from api.app import create_app
    from api.capacity.feeds import poll_due_feeds

    # Loopback feeds are allowed only for this test's settings; a short timeout keeps it bounded.
    feed_settings = settings.model_copy(update={"outbound_allow_loopback": True, "feed_timeout_seconds": FEED_TIMEOUT})
    app = create_app(feed_settings)
    admin = make_key("admin")
    with TestClient(app) as client:
        response = client.post(
            "/v1/import/hsds", json=hsds_services(40, seed=31, now=BASE_TIME, prefix="fd"), headers=admin
        )
        assert response.status_code == 200, response.text
        with db() as session:
            pools = list(session.execute(text("SELECT id FROM service_capacity ORDER BY id LIMIT 2")).scalars())
        good_item = {"id": pools[0], "available": 3, "updated": (BASE_TIME + timedelta(hours=2)).isoformat()}
        FeedServer.documents = {
            "/good": json.dumps([good_item]).encode(),
            "/garbage": b"\x00\xff\xfe not json at all",
            "/object": b'{"services": 1}',
            "/mixed": json.dumps(
                [
                    {"id": pools[1], "available": "lots", "updated": "yesterday"},
                    7,
                    None,
                    {"id": "no-such-pool", "available": 1, "updated": BASE_TIME.isoformat()},
                ]
            ).encode(),
        }
        names = ("hang", "drip", "error", "garbage", "object", "mixed", "good")
        feed_ids: dict[str, str] = {}
        for name in names:
            r = client.post("/v1/feeds", json={"url": f"{feed_server}/{name}"}, headers=admin)
            assert r.status_code == 201, r.text
            feed_ids[name] = r.json()["id"]

        started = time.monotonic()
        outcomes = poll_due_feeds(feed_settings, datetime.now(UTC) + timedelta(seconds=1))
        elapsed = time.monotonic() - started
        # Feeds are polled side by side with a total deadline each: one slow feed costs one timeout.
        assert elapsed < FEED_TIMEOUT * 3 + 10, f"a polling round took {elapsed:.1f} s"
        by_feed = {o["feed_id"]: o for o in outcomes}
        assert set(by_feed) == set(feed_ids.values())
        for name in ("hang", "drip", "error", "garbage", "object"):
            assert by_feed[feed_ids[name]]["outcome"] == "failed", (name, by_feed[feed_ids[name]])
        assert by_feed[feed_ids["good"]]["outcome"] == "polled"
        assert by_feed[feed_ids["good"]]["applied"] == 1
        # A readable document with bad items is a successful poll whose items are rejected one by one.
        assert by_feed[feed_ids["mixed"]]["outcome"] == "polled"
        assert by_feed[feed_ids["mixed"]]["applied"] == 0 and by_feed[feed_ids["mixed"]]["rejected"] >= 3

        with db() as session:
            available = session.execute(
                text("SELECT available FROM service_capacity WHERE id = :i"), {"i": pools[0]}
            ).scalar_one()
            assert float(available) == 3.0
            failing = session.execute(
                text(
                    "SELECT count(*) FROM feed WHERE consecutive_failures = 1 AND last_error IS NOT NULL "
                    "AND next_poll_at > now() + interval '30 seconds'"
                )
            ).scalar_one()
            assert failing == 5, "each failed feed records its error and backs off"

        # The next round, moments later, does not hammer the failing feeds again.
        assert poll_due_feeds(feed_settings, datetime.now(UTC) + timedelta(seconds=2)) == []
        health = client.get("/v1/feeds", headers=admin)
        assert health.status_code == 200, health.text
