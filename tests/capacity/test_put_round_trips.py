"""A single PUT /v1/capacity/{id} is two statements (lock with the access check, then the report applied
with the pool's new state in the same statement), and its answer is exactly what a read shows next."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from capacity_factories import hours_ago, report
from sqlalchemy import event


@pytest.fixture
def statements(engine) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split())[:80])

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _same_as_read(client, keys, put_body: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    read = client.get("/v1/capacity/cap-1", headers=keys["provider_a"])
    assert read.status_code == 200
    # The answer's pool is the stored pool, field for field (status, open units, holds, ETag).
    assert put_body["capacity"] == read.json()
    assert put_body["etag"] == read.headers["ETag"]


def test_a_put_is_two_statements(client, make_pool, keys, statements):  # type: ignore[no-untyped-def]
    make_pool("cap-1", available=3, maximum=10, updated=hours_ago(3))
    client.get("/v1/capacity/cap-1", headers=keys["provider_a"])  # the key is looked up and cached
    statements.clear()
    put = client.put("/v1/capacity/cap-1", json=report(2, hours_ago(1)), headers=keys["provider_a"])
    assert put.status_code == 200 and put.json()["applied"] is True
    assert len(statements) == 2, statements
    assert "FOR UPDATE" not in statements[1]  # the lock was taken once, by the first


def test_the_answer_is_the_pool_after_the_report(client, make_pool, keys):  # type: ignore[no-untyped-def]
    make_pool("cap-1", available=3, maximum=10, waitlist=2, updated=hours_ago(3))
    # Applied, maximum and waitlist left out (kept as stored).
    applied = client.put("/v1/capacity/cap-1", json=report(4, hours_ago(2)), headers=keys["provider_a"])
    assert applied.status_code == 200 and applied.json()["applied"] is True
    assert applied.json()["capacity"]["available"] == 4 and applied.json()["capacity"]["maximum"] == 10
    assert applied.json()["capacity"]["waitlist"] == 2
    _same_as_read(client, keys, applied.json())
    # Applied, maximum and waitlist sent.
    grown = client.put(
        "/v1/capacity/cap-1", json=report(12, hours_ago(1.5), maximum=15, waitlist=0), headers=keys["provider_a"]
    )
    assert grown.status_code == 200 and grown.json()["capacity"]["maximum"] == 15
    _same_as_read(client, keys, grown.json())
    # Older than the stored report: not applied, and the answer shows the stored pool.
    older = client.put("/v1/capacity/cap-1", json=report(1, hours_ago(2.5)), headers=keys["provider_a"])
    assert older.status_code == 200 and older.json()["applied"] is False
    assert older.json()["reason"] == "older_than_current"
    assert older.json()["capacity"]["available"] == 12
    _same_as_read(client, keys, older.json())


def test_the_answer_counts_the_active_holds(client, make_pool, keys):  # type: ignore[no-untyped-def]
    make_pool("cap-1", available=3, maximum=10, updated=hours_ago(3))
    held = client.post("/v1/holds", json={"capacity_id": "cap-1", "minutes": 30}, headers=keys["case_manager"])
    assert held.status_code == 201, held.text
    put = client.put("/v1/capacity/cap-1", json=report(2, hours_ago(1)), headers=keys["provider_a"])
    assert put.status_code == 200
    assert put.json()["capacity"]["active_holds"] == 1 and put.json()["capacity"]["open_units"] == 1
    _same_as_read(client, keys, put.json())
