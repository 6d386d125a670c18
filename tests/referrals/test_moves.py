"""Referral moves through the real API (CONTRACT §2.7): each row of the moves table from every state,
who may make each move, history appended and never rewritten, expiry, and two providers racing."""

from __future__ import annotations

import concurrent.futures as cf
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from referral_world import HARBOR_POOL, HARBOR_SERVICE, HILLTOP_POOL, HILLTOP_SERVICE, NEED

# The contract's moves table, written out here (not imported) so the test cannot agree with a wrong table.
TABLE = {
    "accept": ({"sent"}, "accepted"),
    "decline": ({"sent", "accepted"}, "declined"),
    "arrive": ({"sent", "accepted"}, "arrived"),
    "enroll": ({"arrived"}, "enrolled"),
    "no_show": ({"accepted"}, "no_show"),
    "cancel": ({"sent", "accepted"}, "cancelled"),
}
# How to bring a new referral to each state (moves by the provider, cancel by the sender).
PATHS = {
    "sent": [],
    "accepted": ["accept"],
    "declined": ["decline"],
    "arrived": ["arrive"],
    "enrolled": ["arrive", "enroll"],
    "no_show": ["accept", "no_show"],
    "cancelled": ["cancel"],
}


def _expire_now(db: Any, minutes: int = 6) -> int:
    from api.referrals.tasks import expire_referrals

    return expire_referrals(db, datetime.now(UTC) + timedelta(minutes=minutes))


def _in_state(state: str, refer: Any, move: Any, keys: Any, db: Any) -> dict[str, Any]:
    r = refer(respond_within_minutes=5) if state == "expired" else refer()
    assert r.status_code == 201, r.text
    referral = r.json()
    if state == "expired":
        assert _expire_now(db) >= 1
    for action in PATHS.get(state, []):
        mover = keys.case_manager if action == "cancel" else keys.harbor
        answer = move(referral["id"], action, headers=mover)
        assert answer.status_code == 200, answer.text
        referral = answer.json()
    return referral


def test_a_new_referral_is_sent_with_a_readable_reference(refer, keys):
    before = datetime.now(UTC)
    r = refer(intercept=1)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["state"] == "sent" and body["service_id"] == HARBOR_SERVICE and body["need"] == NEED
    assert re.fullmatch(r"[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}", body["reference"]), body["reference"]
    respond_by = datetime.fromisoformat(body["respond_by"])
    assert before + timedelta(minutes=59) < respond_by < datetime.now(UTC) + timedelta(minutes=61)
    assert [h["state"] for h in body["history"]] == ["sent"]
    assert "hold_id" not in body or body["hold_id"] is None


def test_each_row_of_the_moves_table_from_every_state(refer, move, keys, db):
    for state in (*PATHS, "expired"):
        for action, (sources, target) in TABLE.items():
            referral = _in_state(state, refer, move, keys, db)
            mover = keys.case_manager if action == "cancel" else keys.harbor
            r = move(referral["id"], action, headers=mover)
            if state in sources:
                assert r.status_code == 200, (state, action, r.text)
                after = r.json()
                assert after["state"] == target
                # History is appended, never rewritten.
                assert after["history"][:-1] == referral["history"], (state, action)
                assert after["history"][-1]["state"] == target
            else:
                assert r.status_code == 409, (state, action, r.text)
                assert r.json() | {"detail": None} == {
                    "error": "invalid_transition",
                    "from": state,
                    "to": target,
                    "detail": None,
                }


def test_decline_needs_one_of_the_reasons(client, refer, move, keys):
    referral = refer().json()
    for body in (None, {}, {"reason": "busy"}, {"reason": None}):
        r = client.post(f"/v1/referrals/{referral['id']}/decline", json=body, headers=keys.harbor)
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "invalid_input" and "reason" in r.text
    r = move(referral["id"], "decline", reason="not_eligible")
    assert r.status_code == 200
    assert {k: v for k, v in r.json()["history"][-1].items() if k != "at"} == {
        "state": "declined",
        "reason": "not_eligible",
    }


@pytest.mark.parametrize("action", ["accept", "decline", "arrive", "no_show"])
def test_only_the_services_provider_or_admin_make_provider_moves(action, refer, move, keys):
    referral = refer().json()
    if action == "no_show":
        assert move(referral["id"], "accept").status_code == 200
    for stranger in (keys.hilltop, keys.case_manager, keys.other_case_manager, keys.operator):
        r = move(referral["id"], action, headers=stranger)
        assert r.status_code == 403, (action, r.text)
        assert r.json()["error"] == "forbidden"
    for outsider in (keys.planner, keys.curator):
        assert move(referral["id"], action, headers=outsider).status_code == 403
    assert move(referral["id"], action, headers=keys.admin).status_code == 200


