"""Referral operations: send, move, read, expire, and the planners' outcomes (CONTRACT §2.7).

Time is a parameter (`now`). A move, its history entry, what it does to the hold and the webhook
messages telling of it are one transaction: the caller commits once.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import h3
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.auth.keys import Caller
from api.capacity.auth import ensure_hold_access
from api.capacity.service import confirm_held_unit, release_held_unit
from api.referrals import repository, webhooks
from api.referrals.auth import ensure_referral_visible, is_provider_of, is_sender
from api.referrals.moves import (
    CONFIRMS_HOLD,
    MOVES,
    RELEASES_HOLD,
    current_state,
    may_move,
    new_reference,
    normalize_reference,
)
from api.referrals.schemas import DECLINE_REASONS, STATES, ReferralIn
from api.referrals.suppression import suppressed, suppressed_median
from catalog.postcodes import centroid
from catalog.tables import Hold, Referral, ReferralEvent
from divert.errors import Conflict, Forbidden, InvalidInput, NotFound

# The referral's place, at about a neighbourhood's size, like a gap event (CONTRACT R8).
REFERRAL_CELL_RESOLUTION: Final = 7
# Tries for a reference no open referral has (31^6 codes: a second try is already rare).
REFERENCE_TRIES: Final = 20
EXPIRY_BATCH: Final = 500


def _iso(value: datetime) -> str:
    return value.isoformat()


def referral_view(
    referral: Referral, history: Sequence[ReferralEvent], service_name: str | None, now: datetime | None = None
) -> dict[str, Any]:
    state = current_state(referral.state, referral.respond_by, now) if now else referral.state
    return {
        "id": referral.id,
        "reference": referral.reference,
        "state": state,
        "service_id": referral.service_id,
        "service_name": service_name,
        "organization_id": referral.organization_id,
        "need": referral.need,
        "hold_id": referral.hold_id,
        "program": referral.program,
        "intercept": referral.intercept,
        "cell": referral.cell,
        "created_at": _iso(referral.created_at),
        "respond_by": _iso(referral.respond_by),
        "updated_at": _iso(referral.updated_at),
        "history": [
            {"state": e.state, "at": _iso(e.at), **({"reason": e.reason} if e.reason else {})} for e in history
        ],
    }


def _full_view(session: Session, referral: Referral, now: datetime | None = None) -> dict[str, Any]:
    history = repository.histories(session, [referral.id])[referral.id]
    return referral_view(
        referral, history, repository.service_names(session, [referral.service_id]).get(referral.service_id), now
    )


def _cell(body: ReferralIn) -> str | None:
    """Only the H3 cell of the location is kept; the coordinates are dropped here."""
    if body.location is None:
        return None
    if body.location.postcode is not None:
        point = centroid(body.location.postcode)
        if point is None:
            raise InvalidInput(
                f"unknown postcode {body.location.postcode!r}",
                errors=[{"field": "location.postcode", "message": "unknown postcode"}],
            )
        lat, lon = point
    else:
        assert body.location.lat is not None and body.location.lon is not None
        lat, lon = body.location.lat, body.location.lon
    return str(h3.latlng_to_cell(lat, lon, REFERRAL_CELL_RESOLUTION))


def _check_hold(session: Session, caller: Caller, hold_id: str, service_id: str, now: datetime) -> Hold:
    found = repository.hold_with_service(session, hold_id)
    if found is None:
        raise NotFound(f"no hold with id {hold_id}")
    hold, held_service = found
    ensure_hold_access(caller, hold)
    if hold.state != "active" or hold.expires_at <= now:
        state = hold.state if hold.state != "active" else "expired"
        raise Conflict(f"hold {hold_id} is {state}, not active", code="hold_not_active", state=state)
    if held_service != service_id:
        raise Conflict(f"hold {hold_id} is on a pool of another service", code="hold_not_for_service")
    if repository.hold_in_open_referral(session, hold_id):
        raise Conflict(f"hold {hold_id} already belongs to an open referral", code="hold_already_referred")
    return hold


def _insert_with_reference(session: Session, referral: Referral) -> None:
    """A fresh reference no open referral has; a concurrent referral taking the same one is caught by
    the unique index and this one simply draws again."""
    for _ in range(REFERENCE_TRIES):
        referral.reference = new_reference()
        if repository.reference_taken(session, referral.reference):
            continue
        try:
            with session.begin_nested():
                session.add(referral)
                session.flush()
            return
        except IntegrityError:
            continue
    raise Conflict("could not draw a free reference code; try again", code="reference_exhausted")


def send_referral(session: Session, caller: Caller, body: ReferralIn, now: datetime) -> dict[str, Any]:
    program = caller.program_for(body.program, "refer")
    service = repository.service_facts(session, body.service_id)
    if service is None:
        raise NotFound(f"no service with id {body.service_id}")
    if not repository.service_meets_need(session, service.id, body.need):
        message = f"service {service.name!r} does not meet need {body.need!r}"
        raise InvalidInput(message, errors=[{"field": "need", "message": message}])
    if body.hold_id is not None:
        _check_hold(session, caller, body.hold_id, service.id, now)
    referral = Referral(
        id=str(uuid.uuid4()),
        reference="",
        state="sent",
        service_id=service.id,
        organization_id=service.organization_id,
        need=body.need,
        hold_id=body.hold_id,
        program=program,
        intercept=body.intercept,
        cell=_cell(body),
        key_id=caller.key_id,
        created_at=now,
        respond_by=now + timedelta(minutes=body.respond_within_minutes),
        updated_at=now,
    )
    _insert_with_reference(session, referral)
    repository.add_event(session, referral.id, "sent", now)
    view = _full_view(session, referral)
    webhooks.enqueue(session, referral.organization_id, "referral.sent", view, now)
    return view


def _end_hold(session: Session, referral: Referral, state: str, now: datetime, actor: str) -> None:
    """Confirms or releases the referral's hold in the move's transaction. A hold that already ran
    out needs nothing: its unit went back to the pool when it expired."""
    if referral.hold_id is None or (state not in CONFIRMS_HOLD and state not in RELEASES_HOLD):
        return
    found = repository.hold_with_service(session, referral.hold_id)
    if found is None:
        return
    hold = found[0]
    if hold.state != "active" or hold.expires_at <= now:
        return
    if state in CONFIRMS_HOLD:
        confirm_held_unit(session, hold, now, actor)
    else:
        release_held_unit(session, hold, now)


def _apply(
    session: Session, referral: Referral, state: str, at: datetime, reason: str | None, actor: str, now: datetime
) -> None:
    referral.state = state
    referral.updated_at = at
    session.flush()
    repository.add_event(session, referral.id, state, at, reason)
    _end_hold(session, referral, state, now, actor)


def move_referral(
    session: Session, caller: Caller, referral_id: str, action: str, now: datetime, reason: str | None = None
) -> dict[str, Any]:
    move = MOVES.get(action)
    if move is None:
        raise NotFound(f"no move {action!r}; moves are {', '.join(MOVES)}")
    if move.target == "declined" and reason not in DECLINE_REASONS:
        message = f"reason must be one of {', '.join(DECLINE_REASONS)}"
        raise InvalidInput(message, errors=[{"field": "reason", "message": message}])
    referral = repository.referral_for_move(session, referral_id)
    if referral is None:
        raise NotFound(f"no referral with id {referral_id}")
    ensure_referral_visible(caller, referral)
    if not may_move(
        move,
        role=caller.role,
        is_provider_of_service=is_provider_of(caller, referral),
        is_sender=is_sender(caller, referral),
    ):
        who = "the provider of the service" if move.mover == "provider" else "the key that sent it"
        raise Forbidden(f"only {who} (or admin) may {action} a referral")
    state = current_state(referral.state, referral.respond_by, now)
    if state not in move.sources:
        raise Conflict(
            f"a referral that is {state} cannot move to {move.target}",
            code="invalid_transition",
            **{"from": state, "to": move.target},
        )
    _apply(session, referral, move.target, now, reason, caller.actor, now)
    view = _full_view(session, referral)
    webhooks.enqueue(session, referral.organization_id, f"referral.{move.target}", view, now)
    return view


def read_referral(session: Session, caller: Caller, referral_id: str, now: datetime) -> dict[str, Any]:
    referral = repository.referral(session, referral_id)
    if referral is None:
        raise NotFound(f"no referral with id {referral_id}")
    ensure_referral_visible(caller, referral)
    return _full_view(session, referral, now)


def list_referrals(
    session: Session, caller: Caller, state: str | None, reference: str | None, offset: int, limit: int, now: datetime
) -> tuple[int, list[dict[str, Any]]]:
    if state is not None and state not in STATES:
        message = f"state must be one of {', '.join(STATES)}"
        raise InvalidInput(message, errors=[{"field": "state", "message": message}])
    scope = repository.ReferralFilter(
        key_id=caller.key_id if caller.role in ("case_manager", "operator") else None,
        organization_id=caller.organization_id if caller.role == "provider" else None,
        state=state,
        reference=normalize_reference(reference) if reference is not None else None,
    )
    if caller.role == "provider" and caller.organization_id is None:
        return 0, []
    total, rows = repository.list_referrals(session, scope, offset, limit)
    histories = repository.histories(session, [r.id for r in rows])
    names = repository.service_names(session, [r.service_id for r in rows])
    return total, [referral_view(r, histories[r.id], names.get(r.service_id), now) for r in rows]


def expire_referrals(session: Session, now: datetime) -> int:
    """Every `sent` referral past its answer time becomes `expired` (at its `respond_by`), and its hold
    is released. Idempotent: an expired referral is never looked at again."""
    expired = 0
    while batch := repository.due_for_expiry(session, now, EXPIRY_BATCH):
        for referral in batch:
            _apply(session, referral, "expired", referral.respond_by, None, "referral-expiry", now)
            view = _full_view(session, referral)
            webhooks.enqueue(session, referral.organization_id, "referral.expired", view, now)
        expired += len(batch)
    return expired


# --- outcomes --------------------------------------------------------------------------------------------

OUTCOME_STATES: Final = ("sent", "accepted", "declined", "arrived", "enrolled", "no_show", "cancelled", "expired")


@dataclass(frozen=True)
class OutcomeQuery:
    start: datetime
    end: datetime
    needs: tuple[str, ...] | None = None
    intercepts: tuple[int, ...] | None = None
    program: str | None = None


def outcomes(session: Session, query: OutcomeQuery) -> list[dict[str, Any]]:
    counts: dict[tuple[str, int | None, str | None], Counter[str]] = defaultdict(Counter)
    minutes: dict[tuple[str, int | None, str | None], dict[str, list[float]]] = defaultdict(dict)
    reasons: dict[tuple[str, int | None, str | None], Counter[str]] = defaultdict(Counter)
    for row in repository.reached_rows(
        session, start=query.start, end=query.end, needs=query.needs, intercepts=query.intercepts, program=query.program
    ):
        key = (row.need, row.intercept, row.program)
        counts[key][row.state] = row.referrals
        minutes[key][row.state] = row.minutes
        if row.state == "declined":
            reasons[key].update(row.reasons)
    rows = []
    for key in counts:
        need, intercept, program = key
        reached = counts[key]
        rows.append(
            {
                "need": need,
                "intercept": intercept,
                "program": program,
                "referred": suppressed(reached["sent"]),
                **{state: suppressed(reached[state]) for state in OUTCOME_STATES if state != "sent"},
                "median_minutes_to_accept": suppressed_median(minutes[key].get("accepted", [])),
                "median_minutes_to_enroll": suppressed_median(minutes[key].get("enrolled", [])),
                "decline_reasons": {r: suppressed(reasons[key][r]) for r in DECLINE_REASONS if reasons[key][r]},
            }
        )
    return rows
