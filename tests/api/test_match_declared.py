"""The match answer is serialized by hand (orjson, the hot path); it must still be exactly `MatchOut`.

Each real answer is validated with the model and must come back unchanged from the model's own
serialization: a field the model lacks, a field the answer lacks, or a value of another type fails.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from test_match import post, region  # noqa: F401  (the seeded region fixture)

from api.match.schemas import MatchOut


def _instants(value: Any, key: str = "") -> Any:
    """The answer with its timestamps parsed: an offset may be spelled `Z` or `+00:00`."""
    if isinstance(value, dict):
        return {k: _instants(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_instants(v) for v in value]
    if key in ("at", "updated") and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


@pytest.mark.parametrize(
    "body",
    [
        {"needs": ["shelter", "food", "housing", "moud", "harm_reduction"], "participant": {"languages": ["es"]}},
        {"needs": ["shelter"], "program": "lead-kc", "open_now": True, "limit": 1},
        {"needs": ["withdrawal_management", "legal"], "radius_km": 1},  # gaps only
        {"needs": ["housing"], "participant": {"age": 30, "active_substance_use": True, "on_moud": True}},
    ],
)
def test_every_match_answer_is_exactly_the_declared_model(client, make_key, region, body) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    r = post(client, make_key("case_manager"), **body)
    assert r.status_code == 200, r.text
    raw = r.json()
    declared = MatchOut.model_validate(raw).model_dump(mode="json")
    assert _instants(declared) == _instants(raw)
    assert any(n["options"] for n in raw["needs"]) or any(n["gap"] for n in raw["needs"])


def test_the_openapi_document_declares_the_match_answer(client) -> None:  # type: ignore[no-untyped-def]
    responses = client.get("/openapi.json").json()["paths"]["/v1/match"]["post"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/MatchOut"}
