"""Fixtures for the referrals room: the closed-loop scenario's world (two detox services of two
organizations, one bed each) imported through the API, role keys, and helpers to drive referrals."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

WORLD = json.loads((pathlib.Path(__file__).resolve().parents[1] / "scenarios" / "referral_closed_loop.json")
                   .read_text())["catalog"]
HARBOR, HILLTOP = WORLD[0], WORLD[1]
HARBOR_SERVICE, HILLTOP_SERVICE = HARBOR["id"], HILLTOP["id"]
HARBOR_ORG, HILLTOP_ORG = HARBOR["organization_id"], HILLTOP["organization_id"]
HARBOR_POOL, HILLTOP_POOL = HARBOR["capacities"][0]["id"], HILLTOP["capacities"][0]["id"]
NEED = "withdrawal_management"
# Where the participant stood: must never be stored or logged, only its H3 cell.
LAT, LON = 47.606213, -122.332071


@dataclass
class Keys:
    admin: dict[str, str]
    case_manager: dict[str, str]
    other_case_manager: dict[str, str]
    lead_case_manager: dict[str, str]
    operator: dict[str, str]
    harbor: dict[str, str]
    hilltop: dict[str, str]
    planner: dict[str, str]
    curator: dict[str, str]


@pytest.fixture
def keys(make_key, import_catalog) -> Keys:  # type: ignore[no-untyped-def]
    import_catalog(WORLD)
    return Keys(admin=make_key("admin"), case_manager=make_key("case_manager"),
                other_case_manager=make_key("case_manager"),
                lead_case_manager=make_key("case_manager", program="lead"), operator=make_key("operator"),
                harbor=make_key("provider", org=HARBOR_ORG), hilltop=make_key("provider", org=HILLTOP_ORG),
                planner=make_key("planner"), curator=make_key("curator"))


@pytest.fixture
def refer(client, keys) -> Callable[..., Any]:  # type: ignore[no-untyped-def]
    """refer(**body overrides, headers=case manager) -> the response of POST /v1/referrals."""

    def send(headers: dict[str, str] | None = None, **body: Any) -> Any:
        payload = {"service_id": HARBOR_SERVICE, "need": NEED, **body}
        return client.post("/v1/referrals", json=payload, headers=headers or keys.case_manager)

    return send


@pytest.fixture
def hold(client, keys) -> Callable[..., str]:  # type: ignore[no-untyped-def]
    def place(pool: str = HARBOR_POOL, headers: dict[str, str] | None = None) -> str:
        r = client.post("/v1/holds", json={"capacity_id": pool, "minutes": 60}, headers=headers or keys.case_manager)
        assert r.status_code == 201, r.text
        return str(r.json()["hold_id"])

    return place


@pytest.fixture
def move(client, keys) -> Callable[..., Any]:  # type: ignore[no-untyped-def]
    def make(referral_id: str, action: str, headers: dict[str, str] | None = None, **body: Any) -> Any:
        if action == "decline" and not body:
            body = {"reason": "no_capacity"}
        return client.post(f"/v1/referrals/{referral_id}/{action}", json=body or None,
                           headers=headers or keys.harbor)

    return make


# This worktree's live servers listen on 8160-8169 only (a shared machine).
LIVE_PORTS = range(8160, 8170)


def free_port() -> int:
    import socket

    for port in LIVE_PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8160-8169")


@pytest.fixture
def live_server(app):  # type: ignore[no-untyped-def]
    """The app served by uvicorn on a port of this worktree's range, in a thread; yields its base URL."""
    import threading
    import time

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
