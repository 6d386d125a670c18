"""Capacity operations: apply reports (push, batch, feed), describe pools, and place and end holds.

Time is always a parameter (`now`), so tests drive it; the pool arithmetic is `matcher.pools`, the
same code the matcher runs, so a hold can never disagree with what the matcher offered.
"""

from __future__ import annotations

import enum
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.auth.keys import Caller
from api.capacity import repository
from api.capacity.auth import ensure_hold_access, ensure_pool_access
from api.capacity.repository import PoolRow, ReportValues
from api.capacity.schemas import CapacityBatchItem, CapacityReportIn, HoldIn, field_problems
from catalog.tables import Hold
from divert.errors import Conflict, InvalidInput, NotFound, PreconditionFailed, TooManyRequests
from divert.settings import Settings
from matcher.pools import Freshness, is_stale, offerable_units, pool_status, usable_by


def _number(value: Decimal | float | None) -> float | int | None:
    """Numeric columns as JSON numbers: whole counts stay integers."""
    if value is None:
        return None
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else as_float


# --- describing pools ------------------------------------------------------------------------------


def capacity_view(row: PoolRow, now: datetime, freshness: Freshness, program: str | None = None) -> dict[str, Any]:
    """A pool's current state and status at `now`.

    Status is judged for `program` when given; otherwise a public pool is judged for anyone and a
    program pool for the programs that bought it (so its owners see `open`, not `unavailable`).
    """
    pool = row.as_pool()
    perspective = program if program is not None else (pool.reserved_for[0] if pool.reserved_for else None)
    c = row
    return {
        "id": c.id,
        "service_id": c.service_id,
        "organization_id": row.organization_id,
        "description": c.description,
        "unit": c.unit_id,
        "available": _number(c.available),
        "maximum": _number(c.maximum),
        "waitlist": c.waitlist,
        "updated": c.updated.isoformat(),
        "reserved_for": list(c.reserved_for or ()),
        "location_id": c.location_id,
        "pool": "program" if pool.reserved_for else "public",
        "active_holds": row.active_holds,
        "open_units": _number(offerable_units(pool, perspective)),
        "stale": is_stale(pool, now, freshness),
        "fresh_until": (c.updated + freshness.ttl(pool.unit)).isoformat(),
        "status": pool_status(pool, now, freshness, perspective),
        "etag": pool_etag(row),  # what a page sends back as If-Match (§2.4)
    }


# --- reports ---------------------------------------------------------------------------------------


class ReportResult(enum.Enum):
    APPLIED = "applied"
    OLDER_THAN_CURRENT = "older_than_current"
    EXCEEDS_MAXIMUM = "exceeds_maximum"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class ReportDecision:
    result: ReportResult
    stored_maximum: float | None = None


def report_values(capacity_id: str, report: CapacityReportIn) -> ReportValues:
    return ReportValues(
        capacity_id=capacity_id,
        available=report.available,
        updated=report.updated,
        maximum=report.maximum,
        sets_maximum=report.sets_maximum,
        waitlist=report.waitlist,
        sets_waitlist=report.sets_waitlist,
    )


def future_problem(updated: datetime, now: datetime, settings: Settings) -> str | None:
    """A report dated beyond the allowed clock skew would freeze the pool against every true report."""
    limit = now + timedelta(minutes=settings.capacity_future_skew_minutes)
    if updated > limit:
        return (
            f"updated {updated.isoformat()} is in the future (more than "
            f"{settings.capacity_future_skew_minutes:g} minutes ahead of the server clock)"
        )
    return None


def apply_reports(
    session: Session, reports: Sequence[ReportValues], source: str, actor: str | None, *, locked: bool = False
) -> list[ReportDecision]:
    """Applies reports through the one conditional update; every report that reaches a pool is
    recorded in its history (applied, or not applied because a newer state is stored)."""
    return [_decision(outcome) for outcome in repository.apply_reports(session, reports, source, actor, locked=locked)]


def _decision(outcome: repository.ApplyOutcome) -> ReportDecision:
    if not outcome.found:
        return ReportDecision(ReportResult.NOT_FOUND)
    if outcome.applied:
        return ReportDecision(ReportResult.APPLIED)
    if outcome.recorded:
        return ReportDecision(ReportResult.OLDER_THAN_CURRENT)
    return ReportDecision(ReportResult.EXCEEDS_MAXIMUM, _number(outcome.stored_maximum))  # type: ignore[arg-type]


