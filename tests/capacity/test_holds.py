"""Holds for warm handoffs: the matcher's arithmetic under a row lock, confirm, release, expiry."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text


def hold(client, headers, capacity_id="cap-1", **body):  # type: ignore[no-untyped-def]
    return client.post("/v1/holds", json={"capacity_id": capacity_id, **body}, headers=headers)


def test_hold_takes_the_last_unit_then_the_next_is_409(client, make_pool, keys):
    make_pool("cap-1", available=1)
    r = hold(client, keys["case_manager"], minutes=30)
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) >= {"hold_id", "capacity_id", "expires_at", "program"} and body["state"] == "active"
    expires = datetime.fromisoformat(body["expires_at"]) - datetime.fromisoformat(body["created_at"])
    assert expires == timedelta(minutes=30)
    r = hold(client, keys["operator"])
    assert r.status_code == 409 and r.json()["error"] == "no_open_units"
    assert "held" in r.json()["detail"]
    # The capacity API counts the hold too: the pool's one unit is spoken for.
    pool = client.get("/v1/capacity/cap-1", headers=keys["operator"]).json()
    assert (pool["active_holds"], pool["open_units"], pool["status"]) == (1, 0, "waitlist")


def test_units_owed_to_people_waiting_are_never_held(client, make_pool, keys):
    make_pool("cap-1", available=2, waitlist=2)
    r = hold(client, keys["case_manager"])
    assert r.status_code == 409 and "waiting" in r.json()["detail"]
    make_pool("cap-0", available=0)
    assert hold(client, keys["case_manager"], "cap-0").status_code == 409


def test_program_pool_is_only_for_its_programs(client, make_pool, keys):
    make_pool("cap-p", available=1, waitlist=3, reserved_for=("lead",))  # waitlist is the public queue's
    assert hold(client, keys["case_manager"], "cap-p").status_code == 409
    r = hold(client, keys["case_manager"], "cap-p", program="other")
    assert r.status_code == 409 and "reserved for lead" in r.json()["detail"]
    r = hold(client, keys["case_manager"], "cap-p", program="lead")
    assert r.status_code == 201 and r.json()["program"] == "lead"


def test_program_bound_key_holds_only_for_its_program(client, make_pool, keys):
    make_pool("cap-p", available=2, reserved_for=("lead",))
    make_pool("cap-1", available=2)
    assert hold(client, keys["case_manager_lead"], "cap-p", program="other").status_code == 403
    r = hold(client, keys["case_manager_lead"], "cap-p")  # no program named: the key's own
    assert r.status_code == 201 and r.json()["program"] == "lead"
    assert hold(client, keys["case_manager_lead"], "cap-1").json()["program"] == "lead"


def test_hold_input_is_validated_and_carries_no_participant(client, make_pool, keys):
    make_pool("cap-1")
    for minutes in (0, 4, 241, 1440, "60", 1.5):  # CONTRACT §2.4: 5 to 240
        r = hold(client, keys["case_manager"], minutes=minutes)
        assert r.status_code == 422 and "minutes" in r.json()["detail"], minutes
    r = hold(client, keys["case_manager"], participant={"age": 30})
    assert r.status_code == 422 and "participant" in r.json()["detail"]
    assert hold(client, keys["case_manager"], "nope").status_code == 404
    r = client.post("/v1/holds", json={}, headers=keys["case_manager"])
    assert r.status_code == 422 and "capacity_id" in r.json()["detail"]


def test_confirm_places_the_person_and_records_it(client, make_pool, keys, db):
    make_pool("cap-1", available=3, maximum=10)
    hold_id = hold(client, keys["case_manager"]).json()["hold_id"]
    r = client.post(f"/v1/holds/{hold_id}/confirm", headers=keys["case_manager"])
    assert r.status_code == 200 and r.json()["state"] == "confirmed"
    pool = client.get("/v1/capacity/cap-1", headers=keys["case_manager"]).json()
    assert (pool["available"], pool["active_holds"]) == (2, 0)
    history = client.get("/v1/capacity/cap-1/history", headers=keys["admin"]).json()["contents"]
    assert history[0]["source"] == "hold" and history[0]["available"] == 2 and history[0]["applied"]
    # An ended hold cannot be confirmed or released again.
    assert client.post(f"/v1/holds/{hold_id}/confirm", headers=keys["case_manager"]).status_code == 409
    r = client.delete(f"/v1/holds/{hold_id}", headers=keys["case_manager"])
    assert r.status_code == 409 and r.json()["state"] == "confirmed"


def test_provider_report_after_placement_wins_and_older_does_not_undo_it(client, make_pool, keys):
    make_pool("cap-1", available=3, updated=datetime.now(UTC) - timedelta(hours=2))
    hold_id = hold(client, keys["case_manager"]).json()["hold_id"]
    client.post(f"/v1/holds/{hold_id}/confirm", headers=keys["case_manager"])
    stale = {"available": 3, "updated": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}
    assert client.put("/v1/capacity/cap-1", json=stale, headers=keys["admin"]).json()["applied"] is False
    fresh = {"available": 5, "updated": datetime.now(UTC).isoformat()}
    assert client.put("/v1/capacity/cap-1", json=fresh, headers=keys["admin"]).json()["applied"] is True


def test_release_frees_the_unit(client, make_pool, keys):
    make_pool("cap-1", available=1)
    hold_id = hold(client, keys["case_manager"]).json()["hold_id"]
    r = client.delete(f"/v1/holds/{hold_id}", headers=keys["case_manager"])
    assert r.status_code == 200 and r.json()["state"] == "released"
    assert client.get(f"/v1/holds/{hold_id}", headers=keys["case_manager"]).json()["state"] == "released"
    assert hold(client, keys["case_manager"]).status_code == 201
    assert client.get("/v1/holds/nope", headers=keys["case_manager"]).status_code == 404
    assert client.delete("/v1/holds/nope", headers=keys["case_manager"]).status_code == 404


def test_expired_holds_free_their_unit_and_cannot_be_confirmed(client, make_pool, keys, engine, settings):
    make_pool("cap-1", available=1)
    hold_id = hold(client, keys["case_manager"], minutes=5).json()["hold_id"]
    with engine.begin() as conn:  # the hold's time has passed
        conn.execute(text("UPDATE hold SET expires_at = now() - interval '1 minute' WHERE id = :id"), {"id": hold_id})
    assert client.get(f"/v1/holds/{hold_id}", headers=keys["case_manager"]).json()["state"] == "expired"
    r = client.post(f"/v1/holds/{hold_id}/confirm", headers=keys["case_manager"])
    assert r.status_code == 409 and r.json()["state"] == "expired"
    assert client.delete(f"/v1/holds/{hold_id}", headers=keys["case_manager"]).status_code == 409
    # The arithmetic already ignores it, before the job has run.
    assert hold(client, keys["case_manager"]).status_code == 201
    from api.capacity.tasks import expire_holds

    expire_holds(settings)
    with engine.connect() as conn:
        states = dict(conn.execute(text("SELECT id, state FROM hold")).all())
    assert states[hold_id] == "expired" and sorted(states.values()) == ["active", "expired"]


def test_fifty_concurrent_holds_on_one_open_unit_make_exactly_one_hold(live_server, make_pool, keys):
    """No double booking: 50 requests at once over a real socket, each its own transaction."""
    make_pool("cap-1", available=3, waitlist=2)  # one unit left after the two people waiting
    workers = 50
    barrier = threading.Barrier(workers)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt() -> None:
        with httpx.Client(base_url=live_server, timeout=60) as http:
            barrier.wait()
            r = http.post("/v1/holds", json={"capacity_id": "cap-1"}, headers=keys["case_manager"])
        with lock:
            statuses.append(r.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [409] * 49
    with httpx.Client(base_url=live_server) as http:
        pool = http.get("/v1/capacity/cap-1", headers=keys["operator"]).json()
    assert pool["active_holds"] == 1 and pool["open_units"] == 0


def test_scenario_holds_and_out_of_order_reports(client, make_pool, keys):
    """shared/scenarios/holds_and_out_of_order_reports.json, capacity and hold steps."""
    capacity_id = "0cea179f-cd85-5755-b92c-a21a3778e38b"
    make_pool(
        capacity_id, available=1, maximum=10, waitlist=0, updated=datetime.fromisoformat("2026-11-22T18:00:00-08:00")
    )
    late_old_report = {"available": 0, "maximum": 10, "waitlist": 0, "updated": "2026-11-22T12:00:00-08:00"}
    r = client.put(f"/v1/capacity/{capacity_id}", json=late_old_report, headers=keys["admin"])
    assert r.status_code == 200 and r.json()["applied"] is False
    assert hold(client, keys["case_manager"], capacity_id, minutes=60).status_code == 201
    assert hold(client, keys["case_manager"], capacity_id, minutes=60).status_code == 409
