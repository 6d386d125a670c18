"""Scheduled jobs of the referrals room, as plain functions of a session factory and `now`:
expire `sent` referrals past their answer time, and deliver due webhook messages.

Both are idempotent and safe when two workers run them: expiry locks the rows it moves (skipping rows
another worker holds), and delivery leases each message before sending it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from sqlalchemy.orm import Session

from api.referrals import service, webhooks
from divert.db import session_factory
from divert.settings import Settings

log = logging.getLogger("divert.referrals.tasks")

REFERRAL_EXPIRY_TICK_SECONDS = 30
WEBHOOK_TICK_SECONDS = 10


def expire_referrals(sessions: Callable[[], Session], now: datetime) -> int:
    """Marks every sent referral past respond_by as expired and releases its hold, in one transaction."""
    with sessions() as session:
        expired = service.expire_referrals(session, now)
        session.commit()
    if expired:
        log.info("expired %d referrals", expired)
    return expired


def deliver_webhooks(
    sessions: Callable[[], Session], settings: Settings, now: datetime, transport: httpx.BaseTransport | None = None
) -> dict[str, int]:
    """Sends each due webhook delivery once; failures are retried later with backoff."""
    return webhooks.deliver_due(sessions, settings, now, transport)


# The worker's entry points (worker/jobs.py): the functions above on the real clock.
def expire_referrals_job(settings: Settings) -> None:
    expire_referrals(session_factory(settings), datetime.now(UTC))


def deliver_webhooks_job(settings: Settings) -> None:
    deliver_webhooks(session_factory(settings), settings, datetime.now(UTC))
