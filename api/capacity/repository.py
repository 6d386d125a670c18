"""The capacity room's queries: the conditional report update, pool reads, history, holds and feeds rows.

Capacity reports are applied by ONE conditional statement (`UPDATE ... WHERE updated <= new`, for a
whole batch at once) that also appends every report to `capacity_report`, so a history row never
exists without its update decision and out-of-order reports converge to the newest without a
read-then-write race.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from catalog.tables import CapacityReport, Feed, Hold, Service, ServiceCapacity
from matcher.pools import Pool

# A report is applied when it is at least as new as the stored state (an equal `updated` re-applies,
# so a provider may safely resend). The maximum a report must respect is the one it sends, or the
# stored one when it leaves maximum out. Reports come in as arrays (one statement for a whole batch)
# and each is recorded in `capacity_report` by the same statement: applied, or not applied because a
# newer state is stored. A report that breaks the stored maximum changes nothing and is not recorded.
# The pools were locked just before (in id order), so `target` reads the state the UPDATE acts on.
_APPLY_CTES = """
WITH input AS (
    SELECT * FROM unnest(CAST(:idx AS integer[]), CAST(:capacity_id AS text[]),
                         CAST(:available AS numeric[]), CAST(:maximum AS numeric[]),
                         CAST(:sets_maximum AS boolean[]), CAST(:waitlist AS integer[]),
                         CAST(:sets_waitlist AS boolean[]), CAST(:updated AS timestamptz[]))
        AS i(idx, capacity_id, available, maximum, sets_maximum, waitlist, sets_waitlist, updated)
),
target AS (
    SELECT i.idx, sc.updated AS stored_updated, sc.maximum AS stored_maximum,
           sc.available AS stored_available, sc.waitlist AS stored_waitlist
    FROM input i JOIN service_capacity sc ON sc.id = i.capacity_id
),
applied AS (
    UPDATE service_capacity AS sc SET
        available = i.available,
        maximum = CASE WHEN i.sets_maximum THEN i.maximum ELSE sc.maximum END,
        waitlist = CASE WHEN i.sets_waitlist THEN i.waitlist ELSE sc.waitlist END,
        updated = i.updated
    FROM input i
    WHERE sc.id = i.capacity_id
      AND sc.updated <= i.updated
      AND ((CASE WHEN i.sets_maximum THEN i.maximum ELSE sc.maximum END) IS NULL
           OR i.available <= (CASE WHEN i.sets_maximum THEN i.maximum ELSE sc.maximum END))
    RETURNING i.idx, sc.available, sc.maximum, sc.waitlist, sc.updated
),
outcome AS (
    SELECT i.*, t.idx IS NOT NULL AS found, a.idx IS NOT NULL AS applied,
           (a.idx IS NOT NULL OR t.stored_updated > i.updated) AS recorded,
           t.stored_maximum,
           -- the pool as it stands after this statement: the new values where applied, else the stored
           CASE WHEN a.idx IS NULL THEN t.stored_available ELSE a.available END AS now_available,
           CASE WHEN a.idx IS NULL THEN t.stored_maximum ELSE a.maximum END AS now_maximum,
           CASE WHEN a.idx IS NULL THEN t.stored_waitlist ELSE a.waitlist END AS now_waitlist,
           CASE WHEN a.idx IS NULL THEN t.stored_updated ELSE a.updated END AS now_updated
    FROM input i LEFT JOIN target t ON t.idx = i.idx LEFT JOIN applied a ON a.idx = i.idx
),
recorded AS (
    INSERT INTO capacity_report (capacity_id, available, maximum, waitlist, updated, source, applied, actor)
    SELECT o.capacity_id, o.available, o.maximum, o.waitlist, o.updated, :source, o.applied, :actor
    FROM outcome o WHERE o.found AND o.recorded
    ORDER BY o.idx
)
"""
_APPLY_REPORTS = text(_APPLY_CTES + "SELECT idx, found, applied, recorded, stored_maximum FROM outcome ORDER BY idx")

_LOCK_POOLS = text("""
SELECT sc.id, s.organization_id FROM service_capacity sc JOIN service s ON s.id = sc.service_id
WHERE sc.id = ANY(CAST(:ids AS text[])) ORDER BY sc.id FOR UPDATE OF sc
""")


@dataclass(frozen=True)
class ReportValues:
    """One validated report, ready for the conditional update."""

    capacity_id: str
    available: float
    updated: datetime
    maximum: float | None = None
    sets_maximum: bool = False
    waitlist: int | None = None
    sets_waitlist: bool = False


@dataclass(frozen=True)
class ApplyOutcome:
    found: bool
    applied: bool
    recorded: bool
    stored_maximum: Decimal | None


def apply_reports(
    session: Session, reports: Sequence[ReportValues], source: str, actor: str | None, *, locked: bool = False
) -> list[ApplyOutcome]:
    """Applies reports with the conditional update; returns one outcome per report, in order.

    Pools are locked first in id order (`lock_pools`, unless the caller did: `locked=True`), so
    concurrent batches never deadlock. A batch naming the same pool twice is applied in rounds (the
    k-th report of each pool in round k), so no statement updates a row twice; arrival order does not
    matter, the newest `updated` wins.
    """
    outcomes: list[ApplyOutcome | None] = [None] * len(reports)
    if not reports:
        return []
    if not locked:
        lock_pools(session, (r.capacity_id for r in reports))
    rounds: list[list[int]] = []
    seen: dict[str, int] = {}
    for index, report in enumerate(reports):
        occurrence = seen.get(report.capacity_id, 0)
        seen[report.capacity_id] = occurrence + 1
        if occurrence == len(rounds):
            rounds.append([])
        rounds[occurrence].append(index)
    for members in rounds:
        chosen = [reports[i] for i in members]
        rows = session.execute(_APPLY_REPORTS, {**_report_arrays(members, chosen), "source": source, "actor": actor})
        for row in rows:
            outcomes[row.idx] = ApplyOutcome(
                found=row.found, applied=row.applied, recorded=row.recorded, stored_maximum=row.stored_maximum
            )
    return [o for o in outcomes if o is not None]


def _report_arrays(indexes: Sequence[int], reports: Sequence[ReportValues]) -> dict[str, list[Any]]:
    """The statement's parallel arrays (one element per report)."""
    return {
        "idx": list(indexes),
        "capacity_id": [r.capacity_id for r in reports],
        "available": [r.available for r in reports],
        "maximum": [r.maximum if r.sets_maximum else None for r in reports],
        "sets_maximum": [r.sets_maximum for r in reports],
        "waitlist": [r.waitlist if r.sets_waitlist else None for r in reports],
        "sets_waitlist": [r.sets_waitlist for r in reports],
        "updated": [r.updated for r in reports],
    }


