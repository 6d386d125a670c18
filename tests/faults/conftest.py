"""Fault-test fixtures: restarting the local PostgreSQL cluster, and waiting for it, with own retries.

The restart is of the shared local cluster (`pg_ctlcluster 15 main restart`), so these tests are
short and marked `faults`; whatever happens, the cluster is started again before the test ends.
Retries here do not lean on tests/conftest.py: they poll the server directly with psycopg.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest

CLUSTER = ("15", "main")
RECOVERY_SECONDS = 60.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: restarts or starves shared infrastructure (short, bounded)")


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


def _cluster_command(action: str) -> list[str]:
    return ["pg_ctlcluster", *CLUSTER, action]


def _can_restart() -> str | None:
    """Why the local cluster cannot be restarted here, or None when it can."""
    if os.environ.get("DIVERT_TEST_SERVER"):
        return "DIVERT_TEST_SERVER points at another server: not restarting it"
    if shutil.which("pg_ctlcluster") is None:
        return "pg_ctlcluster is not installed (no local Debian PostgreSQL cluster)"
    if os.geteuid() != 0:
        return "restarting the cluster needs root"
    return None


@pytest.fixture
def restart_postgres(database_url: str) -> Iterator[Callable[[], float]]:
    """restart_postgres() restarts the cluster and returns the seconds it took to answer again."""
    reason = _can_restart()
    if reason:
        pytest.skip(reason)

    def restart() -> float:
        subprocess.run(_cluster_command("restart"), check=True, capture_output=True, timeout=120)
        return wait_for_postgres(database_url)

    try:
        yield restart
    finally:
        # Whatever the test did, leave the shared cluster running.
        if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode:
            subprocess.run(_cluster_command("start"), check=False, capture_output=True, timeout=120)
            wait_for_postgres(database_url)
