"""The schema comes only from Alembic: upgrade from empty, step down one and up again, and the tables
in catalog/tables.py agree with what the migrations build."""

from __future__ import annotations

import os
import pathlib
import subprocess
import uuid

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, inspect

from catalog.tables import Base

ROOT = pathlib.Path(__file__).resolve().parents[1]
SERVER = os.environ.get("DIVERT_TEST_SERVER", "postgresql://postgres:postgres@127.0.0.1:5432")
DIVERT = str(ROOT / ".venv" / "bin" / "divert") if (ROOT / ".venv/bin/divert").exists() else "divert"


@pytest.fixture
def empty_database():  # type: ignore[no-untyped-def]
    name = f"divert_migr_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(SERVER + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{SERVER}/{name}"
    with psycopg.connect(SERVER + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def divert(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DIVERT, *args], env=dict(os.environ, DATABASE_URL=url), cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def tables(url: str) -> set[str]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def head_revision(url: str) -> str | None:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_upgrade_from_empty_then_down_one_step_and_up_again(empty_database):
    url = empty_database
    up = divert(url, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    at_head = tables(url)
    assert {
        "service",
        "location",
        "service_capacity",
        "capacity_report",
        "hold",
        "gap_event",
        "match_site",
        "api_key",
        "metadata",
    } <= at_head
    head = head_revision(url)

    down = divert(url, "db", "downgrade")  # one step by default
    assert down.returncode == 0, down.stderr
    assert head_revision(url) != head

    again = divert(url, "db", "upgrade")
    assert again.returncode == 0, again.stderr
    assert head_revision(url) == head
    assert tables(url) == at_head


def test_models_agree_with_migrations(empty_database):
    assert divert(empty_database, "db", "upgrade").returncode == 0
    engine = create_engine(empty_database.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            # A partition (match_site's, one per need) is the parent's storage, not a table of the
            # model: its columns and indexes are the parent's, which is compared.
            partitions = set(
                conn.exec_driver_sql(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                ).scalars()
            )

            def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
                table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
                if table in partitions:
                    return False
                return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)

            context = MigrationContext.configure(
                conn,
                opts={
                    "include_object": include_object,
                    "compare_type": False,
                },
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    # PostGIS' own tables are not ours; anything else is a model/migration disagreement.
    ours = [d for d in diff if "spatial_ref_sys" not in repr(d) and "topology" not in repr(d)]
    assert ours == [], ours


def test_upgrade_without_a_database_is_a_one_line_error():
    result = divert("postgresql://postgres:postgres@127.0.0.1:5432/divert_no_such_db", "db", "upgrade")
    assert result.returncode != 0
    assert result.stderr.strip().startswith("error:")
    assert len(result.stderr.strip().splitlines()) == 1