def lock_pools(session: Session, capacity_ids: Iterable[str]) -> dict[str, str]:
    """Locks the named pools in id order for this transaction; returns capacity id -> owning organization
    (ids not found are absent). One round trip serves both the access check and the lock."""
    ids = sorted(set(capacity_ids))
    if not ids:
        return {}
    return {r.id: r.organization_id for r in session.execute(_LOCK_POOLS, {"ids": ids})}


def pool_organizations(session: Session, capacity_ids: Iterable[str]) -> dict[str, str]:
    """capacity id -> the organization owning its service, without locking (for reads)."""
    ids = sorted(set(capacity_ids))
    if not ids:
        return {}
    rows = session.execute(
        text(
            "SELECT sc.id, s.organization_id FROM service_capacity sc JOIN service s ON s.id = sc.service_id "
            "WHERE sc.id = ANY(CAST(:ids AS text[]))"
        ),
        {"ids": ids},
    )
    return {r.id: r.organization_id for r in rows}


@dataclass(frozen=True)
class PoolRow:
    """A pool's stored state with its owner and the holds that count against it at a time."""

    id: str
    service_id: str
    organization_id: str
    description: str | None
    unit_id: str
    available: Decimal
    maximum: Decimal | None
    waitlist: int
    updated: datetime
    reserved_for: list[str]
    location_id: str | None
    active_holds: int

    def as_pool(self) -> Pool:
        return Pool(
            id=self.id,
            unit=self.unit_id,
            available=float(self.available),
            updated=self.updated,
            maximum=None if self.maximum is None else float(self.maximum),
            waitlist=self.waitlist or 0,
            reserved_for=tuple(self.reserved_for or ()),
            active_holds=self.active_holds,
            location_id=self.location_id,
        )


