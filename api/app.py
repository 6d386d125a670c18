"""The FastAPI application: one factory, every room's router, one error shape."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from api import root
from api.capacity import endpoints as capacity
from api.directory import endpoints as directory
from api.gaps import endpoints as gaps
from api.imports import endpoints as imports
from api.match import endpoints as match
from divert import __version__
from divert.db import session_factory
from divert.errors import add_exception_handlers
from divert.settings import Settings, get_settings
from web import pages

ACCESS_LOG = logging.getLogger("divert.access")


def create_app(settings: Settings | None = None, *, run_scheduler: bool = False) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduler = None
        if run_scheduler and settings.scheduler_enabled:
            from api.scheduler import start_scheduler

            scheduler = start_scheduler(settings)
        yield
        if scheduler is not None:
            scheduler.shutdown(wait=False)

    app = FastAPI(title="divert", version=__version__, lifespan=lifespan,
                  description="Divert to what, and where? HSDS 3.1 directory, live capacity, "
                              "a non-displacing matcher and a planner gap map.")
    app.state.settings = settings
    app.state.sessions = session_factory(settings)
    app.state.key_cache = {}
    add_exception_handlers(app)

    @app.middleware("http")
    async def access_log(request: Request, call_next):  # type: ignore[no-untyped-def]
        # Our own access log: method, path, status, time. Never the query string (directory
        # eligibility filters carry participant fields there) and never a body.
        started = time.perf_counter()
        response: Response = await call_next(request)
        ACCESS_LOG.info("%s %s %d %.1fms", request.method, request.url.path, response.status_code,
                        (time.perf_counter() - started) * 1000)
        return response

    app.include_router(root.router)
    for room in (directory, capacity, match, gaps, imports):
        app.include_router(room.router, prefix="/v1")
    app.include_router(pages.router)
    return app
