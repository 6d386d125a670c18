"""Pool arithmetic: non-displacement, program pools and freshness, without a database."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from matcher.pools import (
    FULL,
    OPEN,
    UNAVAILABLE,
    UNCONFIRMED,
    WAITLIST,
    Freshness,
    Pool,
    offerable_units,
    pool_status,
)

AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


def pool(**kw):
    base = dict(id="c1", unit="bed", available=3, updated=AT - timedelta(hours=1))
    base.update(kw)
    return Pool(**base)


def test_public_pool_owes_units_to_people_waiting():
    assert offerable_units(pool(available=3, waitlist=2), None) == 1
    assert offerable_units(pool(available=3, waitlist=3), None) == 0
    assert pool_status(pool(available=3, waitlist=3), AT, Freshness()) == WAITLIST


def test_holds_take_units():
    assert offerable_units(pool(available=2, active_holds=1), None) == 1
    assert pool_status(pool(available=1, active_holds=1), AT, Freshness()) == WAITLIST


def test_program_pool_only_for_its_program_and_ignores_public_waitlist():
    p = pool(available=2, waitlist=5, reserved_for=("lead-kc",))
    assert offerable_units(p, "lead-kc") == 2
    assert offerable_units(p, "other") == 0
    assert offerable_units(p, None) == 0
    assert pool_status(p, AT, Freshness(), None) == UNAVAILABLE


def test_stale_report_with_open_units_is_unconfirmed_and_without_is_full():
    old = AT - timedelta(hours=30)
    assert pool_status(pool(updated=old), AT, Freshness()) == UNCONFIRMED
    assert pool_status(pool(updated=old, available=0), AT, Freshness()) == FULL
    # a slot report lives a week
    assert pool_status(pool(unit="slot", updated=old), AT, Freshness()) == OPEN


@given(available=st.integers(0, 50), waitlist=st.integers(0, 50), holds=st.integers(0, 50), extra=st.integers(1, 10))
def test_more_people_waiting_never_adds_units(available, waitlist, holds, extra):
    p = pool(available=available, waitlist=waitlist, active_holds=holds)
    more = pool(available=available, waitlist=waitlist + extra, active_holds=holds)
    assert offerable_units(more, None) <= offerable_units(p, None)
    assert offerable_units(p, None) <= max(available - waitlist - holds, 0)
