"""Routes of the capacity room (CONTRACT §2.4): pools and provider reports, history, feeds and holds.

Routes parse, call the service and serialize; the request's unit of work (api/deps.py) commits before
the answer is sent, so a 200/201 always means the change is durable. A database failure during a
batch is answered 503 with nothing from the batch applied (retrying is safe).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Header, Path, Query, Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from api.auth.keys import Caller
from api.capacity import feeds as feed_ops
from api.capacity import repository, service
from api.capacity.auth import (
    HistoryReaderDep,
    PoolReaderDep,
    ensure_feed_access,
    ensure_organization_scope,
    ensure_pool_access,
)
from api.capacity.schemas import (
    NO_NUL_PATTERN,
    BatchOut,
    CapacityBatchIn,
    CapacityOut,
    CapacityReportIn,
    CapacityTrendPoint,
    FeedIn,
    FeedOut,
    HistoryOut,
    HoldIn,
    HoldOut,
    ReportOut,
)
from api.deps import CapacityWriterDep, CaseWorkerDep, HoldThrottleDep, SessionDep, SettingsDep, UnitOfWorkRoute
from api.lean import body_schema, validated, work_and_commit
from api.paging import Page, hsds_page
from catalog.tables import Feed
from divert.errors import DatabaseUnavailable, InvalidInput, NotFound

log = logging.getLogger("divert.capacity")

router = APIRouter(route_class=UnitOfWorkRoute)

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


# --- pools and reports -----------------------------------------------------------------------------


@router.get(
    "/capacity",
    summary="List capacity pools (providers see their own organization's)",
    tags=["capacity"],
    response_model=Page[CapacityOut],
)
def list_pools(
    caller: PoolReaderDep,
    session: SessionDep,
    settings: SettingsDep,
    organization_id: OptionalId = None,
    service_id: OptionalId = None,
    page: PageDep = 1,
    per_page: PerPageDep = DEFAULT_PAGE_SIZE,
) -> dict[str, Any]:
    organization_id = ensure_organization_scope(caller, organization_id)
    now = _now()
    total, rows = repository.list_pool_rows(session, now, organization_id, service_id, (page - 1) * per_page, per_page)
    freshness = settings.freshness
    return hsds_page(total, page, per_page, [service.capacity_view(r, now, freshness) for r in rows])


# Serialized by hand (orjson) for speed; tests/capacity/test_declared_answers.py holds it to BatchOut.
@router.post(
    "/capacity",
    summary="Apply many capacity reports, with a result per item",
    tags=["capacity"],
    response_model=BatchOut,
    response_model_exclude_unset=True,
)
def push_batch(body: CapacityBatchIn, caller: CapacityWriterDep, session: SessionDep, settings: SettingsDep) -> Any:
    try:
        result = service.push_batch(session, settings, caller, body.updates, _now())
    except DBAPIError as exc:
        # The connection dropped mid-batch: the transaction is gone, so no item of this batch was
        # applied. The answer says so in the batch's own terms; the client can resend the whole batch.
        raise DatabaseUnavailable(
            "the database failed while applying this batch; no update from it was applied — send it again",
            applied=0,
            items=len(body.updates),
        ) from exc
    # Serialized directly: the generic encoder would walk thousands of plain result dicts.
    return Response(orjson.dumps(result), media_type="application/json")


# Points in a sparkline: about a day of hourly reports, small enough to draw on a phone.
TREND_POINTS = 30
MAX_TREND_POOLS = 100


@router.get(
    "/capacity/trends",
    summary="How pools' numbers moved: their last applied reports, oldest first",
    tags=["capacity"],
    response_model=dict[str, list[CapacityTrendPoint]],
)
def capacity_trends(
    caller: PoolReaderDep,
    session: SessionDep,
    ids: Annotated[str, Query(max_length=20_000, pattern=NO_NUL_PATTERN, description="comma-separated capacity ids")],
) -> dict[str, list[dict[str, Any]]]:
    """The pool history endpoint also says who sent each report (key names), so it is for providers and
    curators; a trend needs only the numbers, which every role that may read the pool may see
    (providers: their own organization's pools)."""
    wanted = [i for i in dict.fromkeys(part.strip() for part in ids.split(",")) if i]
    if len(wanted) > MAX_TREND_POOLS:
        raise InvalidInput(
            f"ids: at most {MAX_TREND_POOLS} ids",
            errors=[{"field": "ids", "message": f"at most {MAX_TREND_POOLS} ids"}],
        )
    return repository.capacity_trends(session, wanted, ensure_organization_scope(caller, None), TREND_POINTS)


@router.get(
    "/capacity/{capacity_id}",
    summary="A pool's current state and status",
    tags=["capacity"],
    response_model=CapacityOut,
)
def read_pool(
    capacity_id: CapacityId,
    caller: PoolReaderDep,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    program: OptionalId = None,
) -> dict[str, Any]:
    now = _now()
    row = repository.pool_row(session, capacity_id, now)
    if row is None:
        raise NotFound(f"no capacity pool with id {capacity_id}")
    ensure_pool_access(caller, row.organization_id, capacity_id)
    response.headers["ETag"] = service.pool_etag(row)
    return service.capacity_view(row, now, settings.freshness, program or caller.program)


def writable_pool(session: Session, caller: Caller, capacity_id: str) -> str:
    """The organization owning the pool a report is for, checked before the body is validated: a
    provider sending any body to another organization's pool learns only that there is no such pool
    (404), never a 422 about it. The check takes the pool's row lock for the request's transaction,
    so the report needs no second look-up."""
    owners = repository.lock_pools(session, [capacity_id])
    if capacity_id not in owners:
        raise NotFound(f"no capacity pool with id {capacity_id}")
    ensure_pool_access(caller, owners[capacity_id], capacity_id)
    return owners[capacity_id]


# A hot route (api/lean.py): the pool's lock and owner check, the body's validation, the report and
# the commit in one worker-thread hop; serialized directly (tests/capacity/test_declared_answers.py
# holds the answer to ReportOut).
@router.put(
    "/capacity/{capacity_id}",
    summary="Report a pool's capacity (applied unless older)",
    tags=["capacity"],
    response_model=ReportOut,
    response_model_exclude_unset=True,
    responses={412: {"description": "If-Match no longer matches: the current report and its ETag"}},
    openapi_extra=body_schema(CapacityReportIn),
)
async def push_report(
    capacity_id: CapacityId,
    document: Annotated[Any, Body()],
    caller: CapacityWriterDep,
    session: SessionDep,
    settings: SettingsDep,
    if_match: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    """Applies the report unless it is older than the stored one. With `If-Match` (the pool's ETag as
    read), a pool that moved since is not overwritten: 412 with the current report and its ETag."""

    def report() -> dict[str, Any]:
        owner = writable_pool(session, caller, capacity_id)
        body = validated(CapacityReportIn, document)
        return service.push_report(session, settings, caller, capacity_id, body, _now(), if_match, locked_owner=owner)

    result = await work_and_commit(session, report)
    return Response(orjson.dumps(result), media_type="application/json", headers={"ETag": result["etag"]})


@router.get(
    "/capacity/{capacity_id}/history",
    summary="Every report for a pool, newest first",
    tags=["capacity"],
    response_model=Page[HistoryOut],
)
def pool_history(
    capacity_id: CapacityId,
    caller: HistoryReaderDep,
    session: SessionDep,
    page: PageDep = 1,
    per_page: PerPageDep = DEFAULT_PAGE_SIZE,
) -> dict[str, Any]:
    owners = repository.pool_organizations(session, [capacity_id])
    if capacity_id not in owners:
        raise NotFound(f"no capacity pool with id {capacity_id}")
    ensure_pool_access(caller, owners[capacity_id], capacity_id)
    total, rows = repository.history_rows(session, capacity_id, (page - 1) * per_page, per_page)
    return hsds_page(total, page, per_page, [service.history_view(r) for r in rows])


# --- feeds -----------------------------------------------------------------------------------------


@router.post(
    "/feeds", status_code=201, summary="Register a polled capacity feed", tags=["feeds"], response_model=FeedOut
)
def create_feed(body: FeedIn, caller: CapacityWriterDep, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    feed = feed_ops.register_feed(session, settings, caller, body, _now())
    return feed_ops.feed_view(feed)


@router.get("/feeds", summary="Capacity feeds and their health", tags=["feeds"], response_model=Page[FeedOut])
def list_feeds(
    caller: CapacityWriterDep, session: SessionDep, page: PageDep = 1, per_page: PerPageDep = DEFAULT_PAGE_SIZE
) -> dict[str, Any]:
    total, rows = feed_ops.feeds_for(session, caller, (page - 1) * per_page, per_page)
    return hsds_page(total, page, per_page, [feed_ops.feed_view(f) for f in rows])


def _feed(session: SessionDep, feed_id: str) -> Feed:
    feed = repository.feed(session, feed_id)
    if feed is None:
        raise NotFound(f"no feed with id {feed_id}")
    return feed


@router.get("/feeds/{feed_id}", summary="One capacity feed and its health", tags=["feeds"], response_model=FeedOut)
def read_feed(feed_id: FeedId, caller: CapacityWriterDep, session: SessionDep) -> dict[str, Any]:
    feed = _feed(session, feed_id)
    ensure_feed_access(caller, feed)
    return feed_ops.feed_view(feed)


@router.delete("/feeds/{feed_id}", status_code=204, summary="Stop polling a feed", tags=["feeds"])
def delete_feed(feed_id: FeedId, caller: CapacityWriterDep, session: SessionDep) -> Response:
    feed = _feed(session, feed_id)
    ensure_feed_access(caller, feed)
    repository.delete_feed(session, feed)
    return Response(status_code=204)


# --- holds -----------------------------------------------------------------------------------------


@router.post(
    "/holds",
    status_code=201,
    summary="Hold one unit for a warm handoff",
    tags=["holds"],
    response_model=HoldOut,
    responses={409: {"description": "no_open_units: nothing this request may hold"}},
)
def create_hold(body: HoldIn, caller: HoldThrottleDep, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    result = service.place_hold(session, settings, caller, body, _now())
    return result


@router.get("/holds/{hold_id}", summary="A hold and its state", tags=["holds"], response_model=HoldOut)
def read_hold(hold_id: HoldId, caller: CaseWorkerDep, session: SessionDep) -> dict[str, Any]:
    return service.read_hold(session, caller, hold_id, _now())


@router.post(
    "/holds/{hold_id}/confirm",
    summary="The person is placed: take the held unit",
    tags=["holds"],
    response_model=HoldOut,
)
def confirm_hold(hold_id: HoldId, caller: CaseWorkerDep, session: SessionDep) -> dict[str, Any]:
    result = service.confirm_hold(session, caller, hold_id, _now())
    return result


@router.delete(
    "/holds/{hold_id}", summary="Release a hold: its unit is free again", tags=["holds"], response_model=HoldOut
)
def release_hold(hold_id: HoldId, caller: CaseWorkerDep, session: SessionDep) -> dict[str, Any]:
    result = service.release_hold(session, caller, hold_id, _now())
    return result
