"""Reads and writes of the referrals room: referrals and their history, outcomes, webhook endpoints
and deliveries. SQL lives here; the service decides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, literal, select, text, update
from sqlalchemy.orm import Session

from api.referrals.schemas import OPEN_STATES
from catalog.search.predicates import meets_needs
from catalog.tables import (
    Hold,
    Referral,
    ReferralEvent,
    Service,
    ServiceCapacity,
    WebhookDelivery,
    WebhookEndpoint,
)


@dataclass(frozen=True)
class ServiceFacts:
    id: str
    name: str
    organization_id: str | None


def service_facts(session: Session, service_id: str) -> ServiceFacts | None:
    row = session.execute(
        select(Service.id, Service.name, Service.organization_id).where(Service.id == service_id)
    ).first()
    return ServiceFacts(row.id, row.name, row.organization_id) if row else None


def service_meets_need(session: Session, service_id: str, need: str) -> bool:
    return bool(session.scalar(select(meets_needs(literal(service_id), [need]))))


def hold_with_service(session: Session, hold_id: str) -> tuple[Hold, str] | None:
    """The hold, locked, and the service of its pool."""
    row = session.execute(
        select(Hold, ServiceCapacity.service_id)
        .join(ServiceCapacity, ServiceCapacity.id == Hold.capacity_id)
        .where(Hold.id == hold_id)
        .with_for_update(of=Hold)
        .execution_options(populate_existing=True)
    ).first()
    return (row[0], row[1]) if row else None


def hold_in_open_referral(session: Session, hold_id: str) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(Referral)
            .where(Referral.hold_id == hold_id, Referral.state.in_(OPEN_STATES))
        )
    )


def reference_taken(session: Session, reference: str) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(Referral)
            .where(Referral.reference == reference, Referral.state.in_(OPEN_STATES))
        )
    )


def referral_for_move(session: Session, referral_id: str) -> Referral | None:
    """The referral under its row lock: two answers to one referral are made one after the other, and
    the second sees the state the first left."""
    return session.scalars(
        select(Referral).where(Referral.id == referral_id).with_for_update().execution_options(populate_existing=True)
    ).first()


def referral(session: Session, referral_id: str) -> Referral | None:
    return session.get(Referral, referral_id)


def add_event(session: Session, referral_id: str, state: str, at: datetime, reason: str | None = None) -> None:
    session.add(ReferralEvent(referral_id=referral_id, state=state, at=at, reason=reason))
    session.flush()


def histories(session: Session, referral_ids: Sequence[str]) -> dict[str, list[ReferralEvent]]:
    """Every listed referral's history in one round trip, oldest move first."""
    found: dict[str, list[ReferralEvent]] = {rid: [] for rid in referral_ids}
    if referral_ids:
        for event in session.scalars(
            select(ReferralEvent)
            .where(ReferralEvent.referral_id.in_(referral_ids))
            .order_by(ReferralEvent.referral_id, ReferralEvent.id)
        ):
            found[event.referral_id].append(event)
    return found


def service_names(session: Session, service_ids: Sequence[str]) -> dict[str, str]:
    if not service_ids:
        return {}
    rows = session.execute(select(Service.id, Service.name).where(Service.id.in_(set(service_ids))))
    return {service_id: name for service_id, name in rows}


@dataclass(frozen=True)
class ReferralFilter:
    key_id: int | None = None  # the referrals this key sent
    organization_id: str | None = None  # the referrals to this organization's services
    state: str | None = None
    reference: str | None = None


def list_referrals(session: Session, scope: ReferralFilter, offset: int, limit: int) -> tuple[int, list[Referral]]:
    """Open referrals first (what still needs someone's attention), newest first within each."""
    conditions = []
    if scope.key_id is not None:
        conditions.append(Referral.key_id == scope.key_id)
    if scope.organization_id is not None:
        conditions.append(Referral.organization_id == scope.organization_id)
    if scope.state is not None:
        conditions.append(Referral.state == scope.state)
    if scope.reference is not None:
        conditions.append(Referral.reference == scope.reference)
    where = and_(*conditions) if conditions else text("true")
    total = session.scalar(select(func.count()).select_from(Referral).where(where)) or 0
    pending_first = Referral.state.in_(OPEN_STATES).desc()
    rows = list(
        session.scalars(
            select(Referral)
            .where(where)
            .order_by(pending_first, Referral.created_at.desc(), Referral.id)
            .offset(offset)
            .limit(limit)
        )
    )
    return total, rows


