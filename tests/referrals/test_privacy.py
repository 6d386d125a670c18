"""No participant data in a referral (CONTRACT §2.7, R8): whatever the request carries about the
person, the database rows keep only the H3 cell, and the server log of a real `divert serve` holds
none of it."""

from __future__ import annotations

import os
import pathlib
import subprocess
import time

import h3
import httpx
from referral_world import HARBOR_SERVICE, LAT, LON, NEED, free_port
from sqlalchemy import text

ROOT = pathlib.Path(__file__).resolve().parents[2]
DIVERT = str(ROOT / ".venv" / "bin" / "divert") if (ROOT / ".venv/bin/divert").exists() else "divert"

# What a case manager might paste from the match request; none of it may be kept or logged.
PERSON = {
    "participant": {"age": 34, "gender": "nonbinary-xq", "on_moud": True, "sex_work": True},
    "name": "Jane Roe-Quill",
    "date_of_birth": "1990-01-02",
    "phone": "206-555-0199",
}
SECRETS = (
    "nonbinary-xq",
    "Jane Roe-Quill",
    "Roe-Quill",
    "1990-01-02",
    "206-555-0199",
    "on_moud",
    "sex_work",
    "date_of_birth",
    str(LAT),
    str(LON),
    str(LON)[1:],
    "47.6062",
    "122.3320",
)

_ROWS = """
SELECT coalesce(string_agg(t::text, E'\n'), '') FROM (
    SELECT row_to_json(r)::text AS t FROM referral r
    UNION ALL SELECT row_to_json(e)::text FROM referral_event e
    UNION ALL SELECT row_to_json(d)::text FROM webhook_delivery d
    UNION ALL SELECT row_to_json(h)::text FROM hold h
    UNION ALL SELECT row_to_json(g)::text FROM gap_event g
) rows
"""


def _referral_body(**extra: object) -> dict[str, object]:
    return {
        "service_id": HARBOR_SERVICE,
        "need": NEED,
        "intercept": 1,
        "location": {"lat": LAT, "lon": LON},
        **PERSON,
        **extra,
    }


def test_rows_keep_only_the_cell(client, keys, db, move):
    r = client.post("/v1/referrals", json=_referral_body(), headers=keys.case_manager)
    assert r.status_code == 201, r.text
    assert r.json()["cell"] == h3.latlng_to_cell(LAT, LON, 7)
    for leaked in SECRETS:
        assert leaked not in r.text
    assert move(r.json()["id"], "accept").status_code == 200
    with db() as session:
        rows = session.execute(text(_ROWS)).scalar()
    assert r.json()["id"] in rows and h3.latlng_to_cell(LAT, LON, 7) in rows  # the dump is real
    for leaked in SECRETS:
        assert leaked not in rows, leaked


def test_the_server_log_holds_no_participant_field(database_url, keys, tmp_path):
    port = free_port()
    log_path = tmp_path / "serve.log"
    env = dict(os.environ, DATABASE_URL=database_url)
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [DIVERT, "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/v1/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log_path.read_text()
            assert server.poll() is None, log_path.read_text()
            time.sleep(0.3)
        with httpx.Client(base_url=base, timeout=30) as c:
            sent = c.post("/v1/referrals", json=_referral_body(), headers=keys.case_manager)
            assert sent.status_code == 201, sent.text
            # Refused requests carry the same fields: still nothing in the log.
            assert (
                c.post(
                    "/v1/referrals", json=_referral_body(respond_within_minutes=4), headers=keys.case_manager
                ).status_code
                == 422
            )
            assert (
                c.post("/v1/referrals", json=_referral_body(need="shelter"), headers=keys.case_manager).status_code
                == 422
            )
            assert c.post(f"/v1/referrals/{sent.json()['id']}/accept", headers=keys.harbor).status_code == 200
            found = c.get(f"/v1/referrals?reference={sent.json()['reference']}", headers=keys.harbor)
            assert found.json()["total_items"] == 1
    finally:
        server.terminate()
        server.wait(timeout=30)
    log = log_path.read_text()
    assert "POST /v1/referrals 201" in log and "POST /v1/referrals 422" in log  # the log is real
    for leaked in SECRETS:
        assert leaked not in log, leaked
