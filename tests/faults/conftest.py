"""Fault-test fixtures: a private, throwaway PostgreSQL server that a test may restart, and a hook that
holds a write at a known point so the restart lands in the middle of it.

Nothing here touches the shared cluster the rest of the suite uses: `private_postgres` runs initdb
into a temporary folder, starts its own postmaster on a free loopback port, creates PostGIS and
migrates, and stops and deletes it all when the test ends. Retries here do not lean on
tests/conftest.py: they poll the server directly with psycopg.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
import pytest
from pg_cluster import BIN, throwaway_cluster

RECOVERY_SECONDS = 60.0
ROOT = pathlib.Path(__file__).resolve().parents[2]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: restarts or starves infrastructure (short, bounded)")


def wait_for_postgres(url: str, timeout: float = RECOVERY_SECONDS) -> float:
    """Seconds until `url` accepts a query again; fails the test past `timeout`."""
    start = time.monotonic()
    last: Exception | None = None
    while time.monotonic() - start < timeout:
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return time.monotonic() - start
        except psycopg.Error as exc:
            last = exc
            time.sleep(0.2)
    pytest.fail(f"PostgreSQL did not come back within {timeout:g} s: {last}")


# A row trigger that, on the `target`-th row it sees, sleeps: the writing transaction stops there,
# rows before it written but not committed, until the restart ends it. The counter is a sequence, so
# it advances outside any transaction and the test can read where the write stood.
_FAULT_HOOK = """
CREATE SEQUENCE fault_rows;
CREATE TABLE fault_hook (target bigint NOT NULL, seconds float8 NOT NULL);
CREATE FUNCTION fault_hold() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    hook fault_hook%ROWTYPE;
BEGIN
    SELECT * INTO hook FROM fault_hook LIMIT 1;
    IF FOUND AND nextval('fault_rows') = hook.target THEN
        PERFORM pg_sleep(hook.seconds);
    END IF;
    RETURN NEW;
END $$;
"""


@dataclass
class PrivatePostgres:
    """A PostgreSQL server of this test alone."""

    data: pathlib.Path
    port: int
    run_as: list[str]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/divert"

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.run_as, str(BIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def restart(self) -> float:
        """Restart the server (fast: open transactions are rolled back); seconds until it answers."""
        self.pg_ctl("restart", "-m", "fast", "-l", str(self.data / "server.log"))
        return wait_for_postgres(self.url)

    def hold_writes(self, table: str, where: str, target: int, seconds: float = 60.0) -> None:
        """Make the `target`-th row written to `table` that satisfies `where` (SQL over NEW) stop there."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("DELETE FROM fault_hook")
            conn.execute("INSERT INTO fault_hook VALUES (%s, %s)", (target, seconds))
            conn.execute(
                f"CREATE TRIGGER fault_hold BEFORE INSERT ON {table} FOR EACH ROW "
                f"WHEN ({where}) EXECUTE FUNCTION fault_hold()"
            )

    def held_write(self, timeout: float = 60.0) -> tuple[int, str]:
        """Wait until a write sits in the hook; (its backend pid, its statement)."""
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                row = conn.execute(
                    "SELECT pid, query FROM pg_stat_activity WHERE wait_event = 'PgSleep' "
                    "AND datname = 'divert' AND state = 'active'"
                ).fetchone()
                if row:
                    return int(row[0]), str(row[1])
                time.sleep(0.05)
        pytest.fail("no write reached the fault hook")

    def rows_seen(self) -> int:
        """How many matching rows the hook has counted (sequence: uncommitted rows included)."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute("SELECT last_value, is_called FROM fault_rows").fetchone()
            assert row is not None
            return int(row[0]) if row[1] else 0


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A throwaway PostgreSQL + PostGIS server, migrated, on a free loopback port; gone afterwards."""
    if shutil.which("divert", path=str(ROOT / ".venv" / "bin")) is None:
        pytest.skip("no .venv/bin/divert to migrate with")
    with throwaway_cluster("divert-faults-") as cluster:
        server = PrivatePostgres(data=cluster.data, port=cluster.port, run_as=cluster.run_as)
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{server.port}/postgres", autocommit=True) as c:
            c.execute("CREATE DATABASE divert")
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        env = dict(os.environ, DATABASE_URL=server.url)
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "divert"), "db", "upgrade"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=300,
        )
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute(_FAULT_HOOK)
        yield server


@pytest.fixture
def private_app(private_postgres: PrivatePostgres) -> Iterator[tuple[object, Callable[..., object]]]:
    """The real app over the private server, and a sessionmaker for the test's own reads and keys."""
    from sqlalchemy.orm import sessionmaker

    from api.app import create_app
    from divert.db import get_engine
    from divert.settings import Settings

    settings = Settings(DATABASE_URL=private_postgres.url, DIVERT_SCHEDULER=False)
    engine = get_engine(settings)
    yield create_app(settings), sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()
    from divert import db

    db._ENGINES.pop((settings.sqlalchemy_url, settings.db_pool_size), None)
