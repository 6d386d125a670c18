"""The in-process scheduler (APScheduler). Every replica runs it; only the one holding the
Postgres advisory lock does the work, so jobs never run twice across replicas."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text

from divert.db import get_engine
from divert.settings import Settings

log = logging.getLogger("divert.scheduler")

# An arbitrary constant: advisory lock keys that elect, per job, the replica doing the work.
SCHEDULER_LOCK_KEY = 0x0D1BE47


def lock_key(job_name: str) -> int:
    """One advisory lock per job, so two jobs due at the same moment never skip each other."""
    return (SCHEDULER_LOCK_KEY << 32) | zlib.crc32(job_name.encode())

# Jobs are registered by the rooms that own them: (name, seconds between runs, function(settings)).
JOBS: list[tuple[str, float, Callable[[Settings], None]]] = []


def register_job(name: str, every_seconds: float, fn: Callable[[Settings], None]) -> None:
    JOBS.append((name, every_seconds, fn))


def _under_lock(settings: Settings, name: str, fn: Callable[[Settings], None]) -> None:
    engine = get_engine(settings)
    try:
        with engine.connect() as conn:
            key = lock_key(name)
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            if not got:
                return
            try:
                fn(settings)
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
    except Exception:  # a failing job must never stop the scheduler; it runs again next tick
        log.exception("scheduled job %s failed", name)


def start_scheduler(settings: Settings) -> BackgroundScheduler:
    import api.jobs  # noqa: F401  (registers every room's jobs)

    # APScheduler logs every run at INFO; a job's own failures are logged above.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = BackgroundScheduler(daemon=True)
    for name, every, fn in JOBS:
        scheduler.add_job(_under_lock, "interval", seconds=every, args=[settings, name, fn], id=name, name=name,
                          max_instances=1, coalesce=True)
    scheduler.start()
    return scheduler