# Holds count against a pool while active and unexpired: an expired hold frees its unit at once,
# whether or not the expiry job has marked it yet.
_ACTIVE_HOLDS = (
    "(SELECT count(*) FROM hold h WHERE h.capacity_id = sc.id AND h.state = 'active' "
    "AND h.expires_at > CAST(:now AS timestamptz))"
)
_POOL_SELECT = f"""
SELECT sc.id, sc.service_id, s.organization_id, sc.description, sc.unit_id, sc.available, sc.maximum,
       sc.waitlist, sc.updated, sc.reserved_for, sc.location_id, {_ACTIVE_HOLDS} AS active_holds
FROM service_capacity sc JOIN service s ON s.id = sc.service_id
"""
_POOL_BY_ID = text(_POOL_SELECT + "WHERE sc.id = :capacity_id")
# One report, and the pool as it stands after it, in one statement (PUT /v1/capacity/{id}): the
# data-modifying CTEs and this SELECT share one snapshot, so the new state comes from the UPDATE's
# RETURNING (or the stored row when not applied), not from re-reading service_capacity. The pool is
# locked by an earlier statement, so this statement's snapshot already sees every hold committed
# before the lock was granted (holds take the pool lock first: lock_pool).
_APPLY_REPORT_WITH_POOL = text(
    _APPLY_CTES
    + f"""
SELECT o.found, o.applied, o.recorded, o.stored_maximum,
       sc.id, sc.service_id, s.organization_id, sc.description, sc.unit_id, o.now_available AS available,
       o.now_maximum AS maximum, o.now_waitlist AS waitlist, o.now_updated AS updated, sc.reserved_for,
       sc.location_id, {_ACTIVE_HOLDS} AS active_holds
FROM outcome o LEFT JOIN service_capacity sc ON sc.id = o.capacity_id AND o.found
LEFT JOIN service s ON s.id = sc.service_id
"""
)
_POOL_FILTER = """
WHERE (CAST(:organization_id AS text) IS NULL OR s.organization_id = CAST(:organization_id AS text))
  AND (CAST(:service_id AS text) IS NULL OR sc.service_id = CAST(:service_id AS text))
"""
_POOL_PAGE = text(_POOL_SELECT + _POOL_FILTER + "ORDER BY sc.service_id, sc.id OFFSET :offset LIMIT :limit")
_POOL_COUNT = text("SELECT count(*) FROM service_capacity sc JOIN service s ON s.id = sc.service_id" + _POOL_FILTER)


def pool_row(session: Session, capacity_id: str, now: datetime) -> PoolRow | None:
    row = session.execute(_POOL_BY_ID, {"capacity_id": capacity_id, "now": now}).first()
    return PoolRow(**row._mapping) if row else None


def apply_report_with_pool(
    session: Session, report: ReportValues, source: str, actor: str | None, now: datetime
) -> tuple[ApplyOutcome, PoolRow | None]:
    """One report through the conditional update, with the pool's state after it (None if no such pool).

    The caller has locked the pool (`lock_pools`) in this transaction."""
    row = session.execute(
        _APPLY_REPORT_WITH_POOL, {**_report_arrays([0], [report]), "source": source, "actor": actor, "now": now}
    ).one()
    outcome = ApplyOutcome(
        found=row.found, applied=row.applied, recorded=row.recorded, stored_maximum=row.stored_maximum
    )
    if not row.found:
        return outcome, None
    fields = {k: v for k, v in row._mapping.items() if k not in ("found", "applied", "recorded", "stored_maximum")}
    return outcome, PoolRow(**fields)


def list_pool_rows(
    session: Session, now: datetime, organization_id: str | None, service_id: str | None, offset: int, limit: int
) -> tuple[int, list[PoolRow]]:
    params = {"organization_id": organization_id, "service_id": service_id}
    total = session.execute(_POOL_COUNT, params).scalar_one()
    rows = session.execute(_POOL_PAGE, {**params, "now": now, "offset": offset, "limit": limit})
    return total, [PoolRow(**r._mapping) for r in rows]


