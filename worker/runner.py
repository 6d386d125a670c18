"""Runs the worker's jobs on APScheduler in this process, each under its own Postgres advisory lock.

A deployment runs one worker; a second one started by mistake (or during a rolling restart) changes
nothing: a job's lock is taken with a try-lock and held for the whole run, so while one worker runs
the job the other skips that tick, and every job is idempotent (worker/jobs.py), so a run right
after another finds nothing left to do.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
import zlib
from datetime import UTC, datetime
from typing import Final

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text

from divert.db import get_engine
from divert.settings import Settings
from worker.jobs import Job, scheduled_jobs

log = logging.getLogger("divert.worker")

# An arbitrary constant in the high half of each advisory lock key, so our keys do not meet another
# application's small integers on a shared database.
LOCK_NAMESPACE: Final = 0x0D1BE47


def lock_key(job_name: str) -> int:
    """One advisory lock per job, so two jobs due at the same moment never skip each other."""
    return (LOCK_NAMESPACE << 32) | zlib.crc32(job_name.encode())


def run_under_lock(settings: Settings, job: Job) -> bool:
    """Runs the job if no other worker is running it now; True if it ran (whether or not it failed).

    The lock is a session-level advisory lock on a connection kept for the run, so it is released
    when the run ends, or by the server if this process dies mid-run."""
    key = lock_key(job.name)
    try:
        with get_engine(settings).connect() as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                return False
            conn.commit()  # no transaction held open beside the job's own for its whole run
            started = time.perf_counter()
            try:
                job.run(settings)
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
            log.debug("job %s ran in %.3f s", job.name, time.perf_counter() - started)
            return True
    except Exception:  # a failing job must never stop the worker; it runs again at its next tick
        log.exception("job %s failed", job.name)
        return True


def build_scheduler(settings: Settings, jobs: list[Job]) -> BackgroundScheduler:
    """A scheduler with each job on its interval, the first run at once (not one interval late)."""
    scheduler = BackgroundScheduler(daemon=True, timezone=UTC)
    now = datetime.now(UTC)
    for job in jobs:
        # One run of a job at a time in this process; ticks missed while it ran are merged into one.
        scheduler.add_job(
            run_under_lock,
            "interval",
            seconds=job.every_seconds,
            args=[settings, job],
            id=job.name,
            name=job.name,
            max_instances=1,
            coalesce=True,
            next_run_time=now,
        )
    return scheduler


def run_worker(settings: Settings, jobs: list[Job] | None = None) -> None:
    """Runs the jobs until SIGTERM or SIGINT; a job running then is let finish."""
    jobs = scheduled_jobs(settings) if jobs is None else jobs
    # APScheduler logs every run at INFO; a job's own failures are logged above.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    scheduler = build_scheduler(settings, jobs)
    scheduler.start()
    log.info("worker started: %s", ", ".join(f"{j.name} every {j.every_seconds:g}s" for j in jobs))
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        log.info("worker stopped")