def _exceeds_maximum_detail(stored_maximum: float | None) -> str:
    return (
        f"available exceeds the stored maximum ({stored_maximum}); send maximum with the report if the pool has grown"
    )


def pool_etag(row: PoolRow) -> str:
    """The pool's entity tag: it changes whenever its stored report does (available, maximum,
    waitlist, updated). Holds are not part of it: they are not the provider's count."""
    stored = "|".join(
        str(v)
        for v in (
            row.id,
            _number(row.available),
            _number(row.maximum),
            row.waitlist,
            row.updated.astimezone(UTC).isoformat(),
        )
    )
    return '"' + hashlib.sha256(stored.encode()).hexdigest()[:20] + '"'


def _tags(if_match: str) -> set[str]:
    """The entity tags of an If-Match header; a weak tag W/"x" compares as "x" here."""
    return {t.strip().removeprefix("W/") for t in if_match.split(",") if t.strip()}


def check_if_match(if_match: str | None, row: PoolRow, now: datetime, settings: Settings) -> None:
    """§2.4: a PUT sent with If-Match whose tag no longer matches is refused (412) with the current
    report, so a page opened before another update cannot silently overwrite it."""
    if if_match is None:
        return
    current = pool_etag(row)
    tags = _tags(if_match)
    if "*" in tags or current in tags:
        return
    raise PreconditionFailed(
        "this pool was updated since you read it; here is the current report",
        etag=current,
        capacity=capacity_view(row, now, settings.freshness),
    )


def push_report(
    session: Session,
    settings: Settings,
    caller: Caller,
    capacity_id: str,
    report: CapacityReportIn,
    now: datetime,
    if_match: str | None = None,
    *,
    locked_owner: str | None = None,
) -> dict[str, Any]:
    """PUT /v1/capacity/{id}: one provider report, applied only if it is not older than the stored one
    and, when `if_match` is given, only if the pool has not moved since the client read it.

    `locked_owner`: the pool's organization when the caller has already locked it in this transaction
    (`repository.lock_pools`, as the route's dependency does), so it is not locked again."""
    problem = future_problem(report.updated, now, settings)
    if locked_owner is None:
        owners = repository.lock_pools(session, [capacity_id])
        if capacity_id not in owners:
            raise NotFound(f"no capacity pool with id {capacity_id}")
        locked_owner = owners[capacity_id]
    ensure_pool_access(caller, locked_owner, capacity_id)
    if problem:
        raise InvalidInput(problem, errors=[{"field": "updated", "message": problem}])
    if if_match is not None:
        before = repository.pool_row(session, capacity_id, now)  # locked above: it cannot move now
        assert before is not None
        check_if_match(if_match, before, now, settings)
    # One statement applies the report and answers with the pool as it stands after it.
    outcome, row = repository.apply_report_with_pool(
        session, report_values(capacity_id, report), "push", caller.actor, now
    )
    decision = _decision(outcome)
    if decision.result is ReportResult.NOT_FOUND or row is None:
        raise NotFound(f"no capacity pool with id {capacity_id}")
    if decision.result is ReportResult.EXCEEDS_MAXIMUM:
        detail = _exceeds_maximum_detail(decision.stored_maximum)
        raise InvalidInput(detail, errors=[{"field": "available", "message": detail}])
    body: dict[str, Any] = {
        "applied": decision.result is ReportResult.APPLIED,
        "capacity": capacity_view(row, now, settings.freshness),
        "etag": pool_etag(row),
    }
    if decision.result is ReportResult.OLDER_THAN_CURRENT:
        body["reason"] = ReportResult.OLDER_THAN_CURRENT.value
    return body


