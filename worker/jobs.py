"""The worker's jobs: the one explicit list of what runs on a schedule, and how often.

Nothing registers itself: a job runs because it is named in `scheduled_jobs` below, so reading this
function tells you everything the worker does.

To add a job (e.g. referral expiry, webhook delivery):
1. Write `def <what_it_does>(settings: Settings) -> None` beside the room that owns it, in that
   room's `tasks.py` (e.g. `api/referrals/tasks.py`). It opens its own sessions
   (`divert.db.session_scope(settings)`) and must be idempotent: run twice in a row, or by two
   workers one after the other, the second run changes nothing (select by state and time, e.g.
   "active and past its time", never "everything since my last run", which a worker does not know).
2. Add one `Job(...)` line to `scheduled_jobs`: a stable unique name (it also names the job's
   Postgres advisory lock, worker/runner.py), the interval, and the function. An interval an
   operator may want to change is a setting (divert/settings.py, `DIVERT_..._SECONDS`).
3. Test the function directly with an explicit clock where it has one, and add the job's name to
   the expected list in tests/worker/test_worker.py.
The runner takes the job's lock with a try-lock for the whole run, so while one worker runs a job a
second worker skips it, and a failing job is logged and runs again at its next tick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from api.capacity import tasks as capacity_tasks
from api.directory import tasks as directory_tasks
from api.referrals import tasks as referral_tasks
from divert.settings import Settings


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[Settings], None]


def scheduled_jobs(settings: Settings) -> list[Job]:
    """Every job the worker runs, with its interval from the settings."""
    return [
        # Each feed keeps its own interval and backoff; this is how often the due ones are looked for.
        Job("capacity.poll_feeds", settings.feed_poll_seconds, capacity_tasks.poll_feeds),
        # Expired holds already free their unit in the arithmetic; this only records their state.
        Job("capacity.expire_holds", settings.hold_expiry_seconds, capacity_tasks.expire_holds),
        # Sends the search outbox to Meilisearch (and empties it under the Postgres backend).
        Job("search.sync_index", settings.search_sync_seconds, directory_tasks.sync_search),
        # A sent referral past its respond_by becomes expired and its hold is released.
        Job("referrals.expire", referral_tasks.REFERRAL_EXPIRY_TICK_SECONDS, referral_tasks.expire_referrals_job),
        # Due webhook messages are leased, sent once and retried with backoff on failure.
        Job("referrals.webhooks", referral_tasks.WEBHOOK_TICK_SECONDS, referral_tasks.deliver_webhooks_job),
    ]
