"""A throwaway PostgreSQL cluster for one test: initdb into a temporary folder, its own postmaster on a
free loopback port, stopped and deleted afterwards. The shared cluster the rest of the suite uses is
never touched. Used by the fault fixtures (tests/faults/conftest.py) and the tuning test."""

from __future__ import annotations

import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

BIN = pathlib.Path(os.environ.get("DIVERT_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Cluster:
    data: pathlib.Path
    port: int
    run_as: list[str]  # initdb refuses to run as root: as root the server runs as the postgres user


@contextmanager
def throwaway_cluster(prefix: str) -> Iterator[Cluster]:
    """A started cluster (trust auth, fsync off, 32 MB shared_buffers); skips without server binaries."""
    if not (BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL server binaries in {BIN} (set DIVERT_PG_BIN)")
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    top = pathlib.Path(tempfile.mkdtemp(prefix=prefix))
    cluster = Cluster(data=top / "data", port=free_port(), run_as=run_as)
    if run_as:
        shutil.chown(top, "postgres", "postgres")
    try:
        subprocess.run(
            [*run_as, str(BIN / "initdb"), "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "--no-sync"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {cluster.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{top}'\nfsync = off\nshared_buffers = 32MB\n"
            )
        subprocess.run(
            [
                *run_as,
                str(BIN / "pg_ctl"),
                "-D",
                str(cluster.data),
                "-w",
                "-t",
                "60",
                "start",
                "-l",
                str(cluster.data / "server.log"),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield cluster
    finally:
        subprocess.run(
            [*run_as, str(BIN / "pg_ctl"), "-D", str(cluster.data), "-m", "immediate", "-w", "stop"],
            check=False,
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(top, ignore_errors=True)
