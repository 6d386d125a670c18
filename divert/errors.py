"""Domain errors and the one table that maps each to an HTTP status (CONTRACT §2: one JSON error shape).

Handlers raise meaning (`NotFound`, `Forbidden`, `InvalidInput`), never status codes; the exception
handlers installed by `add_exception_handlers` turn them into `{"error": code, "detail": text, ...}`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


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


class ImportFailed(DivertError):
    """An import with invalid records: nothing was written; `errors` lists every problem."""

    code = "invalid_import"


DEFAULT_STATUS_CODES: dict[type[DivertError], int] = {
    InvalidInput: 422,
    ImportFailed: 422,
    BadRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PreconditionFailed: 412,
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
        if isinstance(exc, PreconditionFailed) and isinstance(exc.extra.get("etag"), str):
            headers = {"ETag": exc.extra["etag"]}  # the current tag, to retry with once the user chose
        return JSONResponse(error_body(exc.code, exc.detail, **exc.extra), status_code=_status_for(exc),
                            headers=headers)

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
