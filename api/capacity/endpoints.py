"""Routes of the capacity room (CONTRACT §2.4): pools and provider reports, history, feeds and holds.

Write routes commit before they answer, so a 200/201 always means the change is durable; a database
failure during a batch is answered 503 with nothing from the batch applied (retrying is safe).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from math import ceil
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from api.capacity import feeds as feed_ops
from api.capacity import repository, service
from api.capacity.auth import (
    HistoryReaderDep,
    PoolReaderDep,
    ensure_feed_access,
    ensure_organization_scope,
    ensure_pool_access,
)
from api.capacity.schemas import NO_NUL_PATTERN, CapacityBatchIn, CapacityReportIn, FeedIn, HoldIn
from api.deps import CapacityWriterDep, CaseWorkerDep, SessionDep, SettingsDep
from api.throttle import HoldThrottleDep
from catalog.tables import Feed
from divert.errors import NotFound, error_body

log = logging.getLogger("divert.capacity")

router = APIRouter()

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500

PageDep = Annotated[int, Query(ge=1, le=1_000_000, description="page number, from 1")]
CapacityId = Annotated[str, Path(pattern=NO_NUL_PATTERN)]
FeedId = Annotated[str, Path(pattern=NO_NUL_PATTERN)]
HoldId = Annotated[str, Path(pattern=NO_NUL_PATTERN)]
OptionalId = Annotated[str | None, Query(pattern=NO_NUL_PATTERN)]
PerPageDep = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="items per page")]


def _now() -> datetime:
    return datetime.now(UTC)


def _page(contents: list[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    """The HSDS page shape, as the directory uses it."""
    pages = ceil(total / per_page) if total else 0
    return {"total_items": total, "total_pages": pages, "page_number": page, "size": len(contents),
            "first_page": page == 1, "last_page": page >= pages, "empty": not contents,
            "contents": contents}


# --- pools and reports -----------------------------------------------------------------------------

@router.get("/capacity", summary="List capacity pools (providers see their own organization's)",
            tags=["capacity"])
def list_pools(caller: PoolReaderDep, session: SessionDep, settings: SettingsDep,
               organization_id: OptionalId = None, service_id: OptionalId = None,
               page: PageDep = 1, per_page: PerPageDep = DEFAULT_PAGE_SIZE) -> dict[str, Any]:
    organization_id = ensure_organization_scope(caller, organization_id)
    now = _now()
    total, rows = repository.list_pool_rows(session, now, organization_id, service_id,
                                            (page - 1) * per_page, per_page)
    freshness = settings.freshness
    return _page([service.capacity_view(r, now, freshness) for r in rows], total, page, per_page)


@router.post("/capacity", summary="Apply many capacity reports, with a result per item", tags=["capacity"])
def push_batch(body: CapacityBatchIn, caller: CapacityWriterDep, session: SessionDep,
               settings: SettingsDep) -> Any:
    try:
        result = service.push_batch(session, settings, caller, body.updates, _now())
        session.commit()
    except DBAPIError as exc:
        # The connection dropped or the database refused mid-batch: the transaction is gone, so no
        # item of this batch was applied. Say so plainly; the client can resend the whole batch.
        session.rollback()
        log.warning("capacity batch failed in the database: %s", type(exc.orig).__name__)
        return JSONResponse(error_body(
            "database_unavailable",
            "the database failed while applying this batch; no update from it was applied — send it again",
            applied=0, items=len(body.updates)), status_code=503, headers={"Retry-After": "5"})
    # Serialized directly: the generic encoder would walk thousands of plain result dicts.
    return Response(orjson.dumps(result), media_type="application/json")


@router.get("/capacity/{capacity_id}", summary="A pool's current state and status", tags=["capacity"])
def read_pool(capacity_id: CapacityId, caller: PoolReaderDep, session: SessionDep, settings: SettingsDep,
              program: OptionalId = None) -> dict[str, Any]:
    now = _now()
    row = repository.pool_row(session, capacity_id, now)
    if row is None:
        raise NotFound(f"no capacity pool with id {capacity_id}")
    ensure_pool_access(caller, row.organization_id, capacity_id)
    return service.capacity_view(row, now, settings.freshness, program or caller.program)


def writable_pool(capacity_id: CapacityId, caller: CapacityWriterDep, session: SessionDep) -> str:
    """The pool a report is for, checked before the body is validated: a provider sending any body to
    another organization's pool learns only that there is no such pool (404), never a 422 about it."""
    owners = repository.pool_organizations(session, [capacity_id])
    if capacity_id not in owners:
        raise NotFound(f"no capacity pool with id {capacity_id}")
    ensure_pool_access(caller, owners[capacity_id], capacity_id)
    return capacity_id


