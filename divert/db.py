"""Database engine and sessions: one engine per database URL, sessions opened per unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from divert.settings import Settings, get_settings

# One engine (and connection pool) per database URL for the life of the process.
_ENGINES: dict[tuple[str, int], Engine] = {}


def get_engine(settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    key = (settings.sqlalchemy_url, settings.db_pool_size)
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = create_engine(key[0], pool_size=key[1], max_overflow=key[1] * 2,
                                               pool_pre_ping=True)
    return engine


def dispose_engines() -> None:
    """Closes every pooled connection (tests do this before dropping their database)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


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
