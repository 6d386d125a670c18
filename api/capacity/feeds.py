"""Polled capacity feeds: registration, fetching and applying HSDS `service_capacity` JSON, health
and backoff.

A feed is untrusted input from the network. It is fetched with a conditional GET, a timeout, a size
limit and the outbound address policy of `api.outbound` (public addresses only, checked on the address
connected to, redirects included), outside any database transaction; each item is validated on its
own (bad items are reported with reasons, good ones go through the same conditional update as a push,
with source "feed"); and one feed failing or hanging never stops the others.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth.keys import Caller
from api.capacity import repository
from api.capacity.auth import ensure_organization_scope
from api.capacity.schemas import CapacityReportIn, FeedIn, field_problems
from api.capacity.service import ReportResult, apply_reports, future_problem, report_values
from api.outbound import OutboundRefused, Resolver, outbound_client, url_problem
from catalog.tables import Feed, Organization
from divert.db import session_scope
from divert.errors import InvalidInput
from divert.settings import Settings

log = logging.getLogger("divert.capacity.feeds")

# A capacity document for one organization is small; anything bigger is not a capacity feed.
MAX_FEED_BYTES = 5 * 1024 * 1024
MAX_FEED_ITEMS = 20_000
# How many rejected items are kept with reasons in last_result (the counts are always complete).
MAX_REPORTED_REJECTIONS = 100
# Backoff after failures: interval × 2^failures, capped, with jitter so that many feeds that failed
# together (a provider's outage) do not come back in lockstep.
MAX_BACKOFF_SECONDS = 6 * 3600
# Feeds polled at once: one slow feed holds one worker, not the whole round.
POLL_WORKERS = 8
USER_AGENT = "divert-capacity-poller/1"


# --- registration and views ------------------------------------------------------------------------


def register_feed(session: Session, settings: Settings, caller: Caller, body: FeedIn, now: datetime) -> Feed:
    organization_id = ensure_organization_scope(caller, body.organization_id)
    problem = url_problem(body.url, settings.outbound_allow_loopback)
    if problem:
        raise InvalidInput(problem, errors=[{"field": "url", "message": problem}])
    if organization_id is not None and session.get(Organization, organization_id) is None:
        message = f"no organization with id {organization_id}"
        raise InvalidInput(message, errors=[{"field": "organization_id", "message": message}])
    feed = Feed(
        id=str(uuid.uuid4()),
        url=body.url,
        organization_id=organization_id,
        interval_seconds=body.interval_seconds,
        consecutive_failures=0,
        next_poll_at=now,
        last_result={},
        created_at=now,
    )
    session.add(feed)
    session.flush()
    return feed


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def feed_view(feed: Feed) -> dict[str, Any]:
    if feed.last_polled_at is None:
        health = "pending"
    elif feed.consecutive_failures:
        health = "failing"
    else:
        health = "ok"
    return {
        "id": feed.id,
        "url": feed.url,
        "organization_id": feed.organization_id,
        "interval_seconds": feed.interval_seconds,
        "created_at": _iso(feed.created_at),
        "status": health,
        "last_polled_at": _iso(feed.last_polled_at),
        "last_success_at": _iso(feed.last_success_at),
        "last_error": feed.last_error,
        "last_error_at": _iso(feed.last_error_at),
        "consecutive_failures": feed.consecutive_failures,
        "next_poll_at": _iso(feed.next_poll_at),
        "last_result": feed.last_result or {},
    }


# --- fetching --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedSnapshot:
    """What a poll needs to know about a feed, read before any network I/O."""

    id: str
    url: str
    organization_id: str | None
    interval_seconds: int
    etag: str | None
    last_modified: str | None
    consecutive_failures: int


@dataclass
class FetchResult:
    http_status: int | None = None
    not_modified: bool = False
    items: list[Any] | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None


def parse_feed_document(content: bytes) -> list[Any]:
    """An array of service_capacity objects, or `{"service_capacity": [...]}` / `{"capacities": [...]}`."""
    try:
        document = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"feed is not JSON: {exc}") from exc
    if isinstance(document, dict):
        for key in ("service_capacity", "capacities"):
            if isinstance(document.get(key), list):
                document = document[key]
                break
        else:
            raise ValueError(
                "feed JSON must be an array of service_capacity objects, or an object "
                "with a 'service_capacity' or 'capacities' array"
            )
    if not isinstance(document, list):
        raise ValueError("feed JSON must be an array of service_capacity objects")
    if len(document) > MAX_FEED_ITEMS:
        raise ValueError(f"feed has {len(document)} items; at most {MAX_FEED_ITEMS} are accepted")
    return document


def fetch_feed(
    feed: FeedSnapshot,
    settings: Settings,
    *,
    resolver: Resolver | None = None,
    transport: httpx.BaseTransport | None = None,
) -> FetchResult:
    """One conditional GET with a total deadline and a size cap; never raises.

    The request goes through the outbound policy (api.outbound): only to public addresses, checked
    on the address connected to, redirects included. `resolver` and `transport` are for tests."""
    problem = url_problem(feed.url, settings.outbound_allow_loopback)
    if problem:
        return FetchResult(error=f"feed refused: {problem}")
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    timeout = settings.feed_timeout_seconds
    deadline = time.monotonic() + timeout
    try:
        client = outbound_client(
            settings.outbound_allow_loopback, resolver=resolver, transport=transport, timeout=httpx.Timeout(timeout)
        )
        with client, client.stream("GET", feed.url, headers=headers) as response:
            if response.status_code == 304:
                return FetchResult(http_status=304, not_modified=True, etag=feed.etag, last_modified=feed.last_modified)
            if response.status_code != 200:
                return FetchResult(http_status=response.status_code, error=f"feed answered HTTP {response.status_code}")
            body = bytearray()
            # A server that drips bytes slowly must not hold the poller past its deadline.
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > MAX_FEED_BYTES:
                    return FetchResult(http_status=200, error=f"feed is larger than {MAX_FEED_BYTES} bytes")
                if time.monotonic() > deadline:
                    return FetchResult(http_status=200, error=f"feed took longer than {timeout:g} s")
            etag = response.headers.get("etag")
            last_modified = response.headers.get("last-modified")
    except OutboundRefused as exc:  # its message never names what the host resolved to
        return FetchResult(error=f"feed refused: {exc}")
    except httpx.TimeoutException:
        return FetchResult(error=f"feed timed out after {timeout:g} s")
    except httpx.HTTPError as exc:
        # The class only: a connection error's text can name the address it tried.
        return FetchResult(error=f"feed request failed: {type(exc).__name__}")
    try:
        items = parse_feed_document(bytes(body))
    except ValueError as exc:
        return FetchResult(http_status=200, error=str(exc))
    return FetchResult(http_status=200, items=items, etag=etag, last_modified=last_modified)


# --- applying --------------------------------------------------------------------------------------


@dataclass
class FeedTally:
    received: int = 0
    applied: int = 0
    not_applied: int = 0
    rejected: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, index: int, capacity_id: Any, reasons: list[dict[str, str]]) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_REPORTED_REJECTIONS:
            self.rejections.append(
                {
                    "index": index,
                    "capacity_id": capacity_id if isinstance(capacity_id, str) else None,
                    "reasons": reasons,
                }
            )

    def as_result(self, http_status: int) -> dict[str, Any]:
        return {
            "http_status": http_status,
            "not_modified": False,
            "received": self.received,
            "applied": self.applied,
            "not_applied": self.not_applied,
            "rejected": self.rejected,
            "rejections": self.rejections,
        }


def apply_feed_items(
    session: Session, settings: Settings, feed: FeedSnapshot, items: Sequence[Any], now: datetime
) -> FeedTally:
    """Validates each item on its own and applies the good ones as `feed` reports."""
    tally = FeedTally(received=len(items))
    actor = f"feed:{feed.id}"
    candidates: list[tuple[int, str, CapacityReportIn]] = []
    for index, raw in enumerate(items):
        if not isinstance(raw, dict):
            tally.reject(index, None, [{"field": "item", "message": "must be a service_capacity object"}])
            continue
        capacity_id = raw.get("id", raw.get("capacity_id"))
        if not isinstance(capacity_id, str) or not capacity_id or "\x00" in capacity_id:
            tally.reject(index, None, [{"field": "id", "message": "must be the service_capacity id"}])
            continue
        try:
            report = CapacityReportIn.model_validate(raw)
        except ValidationError as exc:
            tally.reject(index, capacity_id, field_problems(exc))
            continue
        problem = future_problem(report.updated, now, settings)
        if problem:
            tally.reject(index, capacity_id, [{"field": "updated", "message": problem}])
            continue
        candidates.append((index, capacity_id, report))
    owners = repository.lock_pools(session, (c for _, c, _ in candidates))
    accepted: list[tuple[int, str, CapacityReportIn]] = []
    for index, capacity_id, report in candidates:
        owner = owners.get(capacity_id)
        if owner is None:
            tally.reject(index, capacity_id, [{"field": "id", "message": "no capacity pool with this id"}])
        elif feed.organization_id is not None and owner != feed.organization_id:
            tally.reject(index, capacity_id, [{"field": "id", "message": "this pool belongs to another organization"}])
        else:
            accepted.append((index, capacity_id, report))
    decisions = apply_reports(session, [report_values(c, r) for _, c, r in accepted], "feed", actor, locked=True)
    for (index, capacity_id, _), decision in zip(accepted, decisions, strict=True):
        if decision.result is ReportResult.APPLIED:
            tally.applied += 1
        elif decision.result is ReportResult.OLDER_THAN_CURRENT:
            tally.not_applied += 1
        elif decision.result is ReportResult.NOT_FOUND:
            tally.reject(index, capacity_id, [{"field": "id", "message": "no capacity pool with this id"}])
        else:
            tally.reject(
                index,
                capacity_id,
                [{"field": "available", "message": f"exceeds the stored maximum ({decision.stored_maximum})"}],
            )
    tally.rejections.sort(key=lambda r: r["index"])
    return tally


def backoff_delay(interval_seconds: int, failures: int) -> timedelta:
    """interval × 2^failures (capped) scaled by a jitter in [0.75, 1): grows strictly until the cap."""
    cap = min(interval_seconds * (2 ** min(failures, 30)), MAX_BACKOFF_SECONDS)
    return timedelta(seconds=cap * (0.75 + 0.25 * random.random()))


def _snapshot(feed: Feed) -> FeedSnapshot:
    return FeedSnapshot(
        id=feed.id,
        url=feed.url,
        organization_id=feed.organization_id,
        interval_seconds=feed.interval_seconds,
        etag=feed.etag,
        last_modified=feed.last_modified_header,
        consecutive_failures=feed.consecutive_failures,
    )


def _record_failure(
    settings: Settings, feed_id: str, now: datetime, error: str, http_status: int | None
) -> dict[str, Any]:
    with session_scope(settings) as session:
        feed = session.get(Feed, feed_id, with_for_update=True)
        if feed is None:  # deleted while it was being polled
            return {"feed_id": feed_id, "outcome": "deleted"}
        feed.consecutive_failures += 1
        feed.last_polled_at = now
        feed.last_error = error[:1000]
        feed.last_error_at = now
        feed.next_poll_at = now + backoff_delay(feed.interval_seconds, feed.consecutive_failures)
        feed.last_result = {"http_status": http_status, "error": feed.last_error}
        return {
            "feed_id": feed_id,
            "outcome": "failed",
            "error": feed.last_error,
            "consecutive_failures": feed.consecutive_failures,
        }


def poll_feed(settings: Settings, feed_id: str, now: datetime) -> dict[str, Any]:
    """Polls one feed and records the outcome; any failure is recorded on the feed, never raised."""
    with session_scope(settings) as session:
        feed = session.get(Feed, feed_id)
        if feed is None:
            return {"feed_id": feed_id, "outcome": "deleted"}
        snapshot = _snapshot(feed)
    fetched = fetch_feed(snapshot, settings)
    if fetched.error is not None:
        return _record_failure(settings, feed_id, now, fetched.error, fetched.http_status)
    try:
        with session_scope(settings) as session:
            feed = session.get(Feed, feed_id, with_for_update=True)
            if feed is None:
                return {"feed_id": feed_id, "outcome": "deleted"}
            if fetched.not_modified:
                result: dict[str, Any] = {
                    "http_status": 304,
                    "not_modified": True,
                    "received": 0,
                    "applied": 0,
                    "not_applied": 0,
                    "rejected": 0,
                    "rejections": [],
                }
            else:
                result = apply_feed_items(session, settings, snapshot, fetched.items or [], now).as_result(200)
                feed.etag = fetched.etag
                feed.last_modified_header = fetched.last_modified
            feed.last_polled_at = now
            feed.last_success_at = now
            feed.consecutive_failures = 0
            feed.next_poll_at = now + timedelta(seconds=feed.interval_seconds)
            feed.last_result = result
            return {
                "feed_id": feed_id,
                "outcome": "not_modified" if fetched.not_modified else "polled",
                **{k: result[k] for k in ("applied", "not_applied", "rejected")},
            }
    except Exception as exc:  # a database failure while applying: nothing applied, the feed is retried
        log.exception("applying feed %s failed", feed_id)
        return _record_failure(settings, feed_id, now, f"applying the feed failed: {type(exc).__name__}", 200)


def poll_due_feeds(settings: Settings, now: datetime | None = None) -> list[dict[str, Any]]:
    """Polls every feed whose next poll is due at `now`, a few at a time; returns each outcome.

    The scheduler calls this every few seconds on the replica holding the advisory lock; tests call
    it with an explicit `now` to drive polls deterministically.
    """
    now = now or datetime.now(UTC)
    with session_scope(settings) as session:
        due = repository.due_feed_ids(session, now)
    if not due:
        return []

    def poll_safely(feed_id: str) -> dict[str, Any]:
        try:
            return poll_feed(settings, feed_id, now)
        except Exception as exc:  # one feed's failure must never stop the round
            log.exception("polling feed %s failed", feed_id)
            return {"feed_id": feed_id, "outcome": "error", "error": type(exc).__name__}

    with ThreadPoolExecutor(max_workers=min(POLL_WORKERS, len(due)), thread_name_prefix="feed-poll") as pool:
        return list(pool.map(poll_safely, due))


def feeds_for(session: Session, caller: Caller, offset: int, limit: int) -> tuple[int, list[Feed]]:
    stmt = select(Feed)
    if caller.role == "provider":
        stmt = stmt.where(Feed.organization_id == caller.organization_id)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.scalars(stmt.order_by(Feed.created_at, Feed.id).offset(offset).limit(limit)).all()
    return total, list(rows)
