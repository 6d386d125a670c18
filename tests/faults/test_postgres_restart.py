"""PostgreSQL restarted in the middle of a write: nothing is half-written, and the API recovers
without a restart of its own.

Each test runs on a private PostgreSQL server it starts itself (tests/faults/conftest.py), never the
shared one. A row trigger stops the write at a known row, so the restart is shown to land mid-write:
before it, the test sees the writing statement held in the hook, the rows it has written so far
(counted outside the transaction) and none of them committed; after it, none of them is there.
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
FAULT_BATCH = 3  # the batch the restart hits
FAULT_ROW = 25  # ... after this many of its reports are written
# Once the database answers again, the app has this many batches (0.2 s apart, so about a minute) to
# serve one: the first requests may still meet connections the restart killed (each one fails
# cleanly, 503), and on a loaded 2-core machine the restarted server can take many seconds to settle.
MAX_BATCHES_AFTER_RESTART = 300
IMPORT_SERVICES = 600
IMPORT_FAULT_ROW = 300
BASE_TIME = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _admin_headers(sessions: Any) -> dict[str, str]:
    from api.auth.keys import create_key

    with sessions() as session:
        token = create_key(session, "admin", name="faults")
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def _count(sessions: Any, sql: str, **params: Any) -> int:
    with sessions() as session:
        return int(session.execute(text(sql), params).scalar_one())


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
def test_a_capacity_batch_cut_by_a_restart_is_absent_and_the_rest_whole(private_postgres, private_app) -> None:  # type: ignore[no-untyped-def]
    app, sessions = private_app
    headers = _admin_headers(sessions)
    with TestClient(app) as client:
        r = client.post(
            "/v1/import/hsds", json=hsds_services(200, seed=21, now=BASE_TIME, prefix="rst"), headers=headers
        )
        assert r.status_code == 200, r.text
    with sessions() as session:
        pools = list(session.execute(text("SELECT id FROM service_capacity ORDER BY id")).scalars())[:POOLS_PER_BATCH]
    assert len(pools) == POOLS_PER_BATCH, "the world must have enough pools"
    # Batch i writes a wait list no other batch writes; the append-only history tells batches apart.
    private_postgres.hold_writes("capacity_report", f"NEW.waitlist = {1000 + FAULT_BATCH}", FAULT_ROW)
    outcomes: list[int] = []
    restarted = threading.Event()

    def send_batches() -> None:
        after = 0
        with TestClient(app, raise_server_exceptions=False) as client:
            for i in range(FAULT_BATCH + 1 + MAX_BATCHES_AFTER_RESTART):
                updated = (BASE_TIME + timedelta(hours=1, seconds=i)).isoformat()
                body = {
                    "updates": [
                        {"capacity_id": cid, "available": i % 3, "waitlist": 1000 + i, "updated": updated}
                        for cid in pools
                    ]
                }
                try:
                    response = client.post("/v1/capacity", json=body, headers=headers)
                    outcomes.append(response.status_code)
                except Exception:  # the transport itself failed: count it as not answered
                    outcomes.append(-1)
                if restarted.is_set():
                    after += 1
                    if outcomes[-1] == 200 or after >= MAX_BATCHES_AFTER_RESTART:
                        return
                    time.sleep(0.2)

    def batch_reports(i: int) -> int:
        return _count(
            sessions,
            "SELECT count(*) FROM capacity_report WHERE capacity_id = ANY(:ids) AND waitlist = :w",
            ids=pools,
            w=1000 + i,
        )

    sender = threading.Thread(target=send_batches)
    sender.start()
    private_postgres.held_write()
    # The fault's moment, seen from outside: the batch's statement stopped at its FAULT_ROW-th report,
    # the rows before it written but not committed; the batches before it answered and are whole.
    assert private_postgres.rows_seen() == FAULT_ROW
    assert batch_reports(FAULT_BATCH) == 0
    assert outcomes == [200] * FAULT_BATCH
    assert [batch_reports(i) for i in range(FAULT_BATCH)] == [POOLS_PER_BATCH] * FAULT_BATCH
    private_postgres.restart()
    restarted.set()
    sender.join(timeout=180)
    assert not sender.is_alive()

    # The cut batch was not acknowledged and left nothing: its first FAULT_ROW reports were rolled back.
    assert outcomes[FAULT_BATCH] in (503, -1), outcomes
    assert batch_reports(FAULT_BATCH) == 0
    for i, status in enumerate(outcomes):
        reports = batch_reports(i)
        if status == 200:
            assert reports == POOLS_PER_BATCH, f"batch {i} answered 200 but only {reports} reports are stored"
        else:
            assert status in (503, -1), f"batch {i}: unexpected status {status}"
            assert reports in (0, POOLS_PER_BATCH), f"batch {i} is half-written: {reports} of {POOLS_PER_BATCH}"
    # The same app, never restarted, applies batches again once the database is back: a restart error
    # (SQLSTATE 08/57P) invalidates the whole pool at once (divert/db.py), so no stale connection lingers.
    assert outcomes[-1] == 200, (
        f"no recovery within {MAX_BATCHES_AFTER_RESTART} batches after the restart (last outcomes {outcomes[-5:]})"
    )


@pytest.mark.faults
def test_an_import_cut_by_a_restart_is_absent_then_imports_whole(private_postgres, private_app) -> None:  # type: ignore[no-untyped-def]
    app, sessions = private_app
    headers = _admin_headers(sessions)
    services = hsds_services(IMPORT_SERVICES, seed=22, now=BASE_TIME, prefix="imr")
    private_postgres.hold_writes("service", "NEW.id LIKE 'imr-%'", IMPORT_FAULT_ROW)
    outcome: dict[str, Any] = {}

    def send_import() -> None:
        with TestClient(app, raise_server_exceptions=False) as client:
            try:
                outcome["status"] = client.post("/v1/import/hsds", json=services, headers=headers).status_code
            except Exception as exc:  # the transport failed mid-request
                outcome["status"] = type(exc).__name__

    def present() -> dict[str, int]:
        return {
            table: _count(sessions, f"SELECT count(*) FROM {table} WHERE id LIKE 'imr-%'")
            for table in ("service", "location", "service_at_location", "schedule")
        }

    whole = dict.fromkeys(("service", "location", "service_at_location", "schedule"), IMPORT_SERVICES)
    empty = dict.fromkeys(whole, 0)
    sender = threading.Thread(target=send_import)
    sender.start()
    _pid, statement = private_postgres.held_write()
    # Mid-write: the import's transaction has written IMPORT_FAULT_ROW services, none visible outside it.
    assert private_postgres.rows_seen() == IMPORT_FAULT_ROW, statement
    assert present() == empty and "status" not in outcome
    private_postgres.restart()
    sender.join(timeout=180)
    assert not sender.is_alive()
    assert outcome["status"] != 200, outcome
    assert present() == empty, "the import was cut mid-write: none of it may remain"

    # The same app imports again once the database is back: everything is there, once.
    with TestClient(app, raise_server_exceptions=False) as client:
        response = _retrying(lambda: client.post("/v1/import/hsds", json=services, headers=headers))
        assert response.status_code == 200, response.text
    assert present() == whole
