"""Provider webhooks (Standard Webhooks, https://www.standardwebhooks.com): registration, the signed
message, the outbox rows written in the move's own transaction, and delivery with retries.

A delivery is written in the same transaction as the referral move it tells of (an outbox), so a
move is never told without having happened, nor happen without being told. The worker sends due
deliveries outside any transaction, each with the same `webhook-id` on every retry, so a receiver
can drop duplicates.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import random
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit

import httpx
from sqlalchemy.orm import Session

from api.auth.keys import Caller
from api.outbound import OutboundRefused, outbound_client, url_problem
from api.referrals import repository
from api.referrals.schemas import WebhookIn
from catalog.tables import Organization, WebhookEndpoint
from divert.errors import Forbidden, InvalidInput, NotFound
from divert.settings import Settings

log = logging.getLogger("divert.referrals.webhooks")

SECRET_PREFIX: Final = "whsec_"
USER_AGENT: Final = "divert-webhooks/1"
# Retries: base × 2^(attempt-1), capped, with jitter; given up after MAX_ATTEMPTS (about a day).
MAX_ATTEMPTS: Final = 10
RETRY_BASE_SECONDS: Final = 30
RETRY_CAP_SECONDS: Final = 6 * 3600
# A sender holds a claimed delivery this long; past it another worker may try (the sender crashed).
LEASE_SECONDS: Final = 120
BATCH: Final = 50
TIMEOUT_SECONDS: Final = 10.0
# How much of a failing receiver's answer is kept to show the provider what went wrong.
ERROR_TEXT_LIMIT: Final = 300


# --- the outbound address rule ------------------------------------------------------------------------


def outbound_problem(url: str, settings: Settings) -> str | None:
    """Why this webhook URL may not be registered, or None: the project's one outbound address policy
    (api.outbound: http(s), no credentials, public addresses only unless DIVERT_OUTBOUND_ALLOW_LOOPBACK).
    Each delivery is also sent through `outbound_client`, which checks the address it connects to."""
    try:
        urlsplit(url).port  # noqa: B018  (a malformed host or port raises here, not deep in the check)
    except ValueError:
        return "url is not a valid http(s) URL"
    return url_problem(url, settings.outbound_allow_loopback)


# --- signing ------------------------------------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` of `id.timestamp.body`, keyed with the secret's bytes after `whsec_`."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


# --- endpoints -----------------------------------------------------------------------------------------


def endpoint_view(
    endpoint: WebhookEndpoint, counts: dict[str, int] | None = None, secret: str | None = None
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": endpoint.id,
        "organization_id": endpoint.organization_id,
        "url": endpoint.url,
        "created_at": endpoint.created_at.isoformat(),
    }
    if secret is not None:
        view["secret"] = secret
    if counts is not None:
        view["deliveries"] = counts
    return view


def register_endpoint(
    session: Session, settings: Settings, caller: Caller, body: WebhookIn, now: datetime
) -> dict[str, Any]:
    """A provider registers for its own organization; admin names one. The secret is shown once."""
    if caller.role == "provider":
        if body.organization_id is not None and body.organization_id != caller.organization_id:
            raise Forbidden("a provider key may register webhooks only for its own organization")
        organization_id = caller.organization_id
    else:
        organization_id = body.organization_id
    if not organization_id:
        message = "organization_id is required (the organization whose referrals are told)"
        raise InvalidInput(message, errors=[{"field": "organization_id", "message": message}])
    if session.get(Organization, organization_id) is None:
        message = f"no organization with id {organization_id}"
        raise InvalidInput(message, errors=[{"field": "organization_id", "message": message}])
    problem = outbound_problem(body.url, settings)
    if problem:
        raise InvalidInput(problem, errors=[{"field": "url", "message": problem}])
    secret = new_secret()
    endpoint = WebhookEndpoint(
        id=str(uuid.uuid4()),
        organization_id=organization_id,
        url=body.url,
        secret=secret,
        key_id=caller.key_id,
        created_at=now,
    )
    session.add(endpoint)
    session.flush()
    return endpoint_view(endpoint, secret=secret)


def list_endpoints(session: Session, caller: Caller) -> list[dict[str, Any]]:
    endpoints = repository.endpoints_of(session, caller.organization_id if caller.role == "provider" else None)
    counts = repository.delivery_counts(session, [e.id for e in endpoints])
    return [endpoint_view(e, counts[e.id]) for e in endpoints]


def delete_endpoint(session: Session, caller: Caller, endpoint_id: str) -> None:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(f"no webhook with id {endpoint_id}")
    if caller.role == "provider" and endpoint.organization_id != caller.organization_id:
        raise Forbidden(f"webhook {endpoint_id} belongs to another organization than this provider key's")
    session.delete(endpoint)
    session.flush()


# --- the outbox ----------------------------------------------------------------------------------------


def enqueue(session: Session, organization_id: str | None, event_type: str, data: dict[str, Any], now: datetime) -> int:
    """One delivery per endpoint of the organization, in the caller's transaction."""
    if organization_id is None:
        return 0
    endpoints = repository.endpoints_of(session, organization_id)
    rows = []
    for endpoint in endpoints:
        message_id = "msg_" + uuid.uuid4().hex
        rows.append(
            {
                "id": message_id,
                "endpoint_id": endpoint.id,
                "event_type": event_type,
                "payload": {"type": event_type, "timestamp": now.isoformat(), "data": data},
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    repository.add_deliveries(session, rows)
    return len(rows)


# --- delivery ------------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: base × 2^(n-1), capped, scaled by a jitter in [0.75, 1)."""
    seconds = min(RETRY_BASE_SECONDS * (2 ** min(attempts - 1, 30)), RETRY_CAP_SECONDS)
    return timedelta(seconds=seconds * (0.75 + 0.25 * random.random()))


def _send(
    client: httpx.Client, settings: Settings, delivery: repository.DueDelivery, now: datetime
) -> tuple[int | None, str | None]:
    """(HTTP status, error) of one attempt; a 2xx status with no error is delivered."""
    problem = outbound_problem(delivery.url, settings)
    if problem:
        return None, f"refused: {problem}"
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = signed_headers(delivery.secret, delivery.id, int(now.timestamp()), body)
    try:
        response = client.post(delivery.url, content=body, headers=headers)
    except OutboundRefused as exc:
        return None, f"refused: {exc}"[:ERROR_TEXT_LIMIT]
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:ERROR_TEXT_LIMIT]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}: {response.text[:ERROR_TEXT_LIMIT]}"


