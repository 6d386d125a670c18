"""Scheduled jobs of the capacity room: poll due feeds, and mark holds past their time as expired.

Registered with api.scheduler (imported from api/jobs.py); the scheduler runs them only on the replica
holding the advisory lock, so feeds are never polled twice and holds never expired twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from api.capacity import repository
from api.capacity.feeds import poll_due_feeds
from api.scheduler import register_job
from divert.db import session_scope
from divert.settings import Settings

log = logging.getLogger("divert.capacity.tasks")

# How often the poller looks for due feeds; each feed keeps its own interval and backoff.
FEED_TICK_SECONDS = 15
# Expired holds already free their unit in the arithmetic; this only tidies their state.
HOLD_EXPIRY_TICK_SECONDS = 60


def poll_feeds(settings: Settings) -> None:
    outcomes = poll_due_feeds(settings)
    failed = [o["feed_id"] for o in outcomes if o.get("outcome") in ("failed", "error")]
    if failed:
        log.warning("capacity feeds failing: %s", ", ".join(failed))


def expire_holds(settings: Settings) -> None:
    with session_scope(settings) as session:
        expired = repository.expire_holds(session, datetime.now(UTC))
    if expired:
        log.info("expired %d holds", expired)


register_job("capacity.poll_feeds", FEED_TICK_SECONDS, poll_feeds)
register_job("capacity.expire_holds", HOLD_EXPIRY_TICK_SECONDS, expire_holds)
