"""Test fixtures over a real PostgreSQL + PostGIS.

Each pytest run gets its own database, cloned from a migrated template (rebuilt whenever a migration
changes), so several runs can go at once on one server. Tests that touch the database ask for `db`,
which empties every table first; `client` is the real app over httpx (FastAPI's TestClient).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pathlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = pathlib.Path(__file__).resolve().parent / "data"

SERVER_URL = os.environ.get("DIVERT_TEST_SERVER", "postgresql://postgres:postgres@127.0.0.1:5432")
ADMIN_URL = SERVER_URL + "/postgres"


def _migrations_digest() -> str:
    h = hashlib.sha1()
    for p in sorted((ROOT / "migrations").rglob("*.py")) + [ROOT / "catalog" / "tables.py"]:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:10]


def _admin() -> psycopg.Connection:
    return psycopg.connect(ADMIN_URL, autocommit=True)


def _ensure_template(conn: psycopg.Connection) -> str:
    """A migrated template database for this schema version; the caller holds the template lock."""
    name = f"divert_tpl_{_migrations_digest()}"
    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if not exists:
        building = name + "_building"
        conn.execute(f'DROP DATABASE IF EXISTS "{building}"')
        conn.execute(f'CREATE DATABASE "{building}"')
        env = dict(os.environ, DATABASE_URL=f"{SERVER_URL}/{building}")
        import subprocess

        # The interpreter's own bin/divert: also right in a copy of the tree (mutmut's mutants/).
        divert = pathlib.Path(sys.executable).parent / "divert"
        subprocess.run([str(divert) if divert.exists() else "divert", "db", "upgrade"], env=env, check=True, cwd=ROOT)
        conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        # Old templates of earlier schema versions are dropped so they don't pile up.
        for (old,) in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'divert_tpl_%%' AND datname <> %s", (name,)
        ).fetchall():
            # Another run may still be cloning from an old template; leave it for later.
            with contextlib.suppress(psycopg.Error):
                conn.execute(f'DROP DATABASE IF EXISTS "{old}"')
    return name


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    name = f"divert_test_{os.getpid()}"
    with _admin() as conn:
        # Built (if missing) and cloned under one hold of the template lock: a concurrent run on
        # another schema version (another checkout) drops old templates only while holding it, so
        # ours cannot vanish between being built and being cloned.
        conn.execute("SELECT pg_advisory_lock(4242)")
        try:
            template = _ensure_template(conn)
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            conn.execute("SELECT pg_advisory_unlock(4242)")
        # Tests need no durability across a crash: skip the per-commit disk sync in this database only.
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    url = f"{SERVER_URL}/{name}"
    old = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    from divert.settings import get_settings

    get_settings.cache_clear()
    yield url
    if old is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = old
    get_settings.cache_clear()
    from divert.db import dispose_engines

    dispose_engines()
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def settings(database_url: str):  # type: ignore[no-untyped-def]
    from divert.settings import Settings

    return Settings(DATABASE_URL=database_url)


@pytest.fixture(scope="session")
def engine(settings):  # type: ignore[no-untyped-def]
    from divert.db import get_engine

    return get_engine(settings)


_TABLES_SQL = """
SELECT array_agg(format('%I', tablename)) FROM pg_tables
WHERE schemaname = 'public' AND tablename NOT IN ('alembic_version', 'spatial_ref_sys')
"""


@pytest.fixture
def db(engine):  # type: ignore[no-untyped-def]
    """An empty catalog: every table emptied before the test.

    DELETE with foreign-key triggers off is much faster than TRUNCATE on tables this small
    (TRUNCATE makes new files and syncs them, ~1 s for the whole schema).
    """
    with engine.begin() as conn:
        tables = conn.execute(text(_TABLES_SQL)).scalar() or []
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("; ".join(f"DELETE FROM {t}" for t in tables)))
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(bind=engine, expire_on_commit=False)


@pytest.fixture
def app(db, settings):  # type: ignore[no-untyped-def]
    from api.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture
def make_key(db) -> Callable[..., dict[str, str]]:  # type: ignore[no-untyped-def]
    """make_key(role, org=None, program=None) -> Authorization headers for a new key."""
    from api.auth.keys import create_key

    def make(role: str, org: str | None = None, program: str | None = None) -> dict[str, str]:
        with db() as session:
            token = create_key(session, role, organization_id=org, program=program, name=f"test-{role}")
            session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def admin_headers(make_key) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return make_key("admin")


@pytest.fixture
def import_catalog(client, admin_headers) -> Callable[[Any], dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Imports HSDS services through the real API and returns its summary (fails the test on error)."""

    def do(services: Any) -> dict[str, Any]:
        r = client.post("/v1/import/hsds", json=services, headers=admin_headers)
        assert r.status_code == 200, r.text
        return r.json()

    return do


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Fault tests (they restart the PostgreSQL server) run last, so nothing else runs across a restart."""
    items.sort(key=lambda item: item.get_closest_marker("faults") is not None)