def push_batch(
    session: Session, settings: Settings, caller: Caller, items: Sequence[Any], now: datetime
) -> dict[str, Any]:
    """POST /v1/capacity: per-item results; every accepted item is applied in this one transaction.

    Invalid, unknown and forbidden items are answered on their own and do not stop the others. The
    accepted items are applied together by one conditional statement. If the database fails, the
    caller rolls the whole transaction back and the batch is answered as not applied (see
    endpoints), so nothing is half-written or silently lost.
    """
    results: list[dict[str, Any] | None] = [None] * len(items)
    accepted: list[tuple[int, ReportValues]] = []
    parsed: list[tuple[int, CapacityBatchItem]] = []
    for index, raw in enumerate(items):
        capacity_id = raw.get("capacity_id") if isinstance(raw, dict) else None
        try:
            item = CapacityBatchItem.model_validate(raw)
        except ValidationError as exc:
            results[index] = {
                "index": index,
                "capacity_id": capacity_id,
                "status": 422,
                "error": "invalid_input",
                "errors": field_problems(exc, f"updates.{index}."),
            }
            continue
        problem = future_problem(item.updated, now, settings)
        if problem:
            results[index] = {
                "index": index,
                "capacity_id": item.capacity_id,
                "status": 422,
                "error": "invalid_input",
                "errors": [{"field": f"updates.{index}.updated", "message": problem}],
            }
            continue
        parsed.append((index, item))
    owners = repository.lock_pools(session, (item.capacity_id for _, item in parsed))
    for index, item in parsed:
        organization_id = owners.get(item.capacity_id)
        # Another organization's pool answers like a missing one (its existence is not revealed).
        if organization_id is None or (caller.role == "provider" and caller.organization_id != organization_id):
            results[index] = {
                "index": index,
                "capacity_id": item.capacity_id,
                "status": 404,
                "error": "not_found",
                "detail": f"no capacity pool with id {item.capacity_id}",
            }
        else:
            accepted.append((index, report_values(item.capacity_id, item)))
    decisions = apply_reports(session, [values for _, values in accepted], "push", caller.actor, locked=True)
    for (index, values), decision in zip(accepted, decisions, strict=True):
        results[index] = _batch_result(index, values.capacity_id, decision)
    final = [r for r in results if r is not None]
    return {
        "results": final,
        "applied": sum(1 for r in final if r.get("applied") is True),
        "not_applied": sum(1 for r in final if r.get("applied") is False),
        "rejected": sum(1 for r in final if r["status"] != 200),
    }


def _batch_result(index: int, capacity_id: str, decision: ReportDecision) -> dict[str, Any]:
    if decision.result is ReportResult.APPLIED:
        return {"index": index, "capacity_id": capacity_id, "status": 200, "applied": True}
    if decision.result is ReportResult.OLDER_THAN_CURRENT:
        return {
            "index": index,
            "capacity_id": capacity_id,
            "status": 200,
            "applied": False,
            "reason": ReportResult.OLDER_THAN_CURRENT.value,
        }
    if decision.result is ReportResult.NOT_FOUND:
        return {
            "index": index,
            "capacity_id": capacity_id,
            "status": 404,
            "error": "not_found",
            "detail": f"no capacity pool with id {capacity_id}",
        }
    detail = _exceeds_maximum_detail(decision.stored_maximum)
    return {
        "index": index,
        "capacity_id": capacity_id,
        "status": 422,
        "error": "invalid_input",
        "errors": [{"field": f"updates.{index}.available", "message": detail}],
    }


def history_view(report: Any) -> dict[str, Any]:
    return {
        "id": report.id,
        "capacity_id": report.capacity_id,
        "available": _number(report.available),
        "maximum": _number(report.maximum),
        "waitlist": report.waitlist,
        "updated": report.updated.isoformat(),
        "received_at": report.received_at.isoformat(),
        "source": report.source,
        "applied": report.applied,
        "actor": report.actor,
    }


# --- holds -----------------------------------------------------------------------------------------


def hold_view(hold: Hold, warnings: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "hold_id": hold.id,
        "capacity_id": hold.capacity_id,
        "program": hold.program,
        "state": hold.state,
        "created_at": hold.created_at.isoformat(),
        "expires_at": hold.expires_at.isoformat(),
        "ended_at": hold.ended_at.isoformat() if hold.ended_at else None,
        "warnings": list(warnings),
    }