@router.put("/capacity/{capacity_id}", summary="Report a pool's capacity (applied unless older)",
            tags=["capacity"])
def push_report(capacity_id: Annotated[str, Depends(writable_pool)], body: CapacityReportIn,
                caller: CapacityWriterDep, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    result = service.push_report(session, settings, caller, capacity_id, body, _now())
    session.commit()
    return result


@router.get("/capacity/{capacity_id}/history", summary="Every report for a pool, newest first",
            tags=["capacity"])
def pool_history(capacity_id: CapacityId, caller: HistoryReaderDep, session: SessionDep,
                 page: PageDep = 1, per_page: PerPageDep = DEFAULT_PAGE_SIZE) -> dict[str, Any]:
    owners = repository.pool_organizations(session, [capacity_id])
    if capacity_id not in owners:
        raise NotFound(f"no capacity pool with id {capacity_id}")
    ensure_pool_access(caller, owners[capacity_id], capacity_id)
    total, rows = repository.history_rows(session, capacity_id, (page - 1) * per_page, per_page)
    return _page([service.history_view(r) for r in rows], total, page, per_page)


# --- feeds -----------------------------------------------------------------------------------------

@router.post("/feeds", status_code=201, summary="Register a polled capacity feed", tags=["feeds"])
def create_feed(body: FeedIn, caller: CapacityWriterDep, session: SessionDep,
                settings: SettingsDep) -> dict[str, Any]:
    feed = feed_ops.register_feed(session, settings, caller, body, _now())
    session.commit()
    return feed_ops.feed_view(feed)


@router.get("/feeds", summary="Capacity feeds and their health", tags=["feeds"])
def list_feeds(caller: CapacityWriterDep, session: SessionDep, page: PageDep = 1,
               per_page: PerPageDep = DEFAULT_PAGE_SIZE) -> dict[str, Any]:
    total, rows = feed_ops.feeds_for(session, caller, (page - 1) * per_page, per_page)
    return _page([feed_ops.feed_view(f) for f in rows], total, page, per_page)


def _feed(session: SessionDep, feed_id: str) -> Feed:
    feed = session.get(Feed, feed_id)
    if feed is None:
        raise NotFound(f"no feed with id {feed_id}")
    return feed


@router.get("/feeds/{feed_id}", summary="One capacity feed and its health", tags=["feeds"])
def read_feed(feed_id: FeedId, caller: CapacityWriterDep, session: SessionDep) -> dict[str, Any]:
    feed = _feed(session, feed_id)
    ensure_feed_access(caller, feed)
    return feed_ops.feed_view(feed)


@router.delete("/feeds/{feed_id}", status_code=204, summary="Stop polling a feed", tags=["feeds"])
def delete_feed(feed_id: FeedId, caller: CapacityWriterDep, session: SessionDep) -> Response:
    feed = _feed(session, feed_id)
    ensure_feed_access(caller, feed)
    session.delete(feed)
    session.commit()
    return Response(status_code=204)


# --- holds -----------------------------------------------------------------------------------------

@router.post("/holds", status_code=201, summary="Hold one unit for a warm handoff", tags=["holds"],
             responses={409: {"description": "no_open_units: nothing this request may hold"}})
def create_hold(body: HoldIn, caller: HoldThrottleDep, session: SessionDep,
                settings: SettingsDep) -> dict[str, Any]:
    result = service.place_hold(session, settings, caller, body, _now())
    session.commit()
    return result


@router.get("/holds/{hold_id}", summary="A hold and its state", tags=["holds"])
def read_hold(hold_id: HoldId, caller: CaseWorkerDep, session: SessionDep) -> dict[str, Any]:
    return service.read_hold(session, caller, hold_id, _now())


@router.post("/holds/{hold_id}/confirm", summary="The person is placed: take the held unit",
             tags=["holds"])
def confirm_hold(hold_id: HoldId, caller: CaseWorkerDep, session: SessionDep) -> dict[str, Any]:
    result = service.confirm_hold(session, caller, hold_id, _now())
    session.commit()
    return result


@router.delete("/holds/{hold_id}", summary="Release a hold: its unit is free again", tags=["holds"])
def release_hold(hold_id: HoldId, caller: CaseWorkerDep, session: SessionDep) -> dict[str, Any]:
    result = service.release_hold(session, caller, hold_id, _now())
    session.commit()
    return result
