"""Bad input answers 4xx in the JSON error shape, naming the field; nothing a client sends is a 500
(CONTRACT §2): NUL bytes and unpaired surrogates in any text parameter, path id or body field, dates
outside the years 1900-2200, JSON nested deeper than 1,000 levels. And an unexpected failure still
answers in the error shape, not as plain text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.deps import SessionDep

SERVICE = "svc-1"


@pytest.fixture
def lenient(app: Any) -> Iterator[TestClient]:
    """The real app; a server error comes back as the response it would send, not as an exception."""
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def one_service(db: Any) -> str:
    from catalog.tables import Organization, Service

    with db() as session:
        session.add(Organization(id="org-1", name="Org"))
        session.flush()
        session.add(Service(id=SERVICE, organization_id="org-1", name="Shelter"))
        session.commit()
    return SERVICE


def assert_names(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_input", body
    assert field in {e["field"] for e in body.get("errors", [])} or field in body["detail"], body


# Text parameters and path ids, percent-encoded as a client would send them.
QUERY_CASES = [
    ("/v1/services?search=%00", "search"),
    ("/v1/services?search=a%00b", "search"),
    ("/v1/services?taxonomy_term_id=%00", "taxonomy_term_id"),
    ("/v1/services?organization_id=x%00", "organization_id"),
    ("/v1/services?modified_after=%00", "modified_after"),
    ("/v1/service_at_locations?need=%00", "need"),
    ("/v1/service_at_locations?postcode=%00", "postcode"),
    ("/v1/organizations?search=%00", "search"),
    ("/v1/taxonomy_terms?taxonomy_id=%00", "taxonomy_id"),
    ("/v1/services?search=%ED%A0%80", "search"),  # an unpaired surrogate, as UTF-8 would encode it
    ("/v1/services?%00=1", "\\0"),
    ("/v1/services/%00", "service_id"),
    ("/v1/services/a%00b", "service_id"),
    ("/v1/service_at_locations/%00", "service_at_location_id"),
    ("/v1/organizations/%00", "organization_id"),
    ("/v1/taxonomy_terms/%00", "term_id"),
    ("/v1/services/%ED%A0%80", "service_id"),
    ("/services/%00", "service_id"),  # the service page
]


@pytest.mark.parametrize(("url", "field"), QUERY_CASES)
def test_nul_and_surrogates_in_parameters_are_422_naming_them(
    lenient: TestClient, db: Any, url: str, field: str
) -> None:
    assert_names(lenient.get(url), field)


def test_nul_and_surrogates_in_body_fields_are_422_naming_them(
    lenient: TestClient, one_service: str, make_key: Any
) -> None:
    curator = make_key("curator")
    case_manager = make_key("case_manager")
    report = f"/v1/services/{one_service}/reports"
    cases = [
        ("POST", report, {"message": "wrong phone\x00"}, None, "message"),
        ("POST", report, {"message": "ok", "field": "\x00"}, None, "field"),
        ("PATCH", f"/v1/services/{one_service}", {"name": "New\x00name"}, curator, "name"),
        ("PATCH", f"/v1/services/{one_service}", {"description": "a\x00"}, curator, "description"),
        (
            "POST",
            "/v1/match",
            {"location": {"lat": 47.6, "lon": -122.3}, "needs": ["food\x00"]},
            case_manager,
            "needs.0",
        ),
        (
            "POST",
            "/v1/match",
            {"location": {"postcode": "98\x00104"}, "needs": ["food"]},
            case_manager,
            "location.postcode",
        ),
        (
            "POST",
            "/v1/match",
            {"location": {"lat": 47.6, "lon": -122.3}, "needs": ["food"], "program": "p\x00"},
            case_manager,
            "program",
        ),
        (
            "POST",
            "/v1/match",
            {"location": {"lat": 47.6, "lon": -122.3}, "needs": ["food"], "x\x00": 1},
            case_manager,
            "x\x00",
        ),
    ]
    for method, path, body, headers, field in cases:
        assert_names(lenient.request(method, path, json=body, headers=headers), field)
    # A lone surrogate can only be written as a JSON escape; the stdlib parser lets it through.
    raw = b'{"message": "bad \\ud800 text"}'
    assert_names(lenient.post(report, content=raw, headers={"Content-Type": "application/json"}), "message")
    raw = b'{"name": "\\udfff"}'
    assert_names(
        lenient.patch(
            f"/v1/services/{one_service}", content=raw, headers={**curator, "Content-Type": "application/json"}
        ),
        "name",
    )
    # A properly paired surrogate is just a character outside the BMP: accepted.
    r = lenient.post(
        report, content=b'{"message": "closed \\ud83d\\ude00"}', headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 201, r.text


FAR_DATES = [
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "1899-12-31T23:00:00Z",
    "2201-01-01T00:00:00Z",
    "0001-01-01",
]


@pytest.mark.parametrize("moment", FAR_DATES)
def test_dates_outside_1900_to_2200_are_422(lenient: TestClient, make_key: Any, db: Any, moment: str) -> None:
    planner = make_key("planner")
    case_manager = make_key("case_manager")
    admin = make_key("admin")
    assert_names(lenient.get("/v1/service_at_locations", params={"open_at": moment}), "open_at")
    assert_names(lenient.get("/v1/services", params={"open_at": moment}), "open_at")
    assert_names(lenient.get("/v1/services", params={"modified_after": moment}), "modified_after")
    assert_names(lenient.get("/v1/gaps", params={"from": moment}, headers=planner), "from")
    assert_names(lenient.get("/v1/gaps", params={"to": moment}, headers=planner), "to")
    match = {"location": {"lat": 47.6, "lon": -122.3}, "needs": ["food"], "at": moment}
    assert_names(lenient.post("/v1/match", json=match, headers=case_manager), "at")
    report = {"available": 1, "updated": moment if "T" in moment else moment + "T00:00:00Z"}
    r = lenient.put("/v1/capacity/anything", json=report, headers=admin)
    assert r.status_code in (404, 422) and r.status_code != 500, r.text
    # The span's own ends still work.
    for inside in ("1900-01-01T00:00:00Z", "2200-12-31T23:00:00Z"):
        assert lenient.get("/v1/service_at_locations", params={"open_at": inside}).status_code == 200, inside
        match["at"] = inside
        assert lenient.post("/v1/match", json=match, headers=case_manager).status_code == 200, inside


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_json_nested_deeper_than_1000_levels_is_422(lenient: TestClient, make_key: Any, db: Any) -> None:
    headers = {**make_key("admin"), "Content-Type": "application/json"}
    for depth in (1001, 1100, 5000):
        body = b'{"location": {"lat": 47.6, "lon": -122.3}, "needs": ' + _nested(depth) + b"}"
        r = lenient.post("/v1/match", content=body, headers=headers)
        assert r.status_code == 422 and r.json()["error"] == "invalid_input", (depth, r.text[:300])
        assert "1000" in r.json()["detail"]
        r = lenient.post("/v1/import/hsds", content=_nested(depth), headers=headers)
        assert r.status_code == 422 and "error" in r.json(), (depth, r.text[:300])
    # Deep but within the limit is simply a body of the wrong shape: an ordinary 422.
    body = b'{"location": {"lat": 47.6, "lon": -122.3}, "needs": ' + _nested(50) + b"}"
    assert lenient.post("/v1/match", content=body, headers=headers).status_code == 422


def test_an_unexpected_failure_answers_in_the_error_shape(app: Any, db: Any) -> None:
    def broken() -> None:
        raise RuntimeError("a bug, with internals: SELECT secret FROM somewhere")

    def broken_sql(session: Any) -> None:
        from sqlalchemy import text

        session.execute(text("SELECT no_such_column FROM service"))

    app.add_api_route("/test-broken", broken)

    def broken_query(session: SessionDep) -> None:
        broken_sql(session)

    app.add_api_route("/test-broken-sql", broken_query)
    with TestClient(app, raise_server_exceptions=False) as lenient:
        for path in ("/test-broken", "/test-broken-sql"):
            r = lenient.get(path)
            assert r.status_code == 500
            assert r.headers["content-type"].startswith("application/json"), r.text
            assert r.json()["error"] == "internal_error"
            assert "SELECT" not in r.text and "secret" not in r.text and "no_such_column" not in r.text
