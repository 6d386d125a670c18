"""Database engine and sessions: one engine per database URL, sessions opened per unit of work."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, Final

from sqlalchemy import Dialect, Engine, create_engine, event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from divert.settings import Settings, get_settings

# One engine (and connection pool) per database URL for the life of the process.
_ENGINES: dict[tuple[str, int], Engine] = {}


def get_engine(settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    key = (settings.sqlalchemy_url, settings.db_pool_size)
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = create_engine(key[0], pool_size=key[1], max_overflow=key[1] * 2)
        event.listen(engine, "handle_error", _mark_server_gone)
        event.listen(engine.pool, "checkin", _note_idle)
        event.listen(engine.pool, "checkout", partial(_ping_if_idle, engine.dialect))
    return engine


# A pooled connection is pinged before it is handed out only when it has sat idle this long: one that
# was used a moment ago is alive, and pinging it anyway (SQLAlchemy's `pool_pre_ping`) cost a round
# trip on every request, two on a match (its throttle's and its own). One that failed since is not
# handed out again: the failure invalidated it, or the whole pool (`_mark_server_gone`).
PING_AFTER_IDLE_S: Final = 1.0


def _note_idle(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect: Dialect, dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
    idle_since = record.info.get("idle_since")  # none yet on a connection just made (`info` goes with it)
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as exc:  # any failure to answer means the same: take another connection
        # The pool discards this connection and checks out another (SQLAlchemy retries a few times).
        raise DisconnectionError(f"pooled connection did not answer a ping: {exc}") from exc


# SQLSTATE classes that mean the server went away or is restarting: 08 (connection exception) and
# 57P (admin shutdown, crash shutdown, cannot connect now).
_GONE_PREFIXES = ("08", "57P")


def _mark_server_gone(context: ExceptionContext) -> None:
    """Treat a server restart as a disconnect, so the whole pool is replaced at once.

    psycopg's dialect only calls an error a disconnect when the connection object already knows it is
    broken; after a restart the other pooled connections would each fail once more before being
    replaced. Marking these errors as disconnects invalidates the pool in one go.
    """
    sqlstate = getattr(context.original_exception, "sqlstate", None) or ""
    if sqlstate.startswith(_GONE_PREFIXES):
        context.is_disconnect = True


def dispose_engines() -> None:
    """Closes every pooled connection (tests do this before dropping their database)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def ping(session: Session) -> None:
    """One round trip to the database; raises if it cannot be reached."""
    session.execute(text("SELECT 1"))


def session_factory(settings: Settings | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(settings), expire_on_commit=False)


@contextmanager
def session_scope(settings: Settings | None = None) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error."""
    session = session_factory(settings)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
