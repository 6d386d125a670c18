"""Scheduled jobs of the capacity room: poll due feeds, and mark holds past their time as expired.

Listed in worker/jobs.py and run by the worker process under each job's advisory lock. Both are
idempotent: a feed is polled only when its own next poll is due (and that moves on when it is
polled), a hold is expired only while it is still active.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from api.capacity import repository
from api.capacity.feeds import poll_due_feeds
from divert.db import session_scope
from divert.settings import Settings

log = logging.getLogger("divert.capacity.tasks")


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
