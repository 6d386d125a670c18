"""Fixtures for the referrals room: the closed-loop scenario's world imported through the API, role
keys, helpers to send and move referrals, and the real app on a live port of this worktree's range."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from referral_world import HARBOR_ORG, HARBOR_POOL, HARBOR_SERVICE, HILLTOP_ORG, NEED, WORLD, free_port


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
    return Keys(
        admin=make_key("admin"),
        case_manager=make_key("case_manager"),
        other_case_manager=make_key("case_manager"),
        lead_case_manager=make_key("case_manager", program="lead"),
        operator=make_key("operator"),
        harbor=make_key("provider", org=HARBOR_ORG),
        hilltop=make_key("provider", org=HILLTOP_ORG),
        planner=make_key("planner"),
        curator=make_key("curator"),
    )


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
        return client.post(f"/v1/referrals/{referral_id}/{action}", json=body or None, headers=headers or keys.harbor)

    return make


@pytest.fixture
def live_server(app):  # type: ignore[no-untyped-def]
    """The app served by uvicorn on a port of this worktree's range, in a thread; yields its base URL."""
    import threading
    import time

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
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
