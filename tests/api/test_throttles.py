"""Throttles (CONTRACT §2): past its limit a key or address gets 429 with `Retry-After`; the counts live
in PostgreSQL, so two API replicas share them. Limits are settings; the tests lower them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

MATCH = {"location": {"lat": 47.6, "lon": -122.3}, "needs": ["food"]}


@pytest.fixture
def replicas(db: Any, settings: Any) -> Callable[..., list[TestClient]]:
    """replicas(n, **limits) -> n clients, each over its own app (as N API processes would be)."""
    from api.app import create_app

    opened: list[TestClient] = []

    def make(n: int = 1, address: str = "203.0.113.7", **limits: Any) -> list[TestClient]:
        tuned = settings.model_copy(update=limits)
        for _ in range(n):
            client = TestClient(create_app(tuned), client=(address, 40000))
            client.__enter__()
            opened.append(client)
        return opened[-n:]

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def assert_throttled(response: Any) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"] == "too_many_requests"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_failed_key_checks_are_throttled_per_address_across_replicas(replicas: Any, make_key: Any, engine: Any) -> None:
    first, second = replicas(2, failed_auth_per_address=4)
    good = make_key("case_manager")
    for client in (first, second, first, second):  # four guesses, spread over two replicas
        assert client.get("/v1/whoami", headers={"Authorization": "Bearer guess"}).status_code == 401
    assert_throttled(second.get("/v1/whoami", headers={"Authorization": "Bearer guess-5"}))
    # While throttled, the address learns nothing from a key it has not already proven: a right
    # guess answers exactly like a wrong one.
    assert_throttled(first.get("/v1/whoami", headers=good))
    # Another address is not affected, and no address is stored, only a digest.
    [other] = replicas(1, address="198.51.100.9", failed_auth_per_address=4)
    assert other.get("/v1/whoami", headers=good).status_code == 200
    with engine.connect() as conn:
        buckets = conn.execute(text("SELECT bucket FROM request_throttle")).scalars().all()
    assert buckets and not any("203.0.113.7" in b or "198.51.100.9" in b for b in buckets)


def test_anonymous_listing_reports_are_throttled_per_address(replicas: Any, db: Any, make_key: Any) -> None:
    from catalog.tables import Organization, Service

    with db() as session:
        session.add(Organization(id="o", name="O"))
        session.flush()
        session.add(Service(id="s", organization_id="o", name="S"))
        session.commit()
    [client] = replicas(1, anonymous_writes_per_address=3)
    for _ in range(3):
        assert client.post("/v1/services/s/reports", json={"message": "phone is wrong"}).status_code == 201
    assert_throttled(client.post("/v1/services/s/reports", json={"message": "phone is wrong"}))
    # A keyed caller is not an anonymous writer.
    assert client.post("/v1/services/s/reports", json={"message": "x"}, headers=make_key("operator")).status_code == 201


def test_matches_are_throttled_per_key(replicas: Any, make_key: Any) -> None:
    first, second = replicas(2, matches_per_key=3)
    key, other_key = make_key("case_manager"), make_key("operator")
    for client in (first, second, first):
        assert client.post("/v1/match", json=MATCH, headers=key).status_code == 200
    assert_throttled(second.post("/v1/match", json=MATCH, headers=key))
    assert first.post("/v1/match", json=MATCH, headers=other_key).status_code == 200


def test_a_match_is_counted_before_its_body_is_judged(replicas: Any, make_key: Any) -> None:
    """A flood of bad bodies is throttled like good ones: the count comes first (as it did when it was
    a dependency), and a throttled key learns nothing about its body."""
    [client] = replicas(1, matches_per_key=2)
    key = make_key("case_manager")
    for bad in ({"needs": ["food"]}, [1, 2]):
        assert client.post("/v1/match", json=bad, headers=key).status_code == 422
    assert_throttled(client.post("/v1/match", json=MATCH, headers=key))
    assert_throttled(client.post("/v1/match", json={"needs": []}, headers=key))


def test_hold_requests_are_throttled_per_key(replicas: Any, make_key: Any) -> None:
    [client] = replicas(1, hold_requests_per_key=2)
    key = make_key("case_manager")
    for _ in range(2):
        assert client.post("/v1/holds", json={"capacity_id": "none"}, headers=key).status_code == 404
    assert_throttled(client.post("/v1/holds", json={"capacity_id": "none"}, headers=key))


def test_one_key_keeps_at_most_ten_active_holds(client: Any, db: Any, make_key: Any) -> None:
    """CONTRACT §2.4: DIVERT_MAX_ACTIVE_HOLDS (default 10); one key cannot hold a whole pool."""
    from datetime import UTC, datetime

    from catalog.tables import Organization, Service, ServiceCapacity, Unit

    with db() as session:
        session.add_all([Organization(id="o", name="O"), Unit(id="bed", name="Bed")])
        session.flush()
        session.add(Service(id="s", organization_id="o", name="S"))
        session.flush()
        session.add(
            ServiceCapacity(
                id="cap", service_id="s", unit_id="bed", available=40, maximum=40, updated=datetime.now(UTC)
            )
        )
        session.commit()
    key, colleague = make_key("case_manager"), make_key("case_manager")
    held = [client.post("/v1/holds", json={"capacity_id": "cap"}, headers=key) for _ in range(10)]
    assert [r.status_code for r in held] == [201] * 10
    assert_throttled(client.post("/v1/holds", json={"capacity_id": "cap"}, headers=key))
    # Another key may still hold; releasing one of the ten lets the first key hold again.
    assert client.post("/v1/holds", json={"capacity_id": "cap"}, headers=colleague).status_code == 201
    assert client.delete(f"/v1/holds/{held[0].json()['hold_id']}", headers=key).status_code == 200
    assert client.post("/v1/holds", json={"capacity_id": "cap"}, headers=key).status_code == 201


@pytest.mark.parametrize("minutes", [4, 241, 1440])
def test_hold_minutes_are_5_to_240(client: Any, make_key: Any, minutes: int) -> None:
    r = client.post("/v1/holds", json={"capacity_id": "cap", "minutes": minutes}, headers=make_key("case_manager"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "minutes"


def test_a_counted_hit_leaves_its_pooled_connection_as_it_found_it(db: Any, settings: Any, engine: Any) -> None:
    """The match throttle's upsert runs in autocommit without waiting for the WAL flush (a lost count
    costs nothing). Neither may reach the next user of the pooled connection: a capacity report's
    commit must still wait for the flush, and a session must still get a transaction."""
    from api import throttle

    engine.dispose()  # then one pooled connection: every checkout below is the same one
    with engine.connect() as conn:
        # The test databases flush lazily (conftest); a server's default waits, as this connection now does.
        conn.execute(text("SET synchronous_commit TO on"))
        backend = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        conn.commit()
    for _ in range(3):
        throttle.hit(settings, "match", "key:leak-check", 10)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == backend
        assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
        assert conn.connection.dbapi_connection.autocommit is False
        conn.execute(text("INSERT INTO request_throttle (bucket, window_start, hits) VALUES ('x', now(), 1)"))
        conn.rollback()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM request_throttle WHERE bucket = 'x'")).scalar() == 0
        counted = throttle.bucket("match", "key:leak-check")
        hits = conn.execute(text("SELECT hits FROM request_throttle WHERE bucket = :b"), {"b": counted}).scalar()
    assert hits == 3