def test_enroll_only_by_the_provider_or_admin(refer, move, keys):
    referral = refer().json()
    assert move(referral["id"], "arrive").status_code == 200
    assert move(referral["id"], "enroll", headers=keys.hilltop).status_code == 403
    assert move(referral["id"], "enroll", headers=keys.case_manager).status_code == 403
    assert move(referral["id"], "enroll").json()["state"] == "enrolled"


def test_only_the_sending_key_or_admin_cancels(refer, move, keys):
    first, second = refer().json(), refer().json()
    for stranger in (keys.other_case_manager, keys.harbor, keys.hilltop, keys.operator):
        r = move(first["id"], "cancel", headers=stranger)
        assert r.status_code == 403, r.text
    assert move(first["id"], "cancel", headers=keys.case_manager).json()["state"] == "cancelled"
    assert move(second["id"], "cancel", headers=keys.admin).json()["state"] == "cancelled"


def test_who_sees_which_referrals(client, refer, keys):
    mine = refer().json()
    theirs = refer(headers=keys.other_case_manager).json()
    to_hilltop = refer(service_id=HILLTOP_SERVICE).json()

    def ids(headers: dict[str, str], query: str = "") -> set[str]:
        r = client.get(f"/v1/referrals{query}", headers=headers)
        assert r.status_code == 200, r.text
        return {c["id"] for c in r.json()["contents"]}

    assert ids(keys.case_manager) == {mine["id"], to_hilltop["id"]}
    assert ids(keys.other_case_manager) == {theirs["id"]}
    assert ids(keys.harbor) == {mine["id"], theirs["id"]}
    assert ids(keys.hilltop) == {to_hilltop["id"]}
    assert ids(keys.admin) == {mine["id"], theirs["id"], to_hilltop["id"]}
    # The provider finds the person at the door by the code, typed any which way.
    typed = mine["reference"].lower()[:3] + "-" + mine["reference"].lower()[3:]
    assert ids(keys.harbor, f"?reference={typed}") == {mine["id"]}
    assert ids(keys.hilltop, f"?reference={mine['reference']}") == set()
    assert ids(keys.harbor, "?state=accepted") == set()
    assert client.get(f"/v1/referrals/{mine['id']}", headers=keys.hilltop).status_code == 403
    assert client.get(f"/v1/referrals/{mine['id']}", headers=keys.other_case_manager).status_code == 403
    assert client.get(f"/v1/referrals/{mine['id']}", headers=keys.harbor).json()["id"] == mine["id"]
    assert client.get("/v1/referrals", headers=keys.planner).status_code == 403
    assert client.get("/v1/referrals").status_code == 401
    assert client.get("/v1/referrals?state=lost", headers=keys.admin).status_code == 422
    assert client.get("/v1/referrals/nope", headers=keys.admin).status_code == 404


def test_sending_refuses_what_it_cannot_keep(client, refer, hold, keys):
    assert refer(service_id="no-such-service").status_code == 404
    r = refer(need="shelter")  # Harbor Detox does not meet it
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "need"
    for bad in (
        {"need": "bed"},
        {"respond_within_minutes": 4},
        {"respond_within_minutes": 1441},
        {"intercept": 6},
        {"location": {"lat": 91, "lon": 0}},
        {"service_id": "a\u0000b"},
    ):
        r = refer(**bad)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["error"] == "invalid_input"
    assert (
        client.post(
            "/v1/referrals", content=b"{", headers={**keys.case_manager, "content-type": "application/json"}
        ).status_code
        == 422
    )
    # A program-bound key refers only for its program.
    assert refer(headers=keys.lead_case_manager, program="other").status_code == 403
    assert refer(headers=keys.lead_case_manager).json()["program"] == "lead"
    # Providers, planners and curators do not send referrals.
    for role in (keys.harbor, keys.planner, keys.curator):
        assert refer(headers=role).status_code == 403
    # A hold must be active, on a pool of this service, and not already referred.
    on_hilltop = hold(HILLTOP_POOL)
    r = refer(hold_id=on_hilltop)
    assert r.status_code == 409 and r.json()["error"] == "hold_not_for_service"
    assert refer(hold_id="no-such-hold").status_code == 404
    held = hold()
    assert refer(hold_id=held).status_code == 201
    r = refer(hold_id=held)
    assert r.status_code == 409 and r.json()["error"] == "hold_already_referred"
    # Another key's hold cannot be referred.
    assert refer(headers=keys.other_case_manager, hold_id=on_hilltop, service_id=HILLTOP_SERVICE).status_code == 403
    assert client.delete(f"/v1/holds/{on_hilltop}", headers=keys.case_manager).status_code == 200
    r = refer(service_id=HILLTOP_SERVICE, hold_id=on_hilltop)
    assert r.status_code == 409 and r.json()["error"] == "hold_not_active"


