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
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("divert.errors")

# What a client is told when the database is gone: the same on every route, retrying is safe.
DATABASE_GONE = "the database is unavailable; nothing was changed — try again shortly"


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


class PreconditionFailed(DivertError):
    """An `If-Match` whose tag no longer matches: the resource moved since the client read it."""

    code = "precondition_failed"


class PayloadTooLarge(DivertError):
    """A body over its route's size limit, refused before it is read whole (CONTRACT §2: 413)."""

    code = "payload_too_large"


class TooManyRequests(DivertError):
    """A key or address over its throttle; `retry_after` (seconds) becomes the Retry-After header."""

    code = "too_many_requests"

    def __init__(self, detail: str, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, retry_after=retry_after, **extra)
        self.retry_after = retry_after


class Unavailable(DivertError):
    """A service we depend on (the search engine) cannot answer now; `code` names which."""

    code = "unavailable"

    def __init__(self, detail: str, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        if code:
            self.code = code


class DatabaseUnavailable(DivertError):
    code = "database_unavailable"


# An import's answer lists at most this many problems, with the total in `error_count`: a file with
# two million bad rows must not become a 230 MB error body.
MAX_LISTED_ERRORS = 1000


class ImportFailed(DivertError):
    """An import with invalid records: nothing was written; `errors` lists the first
    MAX_LISTED_ERRORS problems in order and `error_count` counts them all."""

    code = "invalid_import"

    def __init__(self, detail: str, **extra: Any) -> None:
        errors = extra.get("errors")
        if isinstance(errors, list):
            extra["error_count"] = len(errors)
            extra["errors"] = errors[:MAX_LISTED_ERRORS]
        super().__init__(detail, **extra)


DEFAULT_STATUS_CODES: dict[type[DivertError], int] = {
    InvalidInput: 422,
    ImportFailed: 422,
    BadRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PreconditionFailed: 412,
    PayloadTooLarge: 413,
    TooManyRequests: 429,
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


def database_gone(exc: SQLAlchemyError) -> bool:
    """Errors that mean the database (or the connection to it) is gone, not that a query was wrong.

    Lost connections and refused connects are `OperationalError`/`InterfaceError` (SQLSTATE 08, 57P)
    or marked as disconnects; an exhausted pool is the pool's `TimeoutError`."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    if sqlstate.startswith(("08", "57P")):
        return True
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(exc, InterfaceError | OperationalError) and not sqlstate


def _headers_for(exc: DivertError) -> dict[str, str] | None:
    if isinstance(exc, Unauthorized):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(exc, TooManyRequests):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, DatabaseUnavailable):
        return {"Retry-After": "5"}
    if isinstance(exc, PreconditionFailed) and isinstance(exc.extra.get("etag"), str):
        return {"ETag": exc.extra["etag"]}  # the current tag, to retry with once the user chose
    return None


def add_exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(SQLAlchemyError)
    async def _database_error(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        # A lost database is 503 on every route (CONTRACT §2); any other database error is a bug:
        # 500 in the error shape, logged by class only (a statement may carry request values).
        if database_gone(exc):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
            return JSONResponse(
                error_body(DatabaseUnavailable.code, DATABASE_GONE), status_code=503, headers={"Retry-After": "5"}
            )
        sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
        log.error(
            "database error on %s %s: %s (SQLSTATE %s)", request.method, request.url.path, type(exc).__name__, sqlstate
        )
        return JSONResponse(error_body("internal_error", "an unexpected error occurred"), status_code=500)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return JSONResponse(error_body("internal_error", "an unexpected error occurred"), status_code=500)

    @app.exception_handler(DivertError)
    async def _divert_error(_: Request, exc: DivertError) -> JSONResponse:
        headers = _headers_for(exc)
        return JSONResponse(
            error_body(exc.code, exc.detail, **exc.extra), status_code=_status_for(exc), headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field_path(e.get("loc", ())), "message": e.get("msg", "invalid")} for e in exc.errors()]
        fields = ", ".join(sorted({e["field"] for e in errors})) or "request"
        return JSONResponse(error_body("invalid_input", f"invalid {fields}", errors=errors), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )
