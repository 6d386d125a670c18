"""Every operation of the OpenAPI schema, fuzzed in-process with schemathesis: never a 5xx.

Requests carry an admin key so authorization cannot hide a handler behind a 401/403; the catalog
holds a small world first so that ids and searches reach real rows. The number of examples per
operation comes from DIVERT_FUZZ_EXAMPLES (10 in the normal run, 500 with `make fuzz`).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from bench.workload import hsds_services

EXAMPLES = int(os.environ.get("DIVERT_FUZZ_EXAMPLES", "10"))


def small_world() -> list[dict[str, Any]]:
    """A dozen full HSDS services around metro centres, most with capacity pools."""
    return hsds_services(12, seed=3, now=datetime.now(UTC).replace(microsecond=0), prefix="fz")


@pytest.fixture
def fuzz_headers(client, admin_headers) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Admin headers, after loading a small catalog through the import route when it exists."""
    response = client.post("/v1/import/hsds", json=small_world(), headers=admin_headers)
    assert response.status_code in (200, 404, 405), response.text
    return admin_headers


def _schema_app() -> Any:
    """The app, built only to serve its OpenAPI document (no database is touched for that)."""
    from api.app import create_app
    from divert.settings import Settings

    return create_app(Settings())


# Loaded once at collection; each case is then sent to the test's own app (its own database).
schema = schemathesis.openapi.from_asgi("/openapi.json", _schema_app())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx(case: Any, app: Any, fuzz_headers: dict[str, str]) -> None:
    response = case.call(app=app, headers=fuzz_headers)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}: {response.text[:500]}\n"
        f"reproduce: {case.as_curl_command()}")
