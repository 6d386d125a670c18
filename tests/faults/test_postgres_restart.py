"""PostgreSQL restarted under writes: nothing is half-written, and the API recovers without a restart.

Batches of capacity reports and an HSDS import run in a thread while the cluster restarts. Which
requests the restart hits is up to the race; the assertions hold for every outcome: a batch that
answered 200 is wholly in the database, one that did not is wholly absent; the import is there in
full or not at all; and afterwards the same app (pool_pre_ping) serves writes again.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from bench.workload import hsds_services

POOLS_PER_BATCH = 50
MAX_BATCHES = 400
# Once the database answers again, the app has this many batches (0.2 s apart) to serve one: the
# first requests may still meet connections the restart killed (each one fails cleanly, 503).
MAX_BATCHES_AFTER_RESTART = 50
IMPORT_SERVICES = 1500
BASE_TIME = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _pool_ids(db: Any) -> list[str]:
    with db() as session:
        return list(session.execute(text("SELECT id FROM service_capacity ORDER BY id")).scalars())


def _retrying(send: Any, attempts: int = 100) -> httpx.Response:
    """The same request until the database is back (our own retries, not conftest's)."""
    response = send()
    for _ in range(attempts):
        if response.status_code < 500:
            return response
        time.sleep(0.3)
        response = send()
    return response


@pytest.mark.faults
def test_capacity_batches_across_a_restart_are_all_or_nothing(  # type: ignore[no-untyped-def]
        app, import_catalog, admin_headers, db, restart_postgres) -> None:
    import_catalog(hsds_services(200, seed=21, now=BASE_TIME, prefix="rst"))
    pools = _pool_ids(db)[:POOLS_PER_BATCH]
    assert len(pools) == POOLS_PER_BATCH, "the world must have enough pools"
    # Batch i writes a wait list no other batch writes; the append-only history tells batches apart.
    outcomes: list[int] = []
    applied: list[int] = []
    first_done = threading.Event()
    restarted = threading.Event()

    def send_batches() -> None:
        after = 0
        with TestClient(app, raise_server_exceptions=False) as client:
            for i in range(MAX_BATCHES):
                updated = (BASE_TIME + timedelta(hours=1, seconds=i)).isoformat()
                body = {"updates": [{"capacity_id": cid, "available": i % 3, "waitlist": 1000 + i,
                                     "updated": updated} for cid in pools]}
                try:
                    response = client.post("/v1/capacity", json=body, headers=admin_headers)
                    outcomes.append(response.status_code)
                    items = response.json().get("results", []) if response.status_code == 200 else []
                    applied.append(sum(1 for item in items if item.get("applied") is True))
                except Exception:  # the transport itself failed: count it as not answered
                    outcomes.append(-1)
                    applied.append(0)
                first_done.set()
                if restarted.is_set():
                    after += 1
                    if outcomes[-1] == 200 or after >= MAX_BATCHES_AFTER_RESTART:
                        return
                    time.sleep(0.2)

    sender = threading.Thread(target=send_batches)
    sender.start()
    first_done.wait(timeout=60)
    restart_postgres()
    restarted.set()
    sender.join(timeout=180)
    assert not sender.is_alive()

    assert outcomes[0] == 200, f"batches failed before any fault: {outcomes[:3]}"
    with db() as session:
        for i, status in enumerate(outcomes):
            reports = session.execute(text(
                "SELECT count(*) FROM capacity_report WHERE capacity_id = ANY(:ids) AND waitlist = :w"),
                {"w": 1000 + i, "ids": pools}).scalar_one()
            if status == 200:
                assert applied[i] == len(pools), f"batch {i}: {applied[i]} of {len(pools)} applied"
                assert reports == len(pools), f"batch {i} answered 200 but only {reports} reports are stored"
            else:
                assert status in (503, 500, -1), f"batch {i}: unexpected status {status}"
                # Not acknowledged: the commit may have landed just before the connection died
                # (whole) or not at all (nothing); never a part.
                assert reports in (0, len(pools)), f"batch {i} is half-written: {reports} of {len(pools)}"
    # The same app, never restarted, applies batches again once the database is back: a restart error
    # (SQLSTATE 08/57P) invalidates the whole pool at once (divert/db.py), so no stale connection lingers.
    assert outcomes[-1] == 200, (f"no recovery within {MAX_BATCHES_AFTER_RESTART} batches after the restart "
                                 f"(last outcomes {outcomes[-5:]})")


@pytest.mark.faults
def test_import_across_a_restart_is_whole_or_absent(  # type: ignore[no-untyped-def]
        app, admin_headers, db, restart_postgres) -> None:
    services = hsds_services(IMPORT_SERVICES, seed=22, now=BASE_TIME, prefix="imr")
    outcome: dict[str, Any] = {}
    started = threading.Event()

    def send_import() -> None:
        with TestClient(app, raise_server_exceptions=False) as client:
            started.set()
            try:
                outcome["status"] = client.post("/v1/import/hsds", json=services,
                                                headers=admin_headers).status_code
            except Exception as exc:  # the transport failed mid-request
                outcome["status"] = type(exc).__name__

    sender = threading.Thread(target=send_import)
    sender.start()
    started.wait(timeout=30)
    time.sleep(0.5)  # let the import get under way; either outcome is checked below
    restart_postgres()
    sender.join(timeout=180)
    assert not sender.is_alive()

    def present() -> dict[str, int]:
        with db() as session:
            return {table: session.execute(text(f"SELECT count(*) FROM {table} WHERE id LIKE 'imr-%'"))
                    .scalar_one() for table in ("service", "location", "service_at_location", "schedule")}

    counts = present()
    whole = {"service": IMPORT_SERVICES, "location": IMPORT_SERVICES, "service_at_location": IMPORT_SERVICES,
             "schedule": IMPORT_SERVICES}
    empty = dict.fromkeys(whole, 0)
    assert counts in (whole, empty), f"import half-written after a restart: {counts} ({outcome})"
    if outcome.get("status") == 200:
        assert counts == whole

    # The same app imports again once the database is back: everything is there, once.
    with TestClient(app, raise_server_exceptions=False) as client:
        response = _retrying(lambda: client.post("/v1/import/hsds", json=services, headers=admin_headers))
        assert response.status_code == 200, response.text
    assert present() == whole
