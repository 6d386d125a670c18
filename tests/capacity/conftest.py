"""Fixtures for the capacity room: a small catalog factory (rows written directly), role keys for two
organizations, a local HTTP feed server, and the real app served by uvicorn for concurrency tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import ThreadingHTTPServer

import pytest
from capacity_factories import ORG_A, ORG_B, FeedHandler, FeedScript, hours_ago


@pytest.fixture
def app(db, settings):  # type: ignore[no-untyped-def]
    """The real app; feeds may target 127.0.0.1 (the local test feed server)."""
    from api.app import create_app

    return create_app(settings.model_copy(update={"outbound_allow_loopback": True}))


@pytest.fixture
def feed_settings(settings):  # type: ignore[no-untyped-def]
    """Settings for driving `poll_due_feeds` directly: private targets allowed, a short timeout."""
    return settings.model_copy(update={"outbound_allow_loopback": True, "feed_timeout_seconds": 1.0})


@pytest.fixture
def make_pool(db) -> Callable[..., str]:  # type: ignore[no-untyped-def]
    """make_pool(capacity_id, org=ORG_A, available=1, maximum=10, waitlist=0, updated=..., unit="bed",
    reserved_for=()) -> capacity_id. Creates the organization, service and unit when missing."""
    from catalog.tables import Organization, Service, ServiceCapacity, Unit

    def make(
        capacity_id: str,
        org: str = ORG_A,
        available: float = 1,
        maximum: float | None = 10,
        waitlist: int = 0,
        updated: datetime | None = None,
        unit: str = "bed",
        reserved_for: tuple[str, ...] = (),
        service: str | None = None,
    ) -> str:
        service_id = service or f"svc-{org}"
        with db() as session:
            if session.get(Organization, org) is None:
                session.add(Organization(id=org, name=f"{org} name"))
            if session.get(Unit, unit) is None:
                session.add(Unit(id=unit, name=unit.title()))
            session.flush()
            if session.get(Service, service_id) is None:
                session.add(Service(id=service_id, organization_id=org, name=f"{service_id} shelter"))
            session.flush()
            session.add(
                ServiceCapacity(
                    id=capacity_id,
                    service_id=service_id,
                    unit_id=unit,
                    available=available,
                    maximum=maximum,
                    waitlist=waitlist,
                    updated=updated or hours_ago(1),
                    reserved_for=list(reserved_for),
                    description=capacity_id,
                )
            )
            session.commit()
        return capacity_id

    return make


@pytest.fixture
def keys(make_key) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """Auth headers per role: providers of org A and B, unbound and program-bound case managers, etc."""
    return {
        "admin": make_key("admin"),
        "curator": make_key("curator"),
        "provider_a": make_key("provider", org=ORG_A),
        "provider_b": make_key("provider", org=ORG_B),
        "case_manager": make_key("case_manager"),
        "case_manager_lead": make_key("case_manager", program="lead"),
        "operator": make_key("operator"),
        "planner": make_key("planner"),
    }


@pytest.fixture
def feed_server() -> Iterator[tuple[str, FeedScript]]:
    """(base URL, script) of a threaded HTTP server on 127.0.0.1."""
    script = FeedScript()
    handler = type("Handler", (FeedHandler,), {"script": script})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", script
    server.shutdown()
    server.server_close()


# --- the real app over a real socket ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app served by uvicorn on a free localhost port, in a thread; yields its base URL."""
    import uvicorn

    port = _free_port()
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
