"""Fixtures of the directory tests: a generated region shared by a module, and its API client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from directory_factories import ServiceSpec, generated_specs, write_catalog
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

REGION_SIZE = 3000


@pytest.fixture(scope="module")
def region(engine: Any) -> list[ServiceSpec]:
    """A few thousand generated services around Seattle, written once for the whole test module.

    Module-scoped on purpose: tests that use it must not ask for `db` (which empties the catalog).
    """
    with engine.begin() as conn:
        tables = conn.execute(
            text("""SELECT string_agg(format('%I', tablename), ', ') FROM pg_tables
            WHERE schemaname = 'public' AND tablename NOT IN ('alembic_version', 'spatial_ref_sys')""")
        ).scalar()
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    specs = generated_specs(REGION_SIZE)
    write_catalog(sessionmaker(bind=engine), specs)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    return specs


@pytest.fixture(scope="module")
def region_client(region: list[ServiceSpec], settings: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(settings)) as c:
        yield c
