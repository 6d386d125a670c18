"""Every operation of the OpenAPI schema, fuzzed in-process with schemathesis: never a 5xx.

Requests carry an admin key so authorization cannot hide a handler behind a 401/403; the catalog
holds a small world first so that ids and searches reach real rows. The number of examples per
operation comes from DIVERT_FUZZ_EXAMPLES (10 in the normal run, 500 with `make fuzz`).

Besides what schemathesis draws from the schema, any generated text value (query and path
parameters, body fields) may be swapped for a hostile one: NUL bytes, unpaired surrogates (bodies
only: a URL cannot carry one), and dates far outside the years 1900-2200 that overflow date arithmetic.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bench.workload import hsds_services

EXAMPLES = int(os.environ.get("DIVERT_FUZZ_EXAMPLES", "10"))


def small_world() -> list[dict[str, Any]]:
    """A dozen full HSDS services around metro centres, most with capacity pools."""
    return hsds_services(12, seed=3, now=datetime.now(UTC).replace(microsecond=0), prefix="fz")


@pytest.fixture
def fuzz_headers(client, admin_headers) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Admin headers, after loading a small catalog through the import route (so that ids and searches
    reach real rows; an empty catalog would let most handlers answer 404 without running)."""
    services = small_world()
    response = client.post("/v1/import/hsds", json=services, headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == len(services) == 12
    assert client.get("/v1/services", headers=admin_headers).json()["total_items"] == 12
    return admin_headers


def _schema_app() -> Any:
    """The app, built only to serve its OpenAPI document (no database is touched for that)."""
    from api.app import create_app
    from divert.settings import Settings

    return create_app(Settings())


# Loaded once at collection; each case is then sent to the test's own app (its own database).
schema = schemathesis.openapi.from_asgi("/openapi.json", _schema_app())

# Text that PostgreSQL cannot store or that overflows date arithmetic (CONTRACT §2: all 422).
NUL_TEXT = ["\x00", "a\x00b", "cap-1\x00", "\x00" * 3]
FAR_DATES = [
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "0001-01-01",
    "9999-12-31",
    "1899-12-31T23:59:59+14:00",
    "2201-01-01T00:00:00-12:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59.999999-23:59",
]
URL_HOSTILE = NUL_TEXT + FAR_DATES
BODY_HOSTILE = URL_HOSTILE + ["\ud800", "x\udfffy", "\ud83d"]


def _text_or(value: Any, hostile: list[str]) -> st.SearchStrategy[Any]:
    """The generated value, or (sometimes) a hostile one in its place; containers element by element."""
    if isinstance(value, str):
        return st.one_of(st.just(value), st.sampled_from(hostile))
    if isinstance(value, list):
        return st.tuples(*(_text_or(item, hostile) for item in value)).map(list)
    if isinstance(value, dict):
        return st.fixed_dictionaries({key: _text_or(item, hostile) for key, item in value.items()})
    return st.just(value)


def _text_parameters(operation: Any) -> list[str]:
    """The operation's query parameters that take text (a string, or a list of strings)."""
    names = []
    for parameter in operation.query:
        schema_text = str(parameter.definition.get("schema", {}))
        if "'string'" in schema_text:
            names.append(parameter.name)
    return names


@schema.hook
def flatmap_query(context: Any, query: Any) -> st.SearchStrategy[Any]:
    """Generated values may turn hostile, and text parameters left out may be added with one."""
    if not isinstance(query, dict):
        return st.just(query)
    absent = [name for name in _text_parameters(context.operation) if name not in query]
    extra = st.fixed_dictionaries({}, optional={name: st.sampled_from(URL_HOSTILE) for name in absent})
    return st.tuples(_text_or(query, URL_HOSTILE), extra).map(lambda both: {**both[0], **both[1]})


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: Any) -> st.SearchStrategy[Any]:
    return _text_or(path_parameters, NUL_TEXT) if isinstance(path_parameters, dict) else st.just(path_parameters)


@schema.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    # A surrogate can be sent only as a JSON escape: a form or multipart body could not encode it.
    media_types = {getattr(b, "media_type", "") for b in context.operation.body}
    hostile = BODY_HOSTILE if media_types <= {"application/json"} else URL_HOSTILE
    return _text_or(body, hostile) if isinstance(body, dict | list) else st.just(body)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx(case: Any, app: Any, fuzz_headers: dict[str, str]) -> None:
    response = case.call(app=app, headers=fuzz_headers)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}: {response.text[:500]}\n"
        f"reproduce: {case.as_curl_command()}"
    )
