"""The scheduler: a job works only on the replica holding its advisory lock; jobs never block each other."""

import threading

from sqlalchemy import text

from api.scheduler import _under_lock, lock_key


def test_each_job_has_its_own_lock():
    assert lock_key("feed-poll") != lock_key("hold-expiry")
    assert lock_key("feed-poll") == lock_key("feed-poll")
    assert 0 < lock_key("feed-poll") < 2**63


def test_a_job_runs_only_where_its_lock_is_free(settings, engine):
    ran: list[str] = []
    # Another replica holds this job's lock: the job must not run here.
    with engine.connect() as other_replica:
        other_replica.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key("expiry")})
        _under_lock(settings, "expiry", lambda s: ran.append("expiry"))
        # A different job is not blocked by that lock.
        _under_lock(settings, "feeds", lambda s: ran.append("feeds"))
        other_replica.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key("expiry")})
    assert ran == ["feeds"]
    _under_lock(settings, "expiry", lambda s: ran.append("expiry"))
    assert ran == ["feeds", "expiry"]


def test_a_failing_job_does_not_escape(settings):
    def broken(_settings):
        raise RuntimeError("feed exploded")

    _under_lock(settings, "broken", broken)  # logged, not raised
    done = threading.Event()
    _under_lock(settings, "after", lambda s: done.set())
    assert done.is_set()