def _no_units_detail(row: PoolRow, program: str | None) -> str:
    pool = row.as_pool()
    if not usable_by(pool, program):
        wanted = f"program {program!r}" if program else "no program"
        return (
            f"this pool is reserved for {', '.join(pool.reserved_for)}; the hold names {wanted}, "
            "so no unit here may be used"
        )
    available = float(pool.available)
    owed = 0 if pool.is_program_pool else pool.waitlist
    if available < 1:
        return "the pool reports no available units"
    if owed >= available:
        return (
            f"the {available:g} available units are owed to {owed} people already waiting "
            "(non-displacement: nobody is moved up a wait list)"
        )
    return f"every open unit is already held ({row.active_holds} active holds)"


def place_hold(session: Session, settings: Settings, caller: Caller, body: HoldIn, now: datetime) -> dict[str, Any]:
    """Holds one unit for a warm handoff, under the pool's row lock and the matcher's arithmetic."""
    program = caller.program_for(body.program, "hold")
    if (
        caller.key_id is not None
        and repository.active_holds_of_key(session, caller.key_id, now) >= settings.max_active_holds
    ):
        # CONTRACT §2.4: one key cannot sit on a pool's units; one frees when a hold ends or expires.
        raise TooManyRequests(
            f"this key already keeps {settings.max_active_holds} active holds; confirm or release one first",
            retry_after=60,
            limit=settings.max_active_holds,
        )
    row = repository.lock_pool(session, body.capacity_id, now)
    if row is None:
        raise NotFound(f"no capacity pool with id {body.capacity_id}")
    pool = row.as_pool()
    units = offerable_units(pool, program)
    if units < 1:
        raise Conflict(
            _no_units_detail(row, program),
            code="no_open_units",
            capacity_id=body.capacity_id,
            open_units=_number(units),
        )
    hold = Hold(
        id=str(uuid.uuid4()),
        capacity_id=body.capacity_id,
        program=program,
        state="active",
        created_at=now,
        expires_at=now + timedelta(minutes=body.minutes),
        key_id=caller.key_id,
    )
    session.add(hold)
    session.flush()
    # A stale report with open units may be held, but the case manager should call to confirm (R5).
    warnings = ["capacity_unconfirmed"] if is_stale(pool, now, settings.freshness) else []
    return hold_view(hold, warnings)


def _hold_for_change(session: Session, caller: Caller, hold_id: str, now: datetime) -> Hold:
    hold = repository.hold_row(session, hold_id, for_update=True)
    if hold is None:
        raise NotFound(f"no hold with id {hold_id}")
    ensure_hold_access(caller, hold)
    if hold.state != "active":
        raise Conflict(f"hold {hold_id} is already {hold.state}", code="hold_not_active", state=hold.state)
    if hold.expires_at <= now:
        raise Conflict(
            f"hold {hold_id} expired at {hold.expires_at.isoformat()}; its unit is free again",
            code="hold_not_active",
            state="expired",
        )
    return hold


def confirm_held_unit(session: Session, hold: Hold, now: datetime, actor: str) -> None:
    """Ends an active hold (locked by the caller) as confirmed: the pool has one unit fewer."""
    hold.state = "confirmed"
    hold.ended_at = now
    session.flush()
    repository.take_unit_for_hold(session, hold.capacity_id, now, actor)


def release_held_unit(session: Session, hold: Hold, now: datetime) -> None:
    """Ends an active hold (locked by the caller) as released: its unit is free again."""
    hold.state = "released"
    hold.ended_at = now
    session.flush()


def confirm_hold(session: Session, caller: Caller, hold_id: str, now: datetime) -> dict[str, Any]:
    """The person is placed: the hold ends as confirmed and the pool has one unit fewer."""
    hold = _hold_for_change(session, caller, hold_id, now)
    confirm_held_unit(session, hold, now, caller.actor)
    return hold_view(hold)


def release_hold(session: Session, caller: Caller, hold_id: str, now: datetime) -> dict[str, Any]:
    hold = _hold_for_change(session, caller, hold_id, now)
    release_held_unit(session, hold, now)
    return hold_view(hold)


def read_hold(session: Session, caller: Caller, hold_id: str, now: datetime) -> dict[str, Any]:
    hold = repository.hold_row(session, hold_id)
    if hold is None:
        raise NotFound(f"no hold with id {hold_id}")
    ensure_hold_access(caller, hold)
    view = hold_view(hold)
    if hold.state == "active" and hold.expires_at <= now:
        view["state"] = "expired"  # the expiry job may not have run yet; the unit is already free
    return view
