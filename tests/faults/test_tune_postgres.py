"""scripts/tune-postgres.sh (run by provision.sh): sizes a local server for the machine, keeps what an
operator chose, restarts only when a setting needs it, and changes nothing on a second run.

Run against a bare private server of this test alone (initdb into a temporary folder, its own port):
the shared cluster the rest of the suite uses is never reconfigured or restarted here.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from pg_cluster import BIN, throwaway_cluster

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "tune-postgres.sh"
SETTINGS = (
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "maintenance_work_mem",
    "random_page_cost",
    "effective_io_concurrency",
    "jit",
    "max_connections",
)


@dataclass
class BareServer:
    data: pathlib.Path
    port: int
    run_as: list[str]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def restart_command(self) -> str:
        return " ".join(
            [
                *self.run_as,
                str(BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-w",
                "-t",
                "60",
                "restart",
                "-m",
                "fast",
                "-l",
                str(self.data / "server.log"),
            ]
        )

    def shown(self) -> dict[str, str]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return {name: str(conn.execute(f"SHOW {name}").fetchone()[0]) for name in SETTINGS}  # type: ignore[index]

    def started_at(self) -> object:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0]  # type: ignore[index]

    def tune(self, **env: str) -> subprocess.CompletedProcess[str]:
        environ = dict(
            os.environ,
            PGHOST="127.0.0.1",
            PGPORT=str(self.port),
            PGUSER="postgres",
            PGDATABASE="postgres",
            DIVERT_PG_RESTART=self.restart_command(),
            **env,
        )
        return subprocess.run(["bash", str(SCRIPT)], env=environ, capture_output=True, text=True, timeout=180)


@pytest.fixture
def bare_server() -> Iterator[BareServer]:
    with throwaway_cluster("divert-tune-") as cluster:
        yield BareServer(data=cluster.data, port=cluster.port, run_as=cluster.run_as)


@pytest.mark.faults
def test_tunes_for_the_ram_keeps_the_operators_choice_and_restarts_once(bare_server: BareServer) -> None:
    # An operator's own ALTER SYSTEM (the shared cluster here has one for max_connections): kept.
    with psycopg.connect(bare_server.url, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET max_connections = 40")
        conn.execute("ALTER SYSTEM SET work_mem = '8MB'")
    bare_server.tune(DIVERT_TUNE_POSTGRES="0")  # the opt-out changes nothing, restarts nothing
    assert bare_server.shown()["shared_buffers"] == "32MB"
    before = bare_server.started_at()

    first = bare_server.tune(DIVERT_TUNE_RAM_MB="1024")
    assert first.returncode == 0, first.stderr
    shown = bare_server.shown()
    # 1 GB of RAM: a quarter for shared_buffers, three quarters for effective_cache_size.
    assert shown == {
        "shared_buffers": "256MB",
        "effective_cache_size": "768MB",
        "work_mem": "8MB",
        "maintenance_work_mem": "512MB",
        "random_page_cost": "1.1",
        "effective_io_concurrency": "200",
        "jit": "off",
        "max_connections": "40",
    }
    restarted = bare_server.started_at()
    assert restarted != before, "shared_buffers needs a restart, and none happened"

    again = bare_server.tune(DIVERT_TUNE_RAM_MB="1024")
    assert again.returncode == 0, again.stderr
    assert bare_server.started_at() == restarted, "a second run restarted the server"
    assert bare_server.shown() == shown
    assert "nothing to change" in again.stderr


@pytest.mark.faults
def test_reload_only_settings_are_applied_without_a_restart(bare_server: BareServer) -> None:
    with psycopg.connect(bare_server.url, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET shared_buffers = '32MB'")  # chosen already: no restart needed
    before = bare_server.started_at()
    done = bare_server.tune(DIVERT_TUNE_RAM_MB="2048")
    assert done.returncode == 0, done.stderr
    shown = bare_server.shown()
    assert (shown["jit"], shown["random_page_cost"], shown["effective_cache_size"]) == ("off", "1.1", "1536MB")
    assert shown["shared_buffers"] == "32MB"
    assert bare_server.started_at() == before
    assert "no restart needed" in done.stderr


@pytest.mark.faults
def test_print_says_what_it_would_do_and_caps_shared_buffers(bare_server: BareServer) -> None:
    shown = bare_server.shown()
    printed = bare_server.tune(DIVERT_TUNE_POSTGRES="print", DIVERT_TUNE_RAM_MB="65536")
    assert printed.returncode == 0, printed.stderr
    assert "ALTER SYSTEM SET shared_buffers = '8192MB';" in printed.stdout  # capped at 8 GB
    assert "ALTER SYSTEM SET effective_cache_size = '49152MB';" in printed.stdout
    assert "ALTER SYSTEM SET jit = 'off';" in printed.stdout
    assert bare_server.shown() == shown
    assert bare_server.tune(DIVERT_TUNE_POSTGRES="yes").returncode == 2


@pytest.mark.faults
def test_provision_leaves_a_database_url_server_alone() -> None:
    # print mode changes nothing even if the guard were gone; the guard is what is checked here.
    env = dict(os.environ, DATABASE_URL="postgresql://nobody@127.0.0.1:1/none", DIVERT_TUNE_POSTGRES="print")
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "provision.sh")], env=env, capture_output=True, text=True, timeout=600, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert "DATABASE_URL is set" in done.stderr
    assert "tune-postgres" not in done.stderr + done.stdout
