"""bench/cpu.py reads each process's CPU time from /proc; checked against the OS's own accounting."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bench import cpu

pytestmark = pytest.mark.skipif(not cpu.available(), reason="needs /proc (Linux)")


def _burn(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_own_cpu_time_agrees_with_the_os() -> None:
    _burn(0.3)
    times = os.times()
    assert cpu.cpu_seconds([os.getpid()]) == pytest.approx(times.user + times.system, abs=0.05)


def test_a_child_is_found_in_the_family_and_its_cpu_counted() -> None:
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n"
            "import sys; sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
    )
    try:
        assert child.pid in cpu.family(os.getpid())
        deadline = time.monotonic() + 20
        while cpu.cpu_seconds([child.pid]) < 0.35 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert 0.35 <= cpu.cpu_seconds([child.pid]) < 5
        assert os.getpid() not in cpu.family(child.pid)
    finally:
        child.communicate(b"")
    assert cpu.cpu_seconds([child.pid]) == 0  # gone: counts nothing


def test_postgres_processes_are_found_and_other_databases_left_out(engine, database_url) -> None:  # type: ignore[no-untyped-def]
    import psycopg
    from sqlalchemy import text

    with engine.connect() as conn, psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres") as other:
        backend = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        [elsewhere] = other.execute("SELECT pg_backend_pid()").fetchall()[0]
        assert {backend, elsewhere} <= set(cpu.postgres_pids())
        ours = cpu.postgres_pids(database_url)
        assert backend in ours and elsewhere not in ours
        # The backends of the database but the asking one (the benchmark probes' own figure).
        assert backend in cpu.backend_pids(database_url) and elsewhere not in cpu.backend_pids(database_url)
        # The server's own processes (the WAL writer among them) are counted with the database.
        assert len(set(ours) - {backend}) >= 2


def test_the_meter_splits_per_request() -> None:
    from bench.run import CpuMeter

    meter = CpuMeter(mine=lambda: [os.getpid()], elsewhere=list)
    _burn(0.2)
    split = meter.per_request(10)
    # This process is both the group "mine" and the client: each saw the same 0.2 s, 20 ms a request.
    assert split["mine"] == pytest.approx(20, abs=6)
    assert split["client"] == pytest.approx(20, abs=6)
    # A group with no process on this machine (PostgreSQL on another host) is not reported as zero.
    assert "elsewhere" not in split
    assert meter.per_request(0) == {}
