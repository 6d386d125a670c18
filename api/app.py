"""The FastAPI application: one factory, every room's router, one error shape."""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import lean, root
from api.browser_headers import SecurityHeaders
from api.capacity import endpoints as capacity
from api.directory import endpoints as directory
from api.gaps import endpoints as gaps
from api.guards import RequestGuard
from api.imports import endpoints as imports
from api.match import endpoints as match
from api.referrals import endpoints as referrals
from divert import __version__
from divert.db import session_factory
from divert.errors import add_exception_handlers
from divert.settings import Settings, get_settings
from web import apidocs, pages

ACCESS_LOG = logging.getLogger("divert.access")


class AccessLog:
    """Our own access log: method, path, status, time. Never the query string (directory eligibility
    filters carry participant fields there) and never a body. A plain ASGI middleware: Starlette's
    BaseHTTPMiddleware costs about a millisecond per request on the hot paths.

    Every answer also says how long the server took to start it, as a W3C `Server-Timing` header
    (`app;dur=12.3`, milliseconds), so a client or the benchmark can tell server time from network
    and client time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before it answers

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                took = f"app;dur={(time.perf_counter() - started) * 1000:.1f}".encode()
                message = {**message, "headers": [*message.get("headers", ()), (b"server-timing", took)]}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            ACCESS_LOG.info(
                "%s %s %d %.1fms", scope["method"], scope["path"], status, (time.perf_counter() - started) * 1000
            )


def _warm_pool(sessions: sessionmaker[Session]) -> None:
    """One connection opened before the first request, so that request does not pay for it. A
    database that is down now is not fatal: requests answer 503 until it is back."""
    with contextlib.suppress(SQLAlchemyError), sessions() as session:
        session.execute(text("SELECT 1"))


# A match allocates a few thousand short-lived objects (candidates, rules, pools); with CPython's
# default first threshold (700) the cycle collector ran about once per request and a full pass over
# the app's long-lived objects every few hundred, ~0.8 ms a request on average at 1M service-
# locations. Collecting the young generation every 20,000 allocations instead costs a few MB at most.
GC_THRESHOLDS: Final = (20_000, 20, 100)


def _tune_collector() -> None:
    if gc.get_threshold()[0] < GC_THRESHOLDS[0]:
        gc.set_threshold(*GC_THRESHOLDS)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API. It schedules nothing: background jobs run in the worker process (`divert worker`),
    so any number of API processes can serve one database."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(_warm_pool, app.state.sessions)
        _tune_collector()
        yield

    # Swagger UI and ReDoc are served by web.apidocs from local assets (FastAPI's load a CDN).
    app = FastAPI(
        title="divert",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        description="Divert to what, and where? HSDS 3.1 directory, live capacity, "
        "a non-displacing matcher and a planner gap map.",
    )
    app.state.settings = settings
    app.state.sessions = session_factory(settings)
    app.state.key_cache = {}
    add_exception_handlers(app)

    # Outermost last: the access log sees every answer, security headers go on every answer (413s
    # and 422s of the guard too), and the guard runs before any route, dependency or key check.
    app.add_middleware(RequestGuard, settings=settings)
    app.add_middleware(SecurityHeaders, settings=settings, styled_paths=apidocs.DOC_PATHS)
    app.add_middleware(AccessLog)

    app.include_router(root.router)
    for room in (directory, capacity, match, gaps, imports, referrals):
        app.include_router(room.router, prefix="/v1")
    app.include_router(pages.router)
    # The URLs the pages used before their data moved into the API rooms, kept for pages not yet
    # updated; the same routes, scoped by the same rules.
    for old, endpoint in (
        ("/web/config.json", root.deployment_config),
        ("/web/places.json", directory.place_points),
        ("/web/capacity_trend.json", capacity.capacity_trends),
    ):
        app.add_api_route(old, endpoint, methods=["GET"], include_in_schema=False)
    app.include_router(apidocs.router)
    app.openapi = functools.partial(_openapi, app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with the bodies the hot routes validate themselves (api/lean.py)."""
    if app.openapi_schema is None:
        app.openapi_schema = lean.with_body_components(FastAPI.openapi(app))
    return app.openapi_schema