def due_for_expiry(session: Session, now: datetime, limit: int) -> list[Referral]:
    """Sent referrals past their answer time, locked; rows another worker holds are skipped, so two
    workers never expire the same referral."""
    return list(
        session.scalars(
            select(Referral)
            .where(Referral.state == "sent", Referral.respond_by <= now)
            .order_by(Referral.respond_by)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


# --- outcomes ----------------------------------------------------------------------------------------

# One row per (need, intercept, program): how many referrals reached each state, the minutes from
# sent to accepted and to enrolled per referral (for medians), and decline reasons. Referrals are
# chosen by when they were sent.
_OUTCOMES = """
WITH chosen AS (
    SELECT r.id, r.need, r.intercept, r.program, r.created_at
    FROM referral r
    WHERE r.created_at >= :start AND r.created_at < :end
      AND (CAST(:needs AS text[]) IS NULL OR r.need = ANY(CAST(:needs AS text[])))
      AND (CAST(:intercepts AS integer[]) IS NULL OR r.intercept = ANY(CAST(:intercepts AS integer[])))
      AND (CAST(:program AS text) IS NULL OR r.program = :program)
), reached AS (
    SELECT c.id, c.need, c.intercept, c.program, e.state, min(e.at) AS at, min(c.created_at) AS sent_at,
           min(e.reason) AS reason
    FROM chosen c JOIN referral_event e ON e.referral_id = c.id
    GROUP BY c.id, c.need, c.intercept, c.program, e.state
)
SELECT need, intercept, program, state, count(*) AS referrals,
       array_agg(EXTRACT(EPOCH FROM (at - sent_at)) / 60.0) AS minutes,
       array_agg(reason) FILTER (WHERE reason IS NOT NULL) AS reasons
FROM reached
GROUP BY need, intercept, program, state
ORDER BY need, intercept NULLS LAST, program NULLS LAST, state
"""


@dataclass(frozen=True)
class ReachedRow:
    need: str
    intercept: int | None
    program: str | None
    state: str
    referrals: int
    minutes: list[float]
    reasons: list[str]


def reached_rows(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    needs: Sequence[str] | None,
    intercepts: Sequence[int] | None,
    program: str | None,
) -> list[ReachedRow]:
    rows = session.execute(
        text(_OUTCOMES),
        {
            "start": start,
            "end": end,
            "needs": list(needs) if needs else None,
            "intercepts": list(intercepts) if intercepts else None,
            "program": program,
        },
    )
    return [
        ReachedRow(
            r.need,
            r.intercept,
            r.program,
            r.state,
            r.referrals,
            [float(m) for m in r.minutes or ()],
            list(r.reasons or ()),
        )
        for r in rows
    ]


def referred_enrolled(
    session: Session, *, start: datetime, end: datetime, needs: Sequence[str], intercepts: Sequence[int]
) -> dict[tuple[str, int], tuple[int, int]]:
    """(need, intercept) → (referred, enrolled), for the SIM table's cells."""
    rows = session.execute(
        select(Referral.need, Referral.intercept, func.count(), func.count().filter(Referral.state == "enrolled"))
        .where(
            Referral.created_at >= start,
            Referral.created_at < end,
            Referral.need.in_(list(needs)),
            Referral.intercept.in_(list(intercepts)),
        )
        .group_by(Referral.need, Referral.intercept)
    )
    # Referrals without an intercept have no SIM cell (the filter above leaves them out).
    return {
        (need, intercept): (referred, enrolled) for need, intercept, referred, enrolled in rows if intercept is not None
    }


# --- webhooks ----------------------------------------------------------------------------------------


def endpoints_of(session: Session, organization_id: str | None) -> list[WebhookEndpoint]:
    stmt = select(WebhookEndpoint).order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    if organization_id is not None:
        stmt = stmt.where(WebhookEndpoint.organization_id == organization_id)
    return list(session.scalars(stmt))


def delivery_counts(session: Session, endpoint_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {eid: {"pending": 0, "delivered": 0, "failed": 0} for eid in endpoint_ids}
    if endpoint_ids:
        for endpoint_id, state, n in session.execute(
            select(WebhookDelivery.endpoint_id, WebhookDelivery.state, func.count())
            .where(WebhookDelivery.endpoint_id.in_(endpoint_ids))
            .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.state)
        ):
            counts[endpoint_id][state] = n
    return counts


def add_deliveries(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    for row in rows:
        session.add(WebhookDelivery(**row))
    session.flush()


@dataclass(frozen=True)
class DueDelivery:
    id: str
    endpoint_id: str
    url: str
    secret: str
    payload: dict[str, Any]
    attempts: int


def claim_due_deliveries(session: Session, now: datetime, lease_until: datetime, limit: int) -> list[DueDelivery]:
    """Due deliveries, leased until `lease_until` so another worker skips them while this one sends
    (the lease is committed before any network I/O; a crashed sender's lease simply runs out)."""
    rows = session.execute(
        select(
            WebhookDelivery.id,
            WebhookDelivery.endpoint_id,
            WebhookEndpoint.url,
            WebhookEndpoint.secret,
            WebhookDelivery.payload,
            WebhookDelivery.attempts,
        )
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
        .with_for_update(of=WebhookDelivery, skip_locked=True)
    ).all()
    claimed = [DueDelivery(r.id, r.endpoint_id, r.url, r.secret, r.payload, r.attempts) for r in rows]
    if claimed:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_([d.id for d in claimed]))
            .values(next_attempt_at=lease_until)
        )
    return claimed


def record_attempt(
    session: Session,
    delivery_id: str,
    *,
    state: str,
    attempts: int,
    next_attempt_at: datetime,
    last_status: int | None,
    last_error: str | None,
    delivered_at: datetime | None,
) -> None:
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(
            state=state,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            last_status=last_status,
            last_error=last_error,
            delivered_at=delivered_at,
        )
    )
