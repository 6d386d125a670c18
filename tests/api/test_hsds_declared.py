"""The directory's HSDS reads are built as plain objects (catalog/serialize.py, nulls pruned) and written
without per-request validation; each real answer must still be exactly the model the OpenAPI document
declares for it (api/directory/hsds_schemas.py, generated from the standard's JSON Schemas): validated
with it, no field beyond the standard's and the declared extensions, and equal to the model's own
serialization with nothing dropped or added."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from typing import Any

import orjson
import pytest

from api.directory.hsds_schemas import Organization, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from api.paging import Page

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "tests" / "data" / "interop" / "hsds-3.1-examples"
SAMPLE_REGION = ROOT / "data" / "sample" / "king-county.json"


def _exactly(model: Any, raw: Any) -> None:
    declared = model.model_validate(raw).model_dump(mode="json", exclude_none=True)
    assert declared == raw


@pytest.fixture
def directory(client, make_key) -> dict[str, str]:  # type: ignore[no-untyped-def]
    admin = make_key("admin")
    services = json.loads(SAMPLE_REGION.read_text())
    for name in ("service_full.json", "organization_full.json", "service_at_location_full.json"):
        example = json.loads((EXAMPLES / name).read_text())
        if name == "service_full.json":
            services.append(example)
    r = client.post("/v1/import/hsds", json=services, headers=admin)
    assert r.status_code == 200, r.text
    return admin


def _get(client, headers, path: str, **params: Any) -> Any:  # type: ignore[no-untyped-def]
    r = client.get(path, params=params, headers=headers)
    assert r.status_code == 200, (path, r.text)
    return r.json()


LISTS = (
    ("/v1/services", Service),
    ("/v1/service_at_locations", ServiceAtLocation),
    ("/v1/organizations", Organization),
    ("/v1/taxonomies", Taxonomy),
    ("/v1/taxonomy_terms", TaxonomyTerm),
)


@pytest.mark.parametrize(("path", "model"), LISTS)
def test_every_listing_shape_is_the_declared_page(client, directory, path, model) -> None:  # type: ignore[no-untyped-def]
    shapes: list[dict[str, Any]] = [{}, {"full": "true"}]
    if path in ("/v1/services", "/v1/service_at_locations"):
        shapes += [
            {"minimal": "true"},
            {"lat": 47.6, "lon": -122.33, "radius_km": 30},
            {"open_at": "2026-12-09T10:00:00-08:00", "full": "true"},
            {"search": "shelter"},
        ]
    if path == "/v1/organizations":
        shapes.append({"full_service": "true"})
    for params in shapes:
        page = _get(client, directory, path, per_page=200, **params)
        assert page["contents"], (path, params)
        _exactly(Page[model], page)  # type: ignore[valid-type]


def test_distance_and_reach_extensions_are_declared(client, directory) -> None:  # type: ignore[no-untyped-def]
    page = _get(client, directory, "/v1/service_at_locations", lat=47.6, lon=-122.33, radius_km=30)
    assert "distance_km" in page["contents"][0]
    _exactly(Page[ServiceAtLocation], page)


def test_every_single_object_is_the_declared_model(client, directory) -> None:  # type: ignore[no-untyped-def]
    for path, model in LISTS:
        for item in _get(client, directory, path, per_page=200)["contents"]:
            one = _get(client, directory, f"{path}/{item['id']}")
            _exactly(model, one)
    svc = _get(client, directory, "/v1/services", per_page=1)["contents"][0]
    one = _get(client, directory, f"/v1/organizations/{svc['organization_id']}", full_service="true")
    _exactly(Organization, one)
    assert one["services"] and one["services"][0].get("capacities") is not None


def test_ndjson_lines_and_a_correction_are_declared_services(client, directory, make_key) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/v1/services", params={"format": "ndjson", "full": "true"}, headers=directory)
    assert r.status_code == 200
    lines = [orjson.loads(line) for line in r.text.splitlines() if line]
    assert len(lines) > 100
    for line in lines:
        _exactly(Service, line)
    patched = client.patch(
        f"/v1/services/{lines[0]['id']}", json={"wait_time": "about a week"}, headers=make_key("curator")
    )
    assert patched.status_code == 200, patched.text
    _exactly(Service, patched.json())
    assert patched.json()["wait_time"] == "about a week"


def test_the_openapi_document_declares_them(client) -> None:  # type: ignore[no-untyped-def]
    paths = client.get("/openapi.json").json()["paths"]
    content = paths["/v1/services/{service_id}"]["get"]["responses"]["200"]["content"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Service"}
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    # HSDS leaves an optional field out rather than sending null: no null in the declared types.
    assert schemas["Service"]["properties"]["description"] == {
        "type": "string",
        "title": "Description",
        "description": schemas["Service"]["properties"]["description"]["description"],
    }
    assert schemas["Service"]["required"] == ["id"]


def test_the_models_are_generated_from_the_standards_schemas() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_hsds_models.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
