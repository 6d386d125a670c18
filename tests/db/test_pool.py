"""The connection pool: a connection used a moment ago is handed out as it is; one that sat idle is
pinged first, and a dead one is replaced before any request sees it."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy import text


@pytest.fixture
def pings(engine: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    counted: list[int] = []
    real = engine.dialect.do_ping

    def counting(dbapi_connection: Any) -> bool:
        counted.append(1)
        return bool(real(dbapi_connection))

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    engine.dispose()
    return counted


def _backend(engine: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar())


def test_a_connection_used_a_moment_ago_is_not_pinged(engine: Any, pings: list[int]) -> None:
    first = _backend(engine)  # a new connection: nothing to ping yet
    for _ in range(5):
        assert _backend(engine) == first
    assert pings == []


def test_an_idle_connection_is_pinged_and_a_dead_one_replaced_unseen(
    engine: Any, settings: Any, pings: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    import divert.db

    monkeypatch.setattr(divert.db, "PING_AFTER_IDLE_S", 0.0)  # every pooled connection counts as idle
    first = _backend(engine)
    assert _backend(engine) == first and len(pings) == 1  # pinged, alive, handed out
    with psycopg.connect(settings.database_url, autocommit=True) as other:  # ended while it sits idle
        other.execute("SELECT pg_terminate_backend(%s)", (first,))
    assert _backend(engine) != first  # the ping failed, so a fresh connection answered; no error seen
