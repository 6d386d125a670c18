"""Helpers of the FindTreatment, HMIS, 211 and dedup tests: run the CLI, import, look at the catalog."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
from typing import Any

from sqlalchemy import text

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCES = ROOT / "tests" / "data" / "sources"
DIVERT = ROOT / ".venv" / "bin" / "divert"


def divert(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(DIVERT)] if DIVERT.exists() else [sys.executable, "-m", "cli"]
    env = dict(os.environ, DATABASE_URL=database_url)
    return subprocess.run([*command, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def import_file(db: Any, source: str, path: pathlib.Path, *, dry_run: bool = False, **options: Any) -> dict[str, Any]:
    """Reads and imports like the CLI does, in one transaction; returns the summary dict."""
    from importers.sources import READERS, import_source_data

    data = READERS[source](path, **options)
    with db() as session:
        result = import_source_data(session, data, source=source, actor=f"test:{source}", dry_run=dry_run)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    return result.to_dict()


def rows(db: Any, sql: str, **params: Any) -> list[dict[str, Any]]:
    with db() as session:
        return [dict(r) for r in session.execute(text(sql), params).mappings()]


def scalar(db: Any, sql: str, **params: Any) -> Any:
    with db() as session:
        return session.execute(text(sql), params).scalar()


def needs_of(db: Any, service_id: str) -> set[str]:
    return {
        r["code"]
        for r in rows(
            db,
            "SELECT t.code FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id "
            "WHERE a.link_id = :sid AND t.taxonomy = 'divert-needs'",
            sid=service_id,
        )
    }


def terms_of(db: Any, service_id: str, taxonomy: str) -> dict[str, str | None]:
    return {
        r["code"]: r["value"]
        for r in rows(
            db,
            "SELECT t.code, a.value FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id "
            "WHERE a.link_id = :sid AND t.taxonomy = :tax",
            sid=service_id,
            tax=taxonomy,
        )
    }


def service_by_name(db: Any, name: str) -> dict[str, Any]:
    found = rows(db, "SELECT * FROM service WHERE name = :name", name=name)
    assert len(found) == 1, f"{name!r}: {len(found)} services"
    return found[0]
