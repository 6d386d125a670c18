"""Malformed HSDS documents through POST /v1/import/hsds: never a 5xx, and a refused import writes nothing.

A valid small world is imported first; each example then takes that world (same ids, so the update
path is exercised too) and breaks it the ways real exports break: a required field removed, a value
of the wrong type, an out-of-range coordinate or count, a duplicated id, a dangling reference,
text where JSON structure is expected. Whatever comes back must be a 2xx or a 4xx; after any 4xx
every catalog table must be byte-for-byte what it was.
"""

from __future__ import annotations

import copy
import json
import os
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bench.workload import hsds_services

EXAMPLES = int(os.environ.get("DIVERT_FUZZ_EXAMPLES", "10")) * 3
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

CATALOG_TABLES = (
    "organization",
    "service",
    "location",
    "address",
    "service_at_location",
    "schedule",
    "attribute",
    "taxonomy_term",
    "taxonomy",
    "service_capacity",
    "capacity_report",
    "unit",
    "language",
    "phone",
    "service_area",
    "match_site",
    "source_record",
)

# Values that are wrong for almost any HSDS field, by kind of wrongness.
BAD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.just(""),
    st.just("\x00"),
    st.just("9" * 400),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def world() -> list[dict[str, Any]]:
    return hsds_services(6, seed=5, now=NOW, prefix="mal")


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a JSON document (dict keys and list indexes)."""
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append(prefix + (k,))
            out.extend(_paths(v, prefix + (k,)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append(prefix + (i,))
            out.extend(_paths(v, prefix + (i,)))
    return out


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


SHAPES = (
    st.just({}),
    st.just({"services": "nope"}),
    st.just([1, 2, 3]),
    st.just({"services": [None]}),
    st.just([[]]),
    st.just("services"),
    st.just({"services": [{}]}),
    st.just(None),
    st.just({"services": world()[:1] * 2}),
)


@st.composite
def malformed_documents(draw: st.DrawFn) -> Any:
    """A valid world broken in a targeted way first, then by 0-2 random replacements or removals."""
    doc: Any = world()
    kind = draw(st.sampled_from(("shape", "duplicate_id", "dangling", "coordinates", "counts", "random")))
    if kind == "shape":
        return draw(st.one_of(*SHAPES))
    service = doc[draw(st.integers(0, len(doc) - 1))]
    if kind == "duplicate_id":
        doc[1]["id"] = doc[0]["id"]
        doc[1]["service_at_locations"][0]["location"]["id"] = doc[0]["service_at_locations"][0]["location_id"]
    elif kind == "dangling":
        service["attributes"][0]["taxonomy_term_id"] = "no-such-term"
        service["attributes"][0].pop("taxonomy_term", None)
    elif kind == "coordinates":
        location = service["service_at_locations"][0]["location"]
        location[draw(st.sampled_from(("latitude", "longitude")))] = draw(
            st.sampled_from((999.0, -181.0, "north", None, float("inf"), float("nan")))
        )
    elif kind == "counts" and service["capacities"]:
        field = draw(st.sampled_from(("available", "waitlist", "maximum", "updated", "reserved_for")))
        service["capacities"][0][field] = draw(st.sampled_from((-5, "many", 1e308, "yesterday", None, 2**63)))
    elif kind == "counts":
        service["minimum_age"] = draw(st.sampled_from((-1, "adult", 1e309)))
    for _ in range(draw(st.integers(min_value=0 if kind != "random" else 1, max_value=2))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        if draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(BAD_VALUES)
    return doc


def _fingerprint(session_factory: Any) -> dict[str, str]:
    """A digest of every row of every catalog table (order-independent)."""
    out: dict[str, str] = {}
    with session_factory() as session:
        for table in CATALOG_TABLES:
            out[table] = session.execute(
                text(
                    "SELECT count(*)::text || ':' || "
                    f"coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {table} t"
                )
            ).scalar_one()
    return out


@pytest.fixture
def seeded(client, admin_headers, db):  # type: ignore[no-untyped-def]
    response = client.post("/v1/import/hsds", json=world(), headers=admin_headers)
    assert response.status_code == 200, response.text
    return client, admin_headers, db


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(doc=malformed_documents())
def test_malformed_hsds_is_refused_cleanly(seeded: Any, doc: Any) -> None:
    client, headers, db = seeded
    before = _fingerprint(db)
    body = json.dumps(doc, allow_nan=True)
    response = client.post("/v1/import/hsds", content=body, headers={**headers, "content-type": "application/json"})
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    if response.status_code >= 400:
        assert _fingerprint(db) == before, f"a refused import ({response.status_code}) changed the catalog"
        payload = response.json()
        assert "error" in payload and "detail" in payload, payload
    else:
        # An accepted document must leave the catalog importable again without change (idempotent).
        again = client.post("/v1/import/hsds", content=body, headers={**headers, "content-type": "application/json"})
        assert again.status_code == 200, again.text
        summary = again.json()
        assert summary["created"] == 0 and summary["updated"] == 0, summary


def test_import_refusal_lists_each_error(seeded: Any) -> None:
    """A 422 names where each problem is (CONTRACT §2.6: index or file+row, path, message)."""
    client, headers, _db = seeded
    doc = copy.deepcopy(world())
    pooled = next(i for i, s in enumerate(doc) if s["capacities"])
    doc[pooled]["capacities"][0]["available"] = "many"
    unnamed = next(i for i in range(len(doc)) if i != pooled)
    del doc[unnamed]["name"]
    response = client.post("/v1/import/hsds", json=doc, headers=headers)
    assert response.status_code == 422, response.text
    errors = response.json().get("errors", [])
    assert len(errors) >= 2, errors
    assert all("message" in e and "path" in e for e in errors), errors
