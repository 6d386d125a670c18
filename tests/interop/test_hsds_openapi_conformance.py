"""Conformance 2/3: every answer of the HSDS read API judged by the standard's OpenAPI description.

A small catalog (the official examples and the first services of the sample region) is imported;
then every list endpoint is asked with its parameters (`minimal`, `full`, `page`, `per_page`,
`search`, filters) and every id route with every id the catalog holds. Each answer is validated
with openapi-core against `openapi_local.json` (the standard's `openapi.json` made offline).
"""

from __future__ import annotations

import json
from typing import Any

from hsds_standard import EXAMPLES_DIR, OFFICIAL_EXAMPLES, SAMPLE_REGION, openapi_errors
from sqlalchemy import text

from importers.pipeline import import_services
from importers.sources import import_source_data, read_hsds

SAMPLE_SERVICES = 12


def _load_catalog(db) -> None:  # type: ignore[no-untyped-def]
    with db() as s:
        for name in OFFICIAL_EXAMPLES:
            import_source_data(s, read_hsds(EXAMPLES_DIR / name), source="hsds", actor="test")
        sample = json.loads(SAMPLE_REGION.read_text())[:SAMPLE_SERVICES]
        import_services(s, sample, source="hsds", actor="test")
        s.commit()


def _ids(db, table: str) -> list[str]:  # type: ignore[no-untyped-def]
    with db() as s:
        return list(s.execute(text(f"SELECT id FROM {table} ORDER BY id")).scalars())  # noqa: S608


def _ask(client, path: str, params: dict[str, Any] | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    r = client.get(f"/v1{path}", params=params or {})
    assert r.status_code == 200, (path, params, r.text[:300])
    return [f"GET {path} {params or ''}: {e}" for e in openapi_errors("get", path, params or {}, 200, r.content)]


def _list_requests(db) -> list[tuple[str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    term = _ids(db, "taxonomy_term")[0]
    taxonomy = _ids(db, "taxonomy")[0]
    org = _ids(db, "organization")[0]
    out: list[tuple[str, dict[str, Any]]] = [("/", {})]
    for path in ("/services", "/service_at_locations"):
        out += [
            (path, {}),
            (path, {"full": "true"}),
            (path, {"page": "2", "per_page": "5"}),
            (path, {"page": "99", "per_page": "5"}),  # past the end: an empty page
            (path, {"search": "shelter"}),
            (path, {"search": "recovery", "full": "true"}),
            (path, {"taxonomy_term_id": term}),
            (path, {"taxonomy_id": taxonomy}),
            (path, {"organization_id": org}),
            (path, {"modified_after": "2020-01-01T00:00:00Z"}),
            (path, {"postcode": "98104"}),
            (path, {"postcode": "98104", "proximity": "20000"}),
        ]
    out += [
        ("/services", {"minimal": "true"}),
        ("/services", {"minimal": "true", "per_page": "3"}),
        ("/service_at_locations", {"minimal": "true"}),
        ("/services", {"lat": "47.6", "lon": "-122.33", "radius_km": "30"}),
        ("/service_at_locations", {"lat": "47.6", "lon": "-122.33", "radius_km": "30", "full": "true"}),
        ("/service_at_locations", {"need": "shelter", "open_at": "2026-11-22T20:00:00-08:00"}),
        ("/services", {"intercept": "0", "status": "active"}),
    ]
    out += [
        ("/organizations", {}),
        ("/organizations", {"full": "true"}),
        ("/organizations", {"full_service": "true"}),
        ("/organizations", {"search": "health", "page": "1", "per_page": "2"}),
        ("/taxonomies", {}),
        ("/taxonomies", {"search": "divert"}),
        ("/taxonomy_terms", {}),
        ("/taxonomy_terms", {"taxonomy_id": taxonomy, "per_page": "100"}),
        ("/taxonomy_terms", {"top_only": "true", "page": "2", "per_page": "10"}),
        ("/taxonomy_terms", {"search": "shelter"}),
    ]
    return out


def test_every_read_answer_conforms_to_the_official_openapi(client, db) -> None:  # type: ignore[no-untyped-def]
    _load_catalog(db)
    failures: list[str] = []
    answers = 0
    for path, params in _list_requests(db):
        failures += _ask(client, path, params)
        answers += 1
    for route, table in (
        ("/services/{}", "service"),
        ("/service_at_locations/{}", "service_at_location"),
        ("/organizations/{}", "organization"),
        ("/taxonomies/{}", "taxonomy"),
        ("/taxonomy_terms/{}", "taxonomy_term"),
    ):
        for i in _ids(db, table):
            failures += _ask(client, route.format(i))
            answers += 1
        if table == "organization":
            for i in _ids(db, table):
                failures += _ask(client, route.format(i), {"full_service": "true"})
                answers += 1
    assert answers > 100
    assert failures == [], f"{len(failures)} errors, first: " + "\n".join(failures[:30])


def test_the_openapi_oracle_fails_what_the_standard_forbids() -> None:
    """The oracle itself: a page whose service carries a null or lacks its status is rejected."""
    service = {"id": "6b1c5e7a-4c1e-4b0a-9f0e-2f6f2b9f7c11", "name": "A", "status": "active"}
    page = {
        "total_items": 1,
        "total_pages": 1,
        "page_number": 1,
        "size": 1,
        "first_page": True,
        "last_page": True,
        "empty": False,
        "contents": [service],
    }
    assert openapi_errors("get", "/services", {}, 200, json.dumps(page).encode()) == []
    for bad in ({**service, "program_id": None}, {"id": service["id"], "name": "A"}):
        broken = {**page, "contents": [bad]}
        assert openapi_errors("get", "/services", {}, 200, json.dumps(broken).encode())
