"""Every capacity answer is exactly its declared model (the OpenAPI document a client generator reads).

The batch answer is serialized by hand (orjson) for speed, so it is held to `BatchOut` here; the
other routes are validated by FastAPI, and this shows their real answers lose nothing on the way.
"""

from __future__ import annotations

from typing import Any

from capacity_factories import hours_ago
from pydantic import BaseModel

from api.capacity.schemas import BatchOut, CapacityOut, FeedOut, HistoryOut, HoldOut, ReportOut
from api.paging import Page


def exactly(model: type[BaseModel], answer: Any, *, unset: bool = False) -> None:
    """The answer validates and comes back unchanged from the model (no field lost, added or retyped)."""
    assert model.model_validate(answer).model_dump(mode="json", exclude_unset=unset) == answer


def test_capacity_answers_are_their_models(client, make_pool, keys, feed_server) -> None:  # type: ignore[no-untyped-def]
    base, _ = feed_server
    make_pool("cap-1", available=2, updated=hours_ago(5))
    make_pool("cap-2", available=1, maximum=None, updated=hours_ago(5), reserved_for=("lead",))
    provider, case_manager = keys["provider_a"], keys["case_manager"]

    batch = client.post(
        "/v1/capacity",
        headers=provider,
        json={
            "updates": [
                {"capacity_id": "cap-1", "available": 3, "updated": hours_ago(1).isoformat()},
                {"capacity_id": "cap-2", "available": 1, "updated": hours_ago(9).isoformat()},  # older: not applied
                {"capacity_id": "nope", "available": 1, "updated": hours_ago(1).isoformat()},
                {"capacity_id": "cap-1", "available": 99, "maximum": 5, "updated": hours_ago(1).isoformat()},
                {"capacity_id": "cap-1", "available": -1, "updated": hours_ago(1).isoformat()},
            ]
        },
    ).json()
    assert {r["status"] for r in batch["results"]} >= {200, 404, 422}
    exactly(BatchOut, batch, unset=True)

    applied = client.put(
        "/v1/capacity/cap-2", headers=provider, json={"available": 0.5, "updated": hours_ago(0.5).isoformat()}
    ).json()
    older = client.put(
        "/v1/capacity/cap-2", headers=provider, json={"available": 1, "updated": hours_ago(8).isoformat()}
    ).json()
    assert "reason" not in applied and older["reason"]
    exactly(ReportOut, applied, unset=True)
    exactly(ReportOut, older, unset=True)
    exactly(CapacityOut, client.get("/v1/capacity/cap-1", headers=provider).json())
    exactly(Page[CapacityOut], client.get("/v1/capacity", headers=provider).json())
    exactly(Page[HistoryOut], client.get("/v1/capacity/cap-1/history", headers=provider).json())

    feed = client.post("/v1/feeds", headers=provider, json={"url": base + "/feed"}).json()
    exactly(FeedOut, feed)
    exactly(FeedOut, client.get(f"/v1/feeds/{feed['id']}", headers=provider).json())
    exactly(Page[FeedOut], client.get("/v1/feeds", headers=provider).json())

    hold = client.post("/v1/holds", headers=case_manager, json={"capacity_id": "cap-1"}).json()
    exactly(HoldOut, hold)
    exactly(HoldOut, client.get(f"/v1/holds/{hold['hold_id']}", headers=case_manager).json())
    exactly(HoldOut, client.post(f"/v1/holds/{hold['hold_id']}/confirm", headers=case_manager).json())
    second = client.post("/v1/holds", headers=case_manager, json={"capacity_id": "cap-1"}).json()
    exactly(HoldOut, client.delete(f"/v1/holds/{second['hold_id']}", headers=case_manager).json())


def test_every_capacity_route_declares_its_answer(client) -> None:  # type: ignore[no-untyped-def]
    paths = client.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        if not path.startswith(("/v1/capacity", "/v1/feeds", "/v1/holds")):
            continue
        for method, operation in operations.items():
            ok = next(code for code in operation["responses"] if code.startswith("2"))
            if ok == "204":
                continue
            schema = operation["responses"][ok]["content"]["application/json"]["schema"]
            assert "$ref" in str(schema), (method, path, schema)
