"""The worker: an explicit job list, each job under its own advisory lock, failures contained."""

import threading

from sqlalchemy import text

from worker.jobs import Job, scheduled_jobs
from worker.runner import lock_key, run_under_lock


def test_the_job_list_is_explicit_and_complete(settings):
    jobs = scheduled_jobs(settings)
    assert [j.name for j in jobs] == [
        "capacity.poll_feeds",
        "capacity.expire_holds",
        "search.sync_index",
        "referrals.expire",
        "referrals.webhooks",
    ]
    assert len({lock_key(j.name) for j in jobs}) == len(jobs)
    quick = settings.model_copy(update={"feed_poll_seconds": 0.5, "hold_expiry_seconds": 2.0})
    intervals = {j.name: j.every_seconds for j in scheduled_jobs(quick)}
    assert intervals["capacity.poll_feeds"] == 0.5 and intervals["capacity.expire_holds"] == 2.0


def test_each_job_has_its_own_lock():
    assert lock_key("feed-poll") != lock_key("hold-expiry")
    assert lock_key("feed-poll") == lock_key("feed-poll")
    assert 0 < lock_key("feed-poll") < 2**63


def test_a_job_runs_only_where_its_lock_is_free(settings, engine):
    ran: list[str] = []
    expiry = Job("expiry", 1, lambda s: ran.append("expiry"))
    feeds = Job("feeds", 1, lambda s: ran.append("feeds"))
    # Another worker is running this job: it must not run here.
    with engine.connect() as other_worker:
        other_worker.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key("expiry")})
        assert not run_under_lock(settings, expiry)
        # A different job is not blocked by that lock.
        assert run_under_lock(settings, feeds)
        other_worker.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key("expiry")})
    assert ran == ["feeds"]
    assert run_under_lock(settings, expiry)
    assert ran == ["feeds", "expiry"]


def test_the_lock_is_held_for_the_whole_run(settings, engine):
    """While a run is in progress a second worker skips the job; once it ends, the lock is free."""
    started, release = threading.Event(), threading.Event()
    second: list[bool] = []

    def slow(_settings):
        started.set()
        release.wait(10)

    runner = threading.Thread(target=run_under_lock, args=(settings, Job("slow", 1, slow)))
    runner.start()
    assert started.wait(10)
    second.append(run_under_lock(settings, Job("slow", 1, lambda s: second.append(True))))
    release.set()
    runner.join(10)
    assert second == [False]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key("slow")}).scalar()
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key("slow")})


def test_a_failing_job_does_not_escape(settings):
    def broken(_settings):
        raise RuntimeError("feed exploded")

    run_under_lock(settings, Job("broken", 1, broken))  # logged, not raised
    done = threading.Event()
    run_under_lock(settings, Job("after", 1, lambda s: done.set()))
    assert done.is_set()
