"""Domain errors and the one table that maps each to an HTTP status (CONTRACT §2: one JSON error shape).

Handlers raise meaning (`NotFound`, `Forbidden`, `InvalidInput`), never status codes; the exception
handlers installed by `add_exception_handlers` turn them into `{"error": code, "detail": text, ...}`.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("divert.errors")


class DivertError(Exception):
    code = "error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidInput(DivertError):
    """Input that is well-formed JSON but breaks a rule; `errors` lists each field's problem."""

    code = "invalid_input"


class BadRequest(DivertError):
    code = "bad_request"


class Unauthorized(DivertError):
    code = "unauthorized"


class Forbidden(DivertError):
    code = "forbidden"


class NotFound(DivertError):
    code = "not_found"


class Conflict(DivertError):
    code = "conflict"

    def __init__(self, detail: str, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        if code:
            self.code = code


class Unavailable(DivertError):
    """A service we depend on (the search engine) cannot answer now; `code` names which."""

    code = "unavailable"

    def __init__(self, detail: str, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        if code:
            self.code = code


class ImportFailed(DivertError):
    """An import with invalid records: nothing was written; `errors` lists every problem."""

    code = "invalid_import"


class DatabaseUnavailable(DivertError):
    """The database could not be reached or dropped the connection; nothing of the request was kept."""

    code = "database_unavailable"


# Driver errors that mean the database is gone, not that the request was wrong: a refused or lost
# connection, a server shutting down (OperationalError), a closed connection object
# (InterfaceError), no pooled connection free in time (PoolTimeout). Mapped once, here, to 503.
DATABASE_GONE: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeout)

DEFAULT_STATUS_CODES: dict[type[DivertError], int] = {
    InvalidInput: 422,
    ImportFailed: 422,
    BadRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    DatabaseUnavailable: 503,
    Unavailable: 503,
}


def error_body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "detail": detail, **extra}


def _status_for(exc: DivertError) -> int:
    for cls in type(exc).__mro__:
        if cls in DEFAULT_STATUS_CODES:
            return DEFAULT_STATUS_CODES[cls]  # type: ignore[index]
    return 400


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def add_exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(DivertError)
    async def _divert_error(_: Request, exc: DivertError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        return JSONResponse(error_body(exc.code, exc.detail, **exc.extra), status_code=_status_for(exc),
                            headers=headers)

    async def _database_gone(_: Request, exc: Exception) -> JSONResponse:
        # The transaction is gone with its connection, so no part of the request was kept: resending
        # it is safe. The driver's message may name hosts and users; only its class is logged.
        log.warning("database unavailable: %s", type(getattr(exc, "orig", None) or exc).__name__)
        return JSONResponse(error_body(DatabaseUnavailable.code,
                                       "the database is unavailable; nothing from this request was kept"
                                       " — try again"),
                            status_code=503, headers={"Retry-After": "1"})

    for gone in DATABASE_GONE:
        app.add_exception_handler(gone, _database_gone)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field_path(e.get("loc", ())), "message": e.get("msg", "invalid")}
                  for e in exc.errors()]
        fields = ", ".join(sorted({e["field"] for e in errors})) or "request"
        return JSONResponse(error_body("invalid_input", f"invalid {fields}", errors=errors), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}.get(
            exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))