def deliver_due(
    sessions: Callable[[], Session], settings: Settings, now: datetime, transport: httpx.BaseTransport | None = None
) -> dict[str, int]:
    """Sends every due delivery once: claim (committed), send outside any transaction, record."""
    with sessions() as session:
        claimed = repository.claim_due_deliveries(session, now, now + timedelta(seconds=LEASE_SECONDS), BATCH)
        session.commit()
    tally = {"delivered": 0, "retrying": 0, "failed": 0}
    if not claimed:
        return tally
    with outbound_client(
        settings.outbound_allow_loopback, transport=transport, timeout=TIMEOUT_SECONDS, follow_redirects=False
    ) as client:
        results = [(d, *_send(client, settings, d, now)) for d in claimed]
    with sessions() as session:
        for delivery, status, error in results:
            attempts = delivery.attempts + 1
            if error is None:
                state, next_at, delivered_at = "delivered", now, now
            elif attempts >= MAX_ATTEMPTS:
                state, next_at, delivered_at = "failed", now, None
            else:
                state, next_at, delivered_at = "pending", now + retry_delay(attempts), None
            repository.record_attempt(
                session,
                delivery.id,
                state=state,
                attempts=attempts,
                next_attempt_at=next_at,
                last_status=status,
                last_error=error,
                delivered_at=delivered_at,
            )
            tally["retrying" if state == "pending" else state] += 1
            if error is not None:
                log.warning(
                    "webhook delivery %s to endpoint %s failed (attempt %d): %s",
                    delivery.id,
                    delivery.endpoint_id,
                    attempts,
                    error,
                )
        session.commit()
    return tally
