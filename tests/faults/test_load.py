"""Load: /v1/match held at a steady rate over loopback for a bounded time answers every request.

A real uvicorn on 127.0.0.1 serves this run's database; an open-loop schedule sends request i at
start + i/rate (so a slow answer shows as latency, never as fewer requests). The assertion is on
counts only: every scheduled request answered 200, none failed — not on timing.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from bench.run import drive, live_server
from bench.workload import hsds_services, match_requests

LOAD_SECONDS = float(os.environ.get("DIVERT_LOAD_SECONDS", "20"))
LOAD_RATE = 10.0  # matches per second: a busy county's whole night shift, compressed


@pytest.mark.faults
def test_match_holds_a_steady_rate_without_errors(import_catalog, make_key, database_url) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC).replace(microsecond=0)
    import_catalog(hsds_services(300, seed=9, now=now, prefix="load"))
    headers = make_key("case_manager")
    expected = int(LOAD_SECONDS * LOAD_RATE)
    # The same metro distribution as the catalog, so most needs meet real candidates.
    bodies = match_requests(expected, seed=9, at=now)
    jobs = [lambda c, b=b: c.post("/v1/match", json=b, headers=headers) for b in bodies]
    with live_server(database_url) as base:
        result = drive(base, clients=3, jobs=jobs, rate_per_s=LOAD_RATE)
    assert not result.errors, f"errors under steady load: {result.errors}"
    assert len(result.ms) == expected, f"{len(result.ms)} answered of {expected} scheduled"
    # Each answer said how long the server took (Server-Timing), never more than the client waited.
    assert len(result.server_ms) == expected
    assert max(result.server_ms) <= max(result.ms)