def _pool(client: Any, keys: Any) -> dict[str, Any]:
    r = client.get(f"/v1/capacity/{HARBOR_POOL}", headers=keys.admin)
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.mark.parametrize(
    "end, actions",
    [
        ("enrolled", ["accept", "arrive", "enroll"]),
        ("declined", ["decline"]),
        ("cancelled", ["cancel"]),
        ("no_show", ["accept", "no_show"]),
        ("expired", []),
    ],
)
def test_the_held_bed_after_every_end_state(end, actions, client, refer, hold, move, keys, db):
    assert _pool(client, keys)["open_units"] == 1
    held = hold()
    assert _pool(client, keys)["open_units"] == 0
    referral = refer(hold_id=held, respond_within_minutes=5).json()
    for action in actions:
        r = move(referral["id"], action, headers=keys.case_manager if action == "cancel" else keys.harbor)
        assert r.status_code == 200, r.text
        if action != actions[-1]:
            assert _pool(client, keys)["open_units"] == 0  # still held on the way
    if end == "expired":
        assert _expire_now(db) == 1
    state = client.get(f"/v1/holds/{held}", headers=keys.case_manager).json()["state"]
    pool = _pool(client, keys)
    if end == "enrolled":
        # The person took the bed: the hold is confirmed and the pool reports one unit fewer.
        assert state == "confirmed"
        assert (pool["available"], pool["active_holds"], pool["open_units"]) == (0, 0, 0)
        assert client.post("/v1/holds", json={"capacity_id": HARBOR_POOL}, headers=keys.case_manager).status_code == 409
    else:
        # The bed is free again for the next person.
        assert state == "released"
        assert (pool["available"], pool["active_holds"], pool["open_units"]) == (1, 0, 1)
        assert client.post("/v1/holds", json={"capacity_id": HARBOR_POOL}, headers=keys.case_manager).status_code == 201


def test_expiry_is_due_at_respond_by_and_idempotent(client, refer, keys, db):
    from api.referrals.tasks import expire_referrals

    short = refer(respond_within_minutes=5).json()
    long = refer(respond_within_minutes=60).json()
    now = datetime.now(UTC)
    assert expire_referrals(db, now + timedelta(minutes=4)) == 0
    assert expire_referrals(db, now + timedelta(minutes=6)) == 1
    assert expire_referrals(db, now + timedelta(minutes=6)) == 0  # already expired: nothing to do
    body = client.get(f"/v1/referrals/{short['id']}", headers=keys.case_manager).json()
    assert body["state"] == "expired"
    assert [h["state"] for h in body["history"]] == ["sent", "expired"]
    assert datetime.fromisoformat(body["history"][-1]["at"]) == datetime.fromisoformat(short["respond_by"])
    assert client.get(f"/v1/referrals/{long['id']}", headers=keys.case_manager).json()["state"] == "sent"


def test_a_sent_referral_past_respond_by_cannot_be_answered_before_the_job_runs(refer, keys, db):
    from api.auth.keys import caller_for_token
    from api.referrals.service import move_referral
    from divert.errors import Conflict

    referral = refer(respond_within_minutes=5).json()
    with db() as session:
        provider = caller_for_token(session, keys.harbor["Authorization"].removeprefix("Bearer "))
        assert provider is not None
        with pytest.raises(Conflict) as caught:
            move_referral(session, provider, referral["id"], "accept", datetime.now(UTC) + timedelta(minutes=6))
        assert caught.value.extra == {"from": "expired", "to": "accepted"}


def test_two_answers_at_once_one_wins_the_other_is_409(live_server, keys, refer):
    import httpx

    # Pairs where neither move may follow the other: whichever lands second must be refused.
    decline = ("decline", {"reason": "no_capacity"})
    pairs = [[("accept", {}), ("accept", {})], [decline, ("arrive", {})], [decline, decline]] * 3
    for calls in pairs:
        referral = refer().json()
        together = threading.Barrier(2)

        def answer(
            call: tuple[str, dict[str, Any]], rid: str = referral["id"], together: threading.Barrier = together
        ) -> int:
            action, body = call
            with httpx.Client(base_url=live_server, timeout=30) as c:
                c.get("/v1/")  # connected before the barrier, so both answers leave at once
                together.wait()
                return c.post(f"/v1/referrals/{rid}/{action}", json=body or None, headers=keys.harbor).status_code

        with cf.ThreadPoolExecutor(2) as pool:
            codes = sorted(pool.map(answer, calls))
        assert codes == [200, 409], codes
        with httpx.Client(base_url=live_server) as c:
            history = c.get(f"/v1/referrals/{referral['id']}", headers=keys.harbor).json()["history"]
        assert len(history) == 2, history  # exactly one move was recorded
