"""Outcomes for planners (CONTRACT §2.7) and the SIM table's referred/enrolled (§2.5): counts of the
referrals that reached each state, medians of minutes, and small-cell suppression ("<5", null)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from referral_world import HARBOR_SERVICE, NEED


def _walk(refer: Any, move: Any, keys: Any, actions: list[str], **body: Any) -> None:
    referral = refer(**body).json()
    for action in actions:
        r = move(referral["id"], action, headers=keys.case_manager if action == "cancel" else keys.harbor)
        assert r.status_code == 200, r.text


def _row(rows: list[dict[str, Any]], intercept: int | None, program: str | None = None) -> dict[str, Any]:
    [row] = [r for r in rows if r["intercept"] == intercept and r["program"] == program and r["need"] == NEED]
    return row


def test_counts_reached_states_and_suppress_small_cells(client, refer, move, keys):
    for _ in range(5):
        _walk(refer, move, keys, ["accept", "arrive", "enroll"], intercept=1)
    _walk(refer, move, keys, ["decline"], intercept=1)
    _walk(refer, move, keys, ["accept", "no_show"], intercept=2, program="lead")
    _walk(refer, move, keys, ["cancel"], intercept=2, program="lead")

    r = client.get("/v1/outcomes", headers=keys.planner)
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    big = _row(rows, 1)
    assert {
        k: big[k]
        for k in ("referred", "accepted", "arrived", "enrolled", "declined", "no_show", "cancelled", "expired")
    } == {
        "referred": 6,
        "accepted": 5,
        "arrived": 5,
        "enrolled": 5,
        "declined": "<5",
        "no_show": 0,
        "cancelled": 0,
        "expired": 0,
    }
    assert isinstance(big["median_minutes_to_accept"], float) and big["median_minutes_to_accept"] < 1
    assert isinstance(big["median_minutes_to_enroll"], float)
    assert big["decline_reasons"] == {"no_capacity": "<5"}
    small = _row(rows, 2, "lead")
    assert {k: small[k] for k in ("referred", "accepted", "no_show", "cancelled", "enrolled")} == {
        "referred": "<5",
        "accepted": "<5",
        "no_show": "<5",
        "cancelled": "<5",
        "enrolled": 0,
    }
    assert small["median_minutes_to_accept"] is None and small["median_minutes_to_enroll"] is None

    text = client.get("/v1/outcomes?format=csv", headers=keys.planner).text
    table = list(csv.DictReader(io.StringIO(text)))
    assert {(t["intercept"], t["program"], t["referred"], t["enrolled"]) for t in table} == {
        ("1", "", "6", "5"),
        ("2", "lead", "<5", "0"),
    }

    # Filters.
    assert [r["intercept"] for r in client.get("/v1/outcomes?intercept=2", headers=keys.planner).json()["rows"]] == [2]
    assert [r["program"] for r in client.get("/v1/outcomes?program=lead", headers=keys.planner).json()["rows"]] == [
        "lead"
    ]
    assert client.get("/v1/outcomes?need=shelter", headers=keys.planner).json()["rows"] == []
    future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    assert client.get(f"/v1/outcomes?from={future}&to={future}", headers=keys.planner).json()["rows"] == []


def test_outcomes_are_for_planners_and_bad_parameters_are_named(client, keys):
    for who in (keys.case_manager, keys.harbor, keys.curator):
        assert client.get("/v1/outcomes", headers=who).status_code == 403
    assert client.get("/v1/outcomes").status_code == 401
    assert client.get("/v1/outcomes", headers=keys.admin).status_code == 200
    for query, field in (
        ("format=xml", "format"),
        ("need=beds", "need"),
        ("intercept=9", "intercept"),
        ("from=yesterday", "from"),
        ("program=a%00b", "program"),
    ):
        r = client.get(f"/v1/outcomes?{query}", headers=keys.planner)
        assert r.status_code == 422, (query, r.text)
        assert r.json()["errors"][0]["field"] == field, r.text


def test_medians_are_minutes_from_sent(keys, db):
    """Five referrals accepted 10, 20, 30, 40 and 50 minutes after they were sent: the median is 30."""
    from api.auth.keys import caller_for_token
    from api.referrals.schemas import ReferralIn
    from api.referrals.service import OutcomeQuery, move_referral, outcomes, send_referral

    sent = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    with db() as session:
        sender = caller_for_token(session, keys.case_manager["Authorization"][7:])
        provider = caller_for_token(session, keys.harbor["Authorization"][7:])
        assert sender and provider
        for n in range(1, 6):
            referral = send_referral(
                session,
                sender,
                ReferralIn(service_id=HARBOR_SERVICE, need=NEED, intercept=3, respond_within_minutes=120),
                sent,
            )
            move_referral(session, provider, referral["id"], "accept", sent + timedelta(minutes=10 * n))
            move_referral(session, provider, referral["id"], "arrive", sent + timedelta(minutes=60))
            move_referral(session, provider, referral["id"], "enroll", sent + timedelta(minutes=60 + n))
        session.commit()
        [row] = outcomes(session, OutcomeQuery(start=sent - timedelta(days=1), end=sent + timedelta(days=1)))
    assert row["median_minutes_to_accept"] == 30.0
    assert row["median_minutes_to_enroll"] == 63.0
    assert (row["referred"], row["accepted"], row["enrolled"]) == (5, 5, 5)


def test_the_sim_table_carries_referred_and_enrolled(client, refer, move, keys):
    for _ in range(5):
        _walk(refer, move, keys, ["arrive", "enroll"], intercept=1)
    _walk(refer, move, keys, [], intercept=1)
    _walk(refer, move, keys, ["arrive", "enroll"], intercept=4)
    r = client.get(f"/v1/gaps/sim?need={NEED}", headers=keys.planner)
    assert r.status_code == 200, r.text
    cells = {i["intercept"]: i["needs"][0] for i in r.json()["intercepts"]}
    assert (cells[1]["referred"], cells[1]["enrolled"]) == (6, 5)
    assert (cells[4]["referred"], cells[4]["enrolled"]) == ("<5", "<5")
    assert (cells[0]["referred"], cells[0]["enrolled"]) == (0, 0)
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/v1/gaps/sim?need={NEED}&format=csv", headers=keys.planner).text))
    )
    assert {(r["intercept"], r["referred"], r["enrolled"]) for r in rows} >= {("1", "6", "5"), ("4", "<5", "<5")}