def history_rows(session: Session, capacity_id: str, offset: int, limit: int) -> tuple[int, Sequence[CapacityReport]]:
    total = session.execute(
        select(func.count()).select_from(CapacityReport).where(CapacityReport.capacity_id == capacity_id)
    ).scalar_one()
    rows = session.scalars(
        select(CapacityReport)
        .where(CapacityReport.capacity_id == capacity_id)
        .order_by(CapacityReport.received_at.desc(), CapacityReport.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return total, rows


# --- holds -------------------------------------------------------------------------------------------

_LOCK_POOL_FOR_HOLD = text("""
SELECT sc.id, sc.service_id, s.organization_id, sc.description, sc.unit_id, sc.available, sc.maximum,
       sc.waitlist, sc.updated, sc.reserved_for, sc.location_id
FROM service_capacity sc JOIN service s ON s.id = sc.service_id
WHERE sc.id = :capacity_id FOR UPDATE OF sc
""")
_COUNT_ACTIVE_HOLDS = text(f"SELECT {_ACTIVE_HOLDS} FROM service_capacity sc WHERE sc.id = :capacity_id")


def lock_pool(session: Session, capacity_id: str, now: datetime) -> PoolRow | None:
    """The pool row locked for this transaction (`SELECT ... FOR UPDATE`), with its active holds.

    Every hold on a pool takes this lock first. The holds are counted by a second statement, after
    the lock is granted: in READ COMMITTED that statement's snapshot sees every hold committed by
    the transactions we waited for, so no two holds can both see the last unit as free. (Counting
    inside the locking statement would use the snapshot taken before the wait.)
    """
    row = session.execute(_LOCK_POOL_FOR_HOLD, {"capacity_id": capacity_id}).first()
    if row is None:
        return None
    holds = session.execute(_COUNT_ACTIVE_HOLDS, {"capacity_id": capacity_id, "now": now}).scalar_one()
    return PoolRow(**row._mapping, active_holds=holds)


def hold_row(session: Session, hold_id: str, *, for_update: bool = False) -> Hold | None:
    stmt = select(Hold).where(Hold.id == hold_id).execution_options(populate_existing=True)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def take_unit_for_hold(session: Session, capacity_id: str, now: datetime, actor: str) -> None:
    """A confirmed hold places a person: one unit fewer available, recorded as a `hold` report.

    `updated` never moves backwards (a provider's clock may be slightly ahead), so a provider report
    made after the placement still wins, and one made before it does not undo it.
    """
    row = session.execute(
        update(ServiceCapacity)
        .where(ServiceCapacity.id == capacity_id)
        .values(
            available=func.greatest(ServiceCapacity.available - 1, 0),
            updated=func.greatest(ServiceCapacity.updated, now),
        )
        .returning(
            ServiceCapacity.available, ServiceCapacity.maximum, ServiceCapacity.waitlist, ServiceCapacity.updated
        )
    ).one()
    session.add(
        CapacityReport(
            capacity_id=capacity_id,
            available=row.available,
            maximum=row.maximum,
            waitlist=row.waitlist,
            updated=row.updated,
            source="hold",
            applied=True,
            actor=actor,
        )
    )
    session.flush()


def active_holds_of_key(session: Session, key_id: int, now: datetime) -> int:
    """Active holds a key keeps, counted under a transaction lock on the key, so two holds sent at
    once by one key cannot both pass the per-key cap (the lock ends with the transaction)."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('hold-key:' || :key, 0))"), {"key": key_id})
    return int(
        session.execute(
            select(func.count())
            .select_from(Hold)
            .where(Hold.key_id == key_id, Hold.state == "active", Hold.expires_at > now)
        ).scalar_one()
    )


def expire_holds(session: Session, now: datetime) -> int:
    """Marks every active hold past its time as expired (the arithmetic already ignores them)."""
    result = session.execute(
        update(Hold)
        .where(Hold.state == "active", Hold.expires_at <= now)
        .values(state="expired", ended_at=Hold.expires_at)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- feeds -------------------------------------------------------------------------------------------


def feed(session: Session, feed_id: str) -> Feed | None:
    return session.get(Feed, feed_id)


def delete_feed(session: Session, feed: Feed) -> None:
    session.delete(feed)
    session.flush()


def due_feed_ids(session: Session, now: datetime) -> list[str]:
    return list(session.scalars(select(Feed.id).where(Feed.next_poll_at <= now).order_by(Feed.next_poll_at, Feed.id)))


# --- trends ------------------------------------------------------------------------------------------


def capacity_trends(
    session: Session, capacity_ids: Sequence[str], organization_id: str | None, points: int
) -> dict[str, list[dict[str, Any]]]:
    """The last `points` applied reports of each pool as {updated, available, maximum}, oldest first;
    only pools of `organization_id` when one is given (a provider's own)."""
    ranked = (
        select(
            CapacityReport.capacity_id,
            CapacityReport.updated,
            CapacityReport.available,
            CapacityReport.maximum,
            func.row_number()
            .over(partition_by=CapacityReport.capacity_id, order_by=CapacityReport.updated.desc())
            .label("rank"),
        )
        .join(ServiceCapacity, ServiceCapacity.id == CapacityReport.capacity_id)
        .join(Service, Service.id == ServiceCapacity.service_id)
        .where(CapacityReport.capacity_id.in_(capacity_ids), CapacityReport.applied.is_(True))
    )
    if organization_id is not None:
        ranked = ranked.where(Service.organization_id == organization_id)
    sub = ranked.subquery()
    rows = session.execute(
        select(sub.c.capacity_id, sub.c.updated, sub.c.available, sub.c.maximum)
        .where(sub.c.rank <= points)
        .order_by(sub.c.capacity_id, sub.c.updated)
    ).all()
    trend: dict[str, list[dict[str, Any]]] = {}
    for capacity_id, updated, available, maximum in rows:
        trend.setdefault(capacity_id, []).append(
            {
                "updated": updated.isoformat(),
                "available": float(available),
                "maximum": None if maximum is None else float(maximum),
            }
        )
    return trend
