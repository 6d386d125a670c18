"""The in-process scheduler (APScheduler). Every replica runs it; only the one holding the
Postgres advisory lock does the work, so jobs never run twice across replicas."""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text

from divert.db import get_engine
from divert.settings import Settings

log = logging.getLogger("divert.scheduler")

# An arbitrary constant: the advisory lock key that elects the working replica.
SCHEDULER_LOCK_KEY = 0x0D1BE47

# Jobs are registered by the rooms that own them: (name, seconds between runs, function(settings)).
JOBS: list[tuple[str, float, Callable[[Settings], None]]] = []


def register_job(name: str, every_seconds: float, fn: Callable[[Settings], None]) -> None:
    JOBS.append((name, every_seconds, fn))


def _under_lock(settings: Settings, name: str, fn: Callable[[Settings], None]) -> None:
    engine = get_engine(settings)
    try:
        with engine.connect() as conn:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": SCHEDULER_LOCK_KEY}).scalar()
            if not got:
                return
            try:
                fn(settings)
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEDULER_LOCK_KEY})
                conn.commit()
    except Exception:  # a failing job must never stop the scheduler; it runs again next tick
        log.exception("scheduled job %s failed", name)


def start_scheduler(settings: Settings) -> BackgroundScheduler:
    import api.jobs  # noqa: F401  (registers every room's jobs)

    scheduler = BackgroundScheduler(daemon=True)
    for name, every, fn in JOBS:
        scheduler.add_job(_under_lock, "interval", seconds=every, args=[settings, name, fn], id=name,
                          max_instances=1, coalesce=True)
    scheduler.start()
    return scheduler
