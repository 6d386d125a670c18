"""The gap map and the SIM table are written by orjson (thousands of rows); each real answer must still be
exactly the model the OpenAPI document declares: validated with it (extra fields forbidden) and equal to
the model's own serialization."""

from __future__ import annotations

from typing import Any

import pytest
from test_barriers_only import county  # noqa: F401  (a world with every status)

from api.gaps.schemas import GapMapOut, GapRowOut, SimTableOut


def _exactly(model: Any, raw: dict[str, Any]) -> None:
    assert model.model_validate(raw).model_dump(mode="json", by_alias=True, exclude_unset=True) == raw


@pytest.mark.parametrize("params", [{}, {"resolution": "8"}, {"resolution": "5", "need": "housing"}, {"limit": "1"}])
def test_every_gap_map_answer_is_the_declared_model(client, planner, county, params) -> None:  # noqa: F811
    r = client.get("/v1/gaps", params={"need": "housing,shelter", **params}, headers=planner)
    assert r.status_code == 200, r.text
    raw = r.json()
    assert raw["rows"]
    _exactly(GapMapOut, raw)
    geo = client.get("/v1/gaps", params={"format": "geojson", **params}, headers=planner).json()
    for feature in geo["features"]:
        _exactly(GapRowOut, feature["properties"])


@pytest.mark.parametrize("params", [{}, {"resolution": "8"}, {"need": "housing", "intercept": "0"}, {"by": "pathway"}])
def test_every_sim_answer_is_the_declared_model(client, planner, county, params) -> None:  # noqa: F811
    r = client.get("/v1/gaps/sim", params=params, headers=planner)
    assert r.status_code == 200, r.text
    assert ("pathways" in r.json()) is ("by" in params)
    _exactly(SimTableOut, r.json())


def test_the_openapi_document_declares_both(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, model in (("/v1/gaps", "GapMapOut"), ("/v1/gaps/sim", "SimTableOut")):
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert content["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}
        assert content["text/csv"]["schema"] == {"type": "string"}
