"""Bad parameters are a 422 that names the parameter, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

BAD = [
    ("/v1/services", {"need": "shelter,teleportation"}, "need"),
    ("/v1/service_at_locations", {"need": "bogus"}, "need"),
    ("/v1/service_at_locations", {"intercept": "7"}, "intercept"),
    ("/v1/service_at_locations", {"intercept": "one"}, "intercept"),
    ("/v1/service_at_locations", {"lat": "abc", "lon": "-122.3"}, "lat"),
    ("/v1/service_at_locations", {"lat": "nan", "lon": "-122.3"}, "lat"),
    ("/v1/service_at_locations", {"lat": "91", "lon": "-122.3"}, "lat"),
    ("/v1/service_at_locations", {"lat": "47.6"}, "lon"),
    ("/v1/service_at_locations", {"lat": "47.6", "lon": "-122.3", "radius_km": "-1"}, "radius_km"),
    ("/v1/service_at_locations", {"lat": "47.6", "lon": "-122.3", "radius_km": "inf"}, "radius_km"),
    ("/v1/service_at_locations", {"radius_km": "5"}, "radius_km"),
    ("/v1/service_at_locations", {"bbox": "1,2,3"}, "bbox"),
    ("/v1/service_at_locations", {"bbox": "a,b,c,d"}, "bbox"),
    ("/v1/service_at_locations", {"bbox": "-122,47,-123,48"}, "bbox"),
    ("/v1/service_at_locations", {"bbox": "-122,47,-121,95"}, "bbox"),
    ("/v1/service_at_locations", {"postcode": "00000", "proximity": "1000"}, "postcode"),
    ("/v1/service_at_locations", {"postcode": "hello"}, "postcode"),
    ("/v1/service_at_locations", {"proximity": "1000"}, "proximity"),
    ("/v1/service_at_locations", {"postcode": "98104", "proximity": "-5"}, "proximity"),
    ("/v1/service_at_locations", {"open_at": "tomorrow-ish"}, "open_at"),
    ("/v1/services", {"modified_after": "2026-13-45"}, "modified_after"),
    ("/v1/services", {"page": "0"}, "page"),
    ("/v1/services", {"per_page": "501"}, "per_page"),
    ("/v1/services", {"per_page": "x"}, "per_page"),
    ("/v1/services", {"format": "xml"}, "format"),
    ("/v1/services", {"minimal": "true", "full": "true"}, "minimal"),
    ("/v1/services", {"status": "sleeping"}, "status"),
    ("/v1/services", {"age": "-3"}, "age"),
    ("/v1/services", {"on_moud": "maybe"}, "on_moud"),
    ("/v1/services", {"search": "x" * 500}, "search"),
    ("/v1/organizations", {"per_page": "0"}, "per_page"),
]


@pytest.mark.parametrize(("path", "params", "field"), BAD)
def test_bad_parameter_is_422_naming_it(client: Any, path: str, params: dict[str, str], field: str) -> None:
    r = client.get(path, params=params)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "invalid_input"
    assert field in body["detail"] and any(e["field"] == field for e in body["errors"]), body


def test_unknown_ids_are_404(client: Any) -> None:
    for path in (
        "/v1/services/nope",
        "/v1/service_at_locations/nope",
        "/v1/organizations/nope",
        "/v1/taxonomies/nope",
        "/v1/taxonomy_terms/nope",
    ):
        r = client.get(path)
        assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_empty_directory_pages(client: Any) -> None:
    body = client.get("/v1/services").json()
    assert body == {
        "total_items": 0,
        "total_pages": 0,
        "page_number": 1,
        "size": 0,
        "first_page": True,
        "last_page": True,
        "empty": True,
        "contents": [],
    }


def test_private_directory_needs_a_key(db: Any, settings: Any, make_key: Any) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    private = settings.model_copy(update={"public_read": False})
    with TestClient(create_app(private)) as c:
        assert c.get("/v1/services").status_code == 401
        assert c.get("/v1/services", headers=make_key("case_manager")).status_code == 200
