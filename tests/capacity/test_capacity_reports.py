"""Provider reports: applied unless older, fields left out kept, validation, history, status, batches."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

from capacity_factories import ORG_A, ORG_B, hours_ago, report
from sqlalchemy import func, select, text


def test_newer_report_is_applied_and_answer_carries_current_state_with_status(client, make_pool, keys):
    make_pool("cap-1", available=1, maximum=10, updated=hours_ago(3))
    r = client.put(
        "/v1/capacity/cap-1", json=report(4, hours_ago(1), maximum=12, waitlist=2), headers=keys["provider_a"]
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["applied"] is True and "reason" not in body
    capacity = body["capacity"]
    assert (capacity["available"], capacity["maximum"], capacity["waitlist"]) == (4, 12, 2)
    assert capacity["status"] == "open" and capacity["open_units"] == 2  # 4 available − 2 waiting (R2)
    assert capacity["pool"] == "public" and capacity["organization_id"] == ORG_A


def test_older_report_is_not_applied_and_says_why(client, make_pool, keys):
    make_pool("cap-1", available=3, updated=hours_ago(1))
    r = client.put("/v1/capacity/cap-1", json=report(0, hours_ago(5)), headers=keys["provider_a"])
    assert r.status_code == 200
    assert r.json()["applied"] is False and r.json()["reason"] == "older_than_current"
    assert r.json()["capacity"]["available"] == 3


def test_equal_timestamp_resend_is_applied(client, make_pool, keys):
    when = hours_ago(1)
    make_pool("cap-1", available=3, updated=when)
    r = client.put("/v1/capacity/cap-1", json=report(2, when), headers=keys["provider_a"])
    assert r.json()["applied"] is True and r.json()["capacity"]["available"] == 2


def test_fields_left_out_keep_their_stored_value(client, make_pool, keys):
    make_pool("cap-1", available=1, maximum=10, waitlist=3)
    r = client.put("/v1/capacity/cap-1", json=report(5, hours_ago(0.5)), headers=keys["curator"])
    capacity = r.json()["capacity"]
    assert (capacity["available"], capacity["maximum"], capacity["waitlist"]) == (5, 10, 3)
    # An explicit null maximum clears it (unknown total).
    r = client.put("/v1/capacity/cap-1", json=report(20, hours_ago(0.4), maximum=None), headers=keys["admin"])
    assert r.json()["capacity"]["maximum"] is None and r.json()["capacity"]["available"] == 20


def test_unknown_pool_is_404(client, db, keys):
    r = client.put("/v1/capacity/nope", json=report(1, hours_ago(1)), headers=keys["admin"])
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert client.get("/v1/capacity/nope", headers=keys["admin"]).status_code == 404
    assert client.get("/v1/capacity/nope/history", headers=keys["admin"]).status_code == 404


INVALID_REPORTS = [
    ({"available": -1, "updated": hours_ago(1).isoformat()}, "available"),
    ({"updated": hours_ago(1).isoformat()}, "available"),
    ({"available": 1}, "updated"),
    ({"available": 1, "updated": "2026-11-22T12:00:00"}, "updated"),  # no UTC offset
    ({"available": 1, "updated": "yesterday"}, "updated"),
    ({"available": 1, "updated": 1700000000}, "updated"),
    ({"available": 1, "waitlist": -2, "updated": hours_ago(1).isoformat()}, "waitlist"),
    ({"available": 1, "waitlist": 1.5, "updated": hours_ago(1).isoformat()}, "waitlist"),
    ({"available": "3", "updated": hours_ago(1).isoformat()}, "available"),
    ({"available": 1, "maximum": -1, "updated": hours_ago(1).isoformat()}, "maximum"),
    ({"available": 1, "waitlist": 10**20, "updated": hours_ago(1).isoformat()}, "waitlist"),
    ({"available": 1, "updated": "0001-01-01T00:00:00+14:00"}, "updated"),
]


def test_invalid_reports_are_422_naming_the_field(client, make_pool, keys):
    make_pool("cap-1")
    for body, field in INVALID_REPORTS:
        r = client.put("/v1/capacity/cap-1", json=body, headers=keys["provider_a"])
        assert r.status_code == 422, (body, r.text)
        assert any(e["field"] == field for e in r.json()["errors"]), (body, r.text)


def test_hostile_ids_and_paging_are_4xx_never_500(client, make_pool, keys):
    make_pool("cap-1")
    headers = keys["admin"]
    for method, path, body in [
        ("GET", "/v1/capacity/a%00b", None),
        ("PUT", "/v1/capacity/a%00b", report(1, hours_ago(1))),
        ("GET", "/v1/capacity/a%00b/history", None),
        ("GET", "/v1/capacity?organization_id=%00", None),
        ("GET", "/v1/capacity?page=99999999999999999999", None),
        ("GET", "/v1/feeds/%00", None),
        ("POST", "/v1/holds", {"capacity_id": "a\x00b"}),
        ("POST", "/v1/holds", {"capacity_id": "cap-1", "program": "\x00"}),
        ("GET", "/v1/holds/%00", None),
        ("POST", "/v1/feeds", {"url": "https://x.org/\x00"}),
    ]:
        r = client.request(method, path, json=body, headers=headers)
        assert r.status_code == 422, (method, path, r.text)
    # A NUL anywhere in a body is refused with the whole request (CONTRACT §2), naming the field.
    r = client.post(
        "/v1/capacity", json={"updates": [{"capacity_id": "a\x00", **report(1, hours_ago(1))}]}, headers=headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "updates.0.capacity_id"


def test_available_above_maximum_is_422_whether_sent_or_stored(client, make_pool, keys, db):
    make_pool("cap-1", available=1, maximum=10)
    r = client.put("/v1/capacity/cap-1", json=report(11, hours_ago(0.5), maximum=10), headers=keys["admin"])
    assert r.status_code == 422
    r = client.put("/v1/capacity/cap-1", json=report(11, hours_ago(0.5)), headers=keys["admin"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "available"
    from catalog.tables import CapacityReport

    with db() as session:  # a rejected report changes nothing and is not history
        assert session.scalar(select(func.count()).select_from(CapacityReport)) == 0


def test_report_from_the_future_beyond_skew_is_422(client, make_pool, keys):
    make_pool("cap-1")
    from datetime import UTC, datetime

    soon = datetime.now(UTC) + timedelta(minutes=2)
    assert client.put("/v1/capacity/cap-1", json=report(1, soon), headers=keys["admin"]).status_code == 200
    later = datetime.now(UTC) + timedelta(hours=1)
    r = client.put("/v1/capacity/cap-1", json=report(1, later), headers=keys["admin"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "updated"


def test_status_reflects_waitlist_full_and_stale_reports(client, make_pool, keys):
    make_pool("waiting", available=2, waitlist=2)
    make_pool("full", available=0)
    make_pool("stale", available=3, updated=hours_ago(30))  # beds live 24 h (R5)
    make_pool("program", available=2, reserved_for=("lead",))
    statuses = {
        c: client.get(f"/v1/capacity/{c}", headers=keys["operator"]).json()["status"]
        for c in ("waiting", "full", "stale", "program")
    }
    assert statuses == {"waiting": "waitlist", "full": "full", "stale": "unconfirmed", "program": "open"}
    # Seen by another program, a program pool is not for it.
    r = client.get("/v1/capacity/program", params={"program": "other"}, headers=keys["operator"])
    assert r.json()["status"] == "unavailable" and r.json()["pool"] == "program"


def test_history_keeps_every_report_newest_first_with_source_and_actor(client, make_pool, keys):
    make_pool("cap-1", updated=hours_ago(10))
    for hours, available in ((5, 1), (7, 2), (3, 3), (4, 4)):
        client.put("/v1/capacity/cap-1", json=report(available, hours_ago(hours)), headers=keys["provider_a"])
    r = client.get("/v1/capacity/cap-1/history", headers=keys["provider_a"])
    assert r.status_code == 200
    page = r.json()
    assert page["total_items"] == 4
    contents = page["contents"]
    assert [c["available"] for c in contents] == [4, 3, 2, 1]  # newest received first
    assert [c["applied"] for c in contents] == [False, True, False, True]
    assert {c["source"] for c in contents} == {"push"}
    assert all(c["actor"].endswith("test-provider") for c in contents)
    paged = client.get("/v1/capacity/cap-1/history", params={"per_page": 3, "page": 2}, headers=keys["curator"]).json()
    assert paged["total_pages"] == 2 and [c["available"] for c in paged["contents"]] == [1]
    # The pool converged on the newest report (3 h ago), whatever the order of arrival.
    assert client.get("/v1/capacity/cap-1", headers=keys["admin"]).json()["available"] == 3


def test_out_of_order_reports_converge_to_the_newest(client, make_pool, keys):
    make_pool("cap-1", updated=hours_ago(100))
    reports = [report(i % 7, hours_ago(50 - i), waitlist=i % 3) for i in range(40)]
    random.Random(7).shuffle(reports)
    for body in reports:
        assert client.put("/v1/capacity/cap-1", json=body, headers=keys["provider_a"]).status_code == 200
    state = client.get("/v1/capacity/cap-1", headers=keys["admin"]).json()
    newest = max(reports, key=lambda b: b["updated"])
    assert (state["available"], state["waitlist"], state["updated"]) == (
        newest["available"],
        newest["waitlist"],
        hours_ago(11).isoformat(),
    )


def test_concurrent_writers_converge_to_the_newest(live_server, make_pool, keys, db):
    """Eight threads push shuffled reports at once over a real socket; the newest wins, all are history."""
    import httpx

    make_pool("cap-1", updated=hours_ago(500), maximum=None)
    reports = [report(i, hours_ago(400 - i)) for i in range(160)]
    random.Random(11).shuffle(reports)
    chunks = [reports[i::8] for i in range(8)]
    barrier = threading.Barrier(8)
    failures: list[str] = []

    def push(chunk: list[dict]) -> None:
        with httpx.Client(base_url=live_server, headers=keys["provider_a"], timeout=30) as http:
            barrier.wait()
            for body in chunk:
                r = http.put("/v1/capacity/cap-1", json=body)
                if r.status_code != 200:
                    failures.append(r.text)

    threads = [threading.Thread(target=push, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    with db() as session:
        row = session.execute(text("SELECT available, updated FROM service_capacity WHERE id='cap-1'")).one()
        history = session.execute(
            text("SELECT updated, applied FROM capacity_report WHERE capacity_id = 'cap-1' ORDER BY id")
        ).all()
    assert (float(row.available), row.updated) == (159.0, hours_ago(241))
    assert len(history) == 160
    # Writers take the pool's row lock before recording, so the history's id order is the order the
    # reports were judged in. Replayed in that order, each was applied exactly when it was at least as
    # new as the state stored before it (the rule, not a count that any outcome would pass).
    stored = hours_ago(500)
    expected = []
    for report_row in history:
        expected.append(report_row.updated >= stored)
        stored = max(stored, report_row.updated)
    assert [r.applied for r in history] == expected


# --- batches -----------------------------------------------------------------------------------------


def test_batch_answers_each_item_and_bad_items_do_not_stop_the_others(client, make_pool, keys):
    make_pool("cap-1", updated=hours_ago(5))
    make_pool("cap-2", updated=hours_ago(1))
    make_pool("cap-b", org=ORG_B)
    updates = [
        {"capacity_id": "cap-1", **report(3, hours_ago(2))},
        {"capacity_id": "cap-2", **report(0, hours_ago(4))},
        {"capacity_id": "missing", **report(1, hours_ago(1))},
        {"capacity_id": "cap-1", "available": -4, "updated": hours_ago(1).isoformat()},
        {"capacity_id": "cap-b", **report(1, hours_ago(1))},
        "not an object",
    ]
    r = client.post("/v1/capacity", json={"updates": updates}, headers=keys["provider_a"])
    assert r.status_code == 200, r.text
    body = r.json()
    results = body["results"]
    assert [x["status"] for x in results] == [200, 200, 404, 422, 404, 422]  # cap-b: another org, like missing
    assert results[0]["applied"] is True
    assert results[1]["applied"] is False and results[1]["reason"] == "older_than_current"
    assert results[3]["errors"][0]["field"] == "updates.3.available"
    assert (body["applied"], body["not_applied"], body["rejected"]) == (1, 1, 4)
    assert client.get("/v1/capacity/cap-1", headers=keys["admin"]).json()["available"] == 3


def test_batch_validates_its_envelope(client, make_pool, keys):
    assert client.post("/v1/capacity", json={"nope": []}, headers=keys["admin"]).status_code == 422
    too_many = {"updates": [{"capacity_id": "x"}] * 5001}
    r = client.post("/v1/capacity", json=too_many, headers=keys["admin"])
    assert r.status_code == 422 and "updates" in r.json()["detail"]


def test_a_batch_of_2000_reports_is_applied_whole(client, make_pool, keys, db):
    """The largest batch a feed sends at once is applied item by item, every value stored. How fast is
    the benchmark's business (`divert bench run`, "capacity batched"), not a pass/fail test's."""
    from catalog.tables import Organization, Service, ServiceCapacity, Unit

    with db() as session:
        session.add_all([Organization(id=ORG_A, name="A"), Unit(id="bed", name="Bed")])
        session.flush()
        session.add(Service(id="svc-a", organization_id=ORG_A, name="Big"))
        session.flush()
        session.add_all(
            [
                ServiceCapacity(
                    id=f"cap-{i:04d}",
                    service_id="svc-a",
                    unit_id="bed",
                    available=0,
                    maximum=100,
                    updated=hours_ago(10),
                )
                for i in range(2000)
            ]
        )
        session.commit()
    updates = [{"capacity_id": f"cap-{i:04d}", **report(i % 50, hours_ago(1))} for i in range(2000)]
    client.post("/v1/capacity", json={"updates": updates[:50]}, headers=keys["provider_a"])  # warm up
    r = client.post("/v1/capacity", json={"updates": updates}, headers=keys["provider_a"])
    assert r.status_code == 200 and r.json()["applied"] == 2000
    with db() as session:
        stored = dict(session.execute(text("SELECT id, available FROM service_capacity")).all())
    assert stored == {f"cap-{i:04d}": i % 50 for i in range(2000)}


def test_batch_losing_its_database_connection_applies_nothing_and_says_so(client, make_pool, keys, engine):
    """The connection dies in the middle of a batch (a trigger kills its own backend on one item).
    The batch is all-or-nothing in the database: 503, nothing from it applied, no history; resent, it
    applies in full."""
    for capacity_id in ("cap-1", "cap-2", "cap-2p", "cap-3"):
        make_pool(capacity_id, available=0, updated=hours_ago(10))
    with engine.begin() as conn:
        conn.execute(
            text("""
            CREATE OR REPLACE FUNCTION test_drop_own_connection() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$""")
        )
        conn.execute(
            text("""
            CREATE TRIGGER test_drop_own_connection BEFORE INSERT ON capacity_report FOR EACH ROW
            WHEN (NEW.capacity_id = 'cap-2p') EXECUTE FUNCTION test_drop_own_connection()""")
        )
    updates = [{"capacity_id": c, **report(5, hours_ago(1))} for c in ("cap-1", "cap-2", "cap-2p", "cap-3")]
    try:
        r = client.post("/v1/capacity", json={"updates": updates}, headers=keys["provider_a"])
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER IF EXISTS test_drop_own_connection ON capacity_report"))
            conn.execute(text("DROP FUNCTION IF EXISTS test_drop_own_connection()"))
    assert r.status_code == 503, r.text
    assert r.json()["error"] == "database_unavailable" and r.json()["applied"] == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM capacity_report")).scalar() == 0
        assert conn.execute(text("SELECT sum(available) FROM service_capacity")).scalar() == 0
    r = client.post("/v1/capacity", json={"updates": updates}, headers=keys["provider_a"])
    assert r.status_code == 200 and r.json()["applied"] == 4


def test_listing_pools_by_organization(client, make_pool, keys):
    make_pool("a-1")
    make_pool("a-2", available=0)
    make_pool("b-1", org=ORG_B)
    r = client.get("/v1/capacity", headers=keys["provider_a"])
    assert r.status_code == 200
    assert sorted(c["id"] for c in r.json()["contents"]) == ["a-1", "a-2"]
    r = client.get("/v1/capacity", params={"organization_id": ORG_B}, headers=keys["curator"])
    assert [c["id"] for c in r.json()["contents"]] == ["b-1"]
    assert client.get("/v1/capacity", headers=keys["operator"]).json()["total_items"] == 3
    # Each pool as it is stored, not only its id.
    listed = {c["id"]: c for c in client.get("/v1/capacity", headers=keys["admin"]).json()["contents"]}
    assert {k: (v["available"], v["organization_id"]) for k, v in listed.items()} == {
        "a-1": (1, ORG_A),
        "a-2": (0, ORG_A),
        "b-1": (1, ORG_B),
    }
