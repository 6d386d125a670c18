"""Routes of the imports room: `POST /v1/import/hsds` (CONTRACT §2.6), all or nothing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from api.auth.keys import Caller
from api.deps import SessionDep, UnitOfWorkRoute, require_roles
from api.imports.schemas import ImportSummaryOut
from api.imports.service import import_upload
from divert.errors import ImportFailed
from importers.datapackage import read_datapackage
from importers.gc_pause import cyclic_gc_paused
from importers.hsds_json import TOO_DEEP, loads_json, services_from_json

router = APIRouter(tags=["import"], route_class=UnitOfWorkRoute)

CuratorOnly = Annotated[Caller, Depends(require_roles("curator"))]

_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "array", "items": {"type": "object"}},
                        {
                            "type": "object",
                            "properties": {"services": {"type": "array", "items": {"type": "object"}}},
                        },
                    ]
                }
            },
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
            },
        },
    },
}


def _invalid(detail: str) -> ImportFailed:
    return ImportFailed(detail, errors=[{"index": 0, "path": "", "message": detail}])


async def _read_upload(request: Request) -> Any:
    """The body as HSDS JSON (parsed) or a datapackage zip (bytes)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        try:
            form = await request.form()
        except Exception:  # malformed multipart is the client's problem, reported as such
            raise _invalid("the multipart body could not be read") from None
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise _invalid("the multipart body needs a 'file' part with the JSON or zip")
        raw = await upload.read()
        name = (upload.filename or "").lower()
        if name.endswith(".zip") or raw[:4] == b"PK\x03\x04":
            return raw
        return _parse_json(raw)
    raw = await request.body()
    if content_type in ("application/zip", "application/x-zip-compressed") or raw[:4] == b"PK\x03\x04":
        return raw
    return _parse_json(raw)


def _parse_json(raw: bytes) -> Any:
    if not raw.strip():
        raise _invalid("the body is empty; send HSDS JSON or a datapackage zip")
    try:
        return loads_json(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _invalid(f"the body is not JSON ({exc})") from None


@router.post(
    "/import/hsds",
    openapi_extra=_IMPORT_BODY,
    summary="Import HSDS 3.1 services (JSON) or a tabular datapackage (zip); all or nothing",
    response_model=ImportSummaryOut,
    # The summary as the pipeline wrote it: keys it left out stay out, values it set (even null) stay.
    response_model_exclude_unset=True,
)
async def import_hsds(
    request: Request,
    session: SessionDep,
    caller: CuratorOnly,
    dry_run: Annotated[bool, Query(description="validate only, write nothing")] = False,
) -> dict[str, Any]:
    # From parsing the body to releasing it: a batch is a few hundred thousand live objects, and
    # a cyclic collection would walk them all (see cyclic_gc_paused).
    with cyclic_gc_paused():
        body = await _read_upload(request)
        settings = request.app.state.settings
        data = (
            read_datapackage(body, settings.zip_unpacked_limit_bytes)
            if isinstance(body, bytes)
            else services_from_json(body)
        )
        del body
        # The pipeline is synchronous database work: run it off the event loop.
        try:
            result = await run_in_threadpool(import_upload, session, data, actor=caller.actor, dry_run=dry_run)
        except RecursionError:  # a document nested near the parser's limit: bad input, not a crash
            raise _invalid(TOO_DEEP) from None
        del data
        return result.to_dict()
