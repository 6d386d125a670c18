"""Benchmark databases (e.g. `divert_bench_100k`): apart from the app's and the tests', same server."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg

REPO = pathlib.Path(__file__).resolve().parents[1]


def database_url_named(base_url: str, name: str) -> str:
    """The URL of database `name` on the server of `base_url` (credentials kept)."""
    parts = urlsplit(base_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def ensure_database(base_url: str, name: str, *, fresh: bool = False) -> str:
    """Creates database `name` if missing (dropping it first when `fresh`) and migrates it to head."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"benchmark database name must be letters, digits and _: {name!r}")
    with psycopg.connect(database_url_named(base_url, "postgres"), autocommit=True) as admin:
        if fresh:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    url = database_url_named(base_url, name)
    divert = pathlib.Path(sys.executable).with_name("divert")
    command = [str(divert)] if divert.exists() else [sys.executable, "-m", "cli"]
    # The CLI's own upgrade path, as operators run it (a child process: settings are per process).
    subprocess.run(
        [*command, "db", "upgrade"],
        env=dict(os.environ, DATABASE_URL=url),
        check=True,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    return url


def service_location_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM service_at_location").fetchone()
    return int(row[0]) if row else 0
