"""R8 and the key rule, checked where a leak would sit: every column of every table, and the log of a
real `divert serve` process.

After matches (and directory searches, holds, confirmations) that carry participant fields with
distinctive values, no table and no log line holds those values or the exact coordinates of the
request; no table holds a raw API token, only its SHA-256. The scan is generic (every table of the
schema, every column as text, geometry as WKT), so tables added later (referrals) are covered
without changing this file.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import world  # tests/world.py
from sqlalchemy import text

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Distinctive values: none of them can occur in a catalog, a timestamp or an id by chance.
PARTICIPANT = {
    "age": 97.25,
    "gender": "zqx-gender-marker",
    "active_substance_use": True,
    "on_moud": True,
    "sex_work": True,
    "has_id": False,
    "criminal_record": True,
    "pets": True,
    "languages": ["zz-lang-marker"],
    "insurance": ["insurer-marker-7731"],
}
SECRETS = ("97.25", "zqx-gender-marker", "zz-lang-marker", "insurer-marker-7731")
# The request's place, to the sixth decimal (no catalog site is there), and its 5-decimal rounding.
LAT, LON = 47.612345, -122.334567
COORDINATES = ("47.612345", "122.334567", "47.61234", "122.33457", "47.61235", "122.33456")
AT = "2026-11-22T20:00:00-08:00"
FRESH = "2026-11-22T18:00:00-08:00"

WORLD = [
    {
        "name": "Marker Catalog Shelter",
        "at": (1, 0),
        "needs": ["shelter", "food"],
        "pools": [{"available": 4, "updated": FRESH}],
    },
    {
        "name": "Sober Rooms",
        "at": (2, 0),
        "needs": ["shelter"],
        "elig": {"sobriety_required": True},
        "pools": [{"available": 2, "updated": FRESH}],
    },
]


def table_dump(session: Any) -> dict[str, str]:
    """Every table of the public schema as one text per table: each row cast to text, plus every
    geometry and geography column as WKT (a row's text shows those as hex)."""
    tables = (
        session.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys' "
                "ORDER BY tablename"
            )
        )
        .scalars()
        .all()
    )
    spatial = session.execute(
        text(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND udt_name IN ('geometry', 'geography')"
        )
    ).all()
    dump: dict[str, str] = {}
    for table in tables:
        rows = session.execute(text(f'SELECT t::text FROM "{table}" t')).scalars().all()
        for t, column in spatial:
            if t == table:
                rows += session.execute(text(f'SELECT ST_AsText("{column}") FROM "{table}"')).scalars().all()
        dump[table] = "\n".join(str(r) for r in rows)
    return dump


def leaks(dump: dict[str, str], needles: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(table, needle) for table, content in dump.items() for needle in needles if needle in content]


def exercise(http: Any, case_manager: dict[str, str], admin: dict[str, str]) -> None:
    """What a case manager does with a person: match (every need, a gap among them), search the
    directory with the person's facts, hold a bed and confirm it, and send a malformed match."""
    r = http.post("/v1/import/hsds", json=world.world(WORLD), headers=admin)
    assert r.status_code == 200, r.text
    body = {
        "location": {"lat": LAT, "lon": LON},
        "needs": ["shelter", "crisis", "food"],
        "at": AT,
        "intercept": 1,
        "participant": PARTICIPANT,
    }
    r = http.post("/v1/match", json=body, headers=case_manager)
    assert r.status_code == 200, r.text
    answers = {n["need"]: n for n in r.json()["needs"]}
    assert answers["crisis"]["gap"]["reason"] == "none_in_area"  # a gap event was written
    assert [o["name"] for o in answers["shelter"]["options"]] == ["Marker Catalog Shelter"]
    r = http.post("/v1/match", json={**body, "location": {"postcode": "98104"}}, headers=case_manager)
    assert r.status_code == 200, r.text
    bad = {**body, "participant": {**PARTICIPANT, "age": "zqx-gender-marker"}}
    assert http.post("/v1/match", json=bad, headers=case_manager).status_code == 422
    r = http.get(
        "/v1/services",
        params={
            "lat": LAT,
            "lon": LON,
            "gender": PARTICIPANT["gender"],
            "active_substance_use": "true",
            "language": "zz-lang-marker",
        },
        headers=case_manager,
    )
    assert r.status_code == 200, r.text
    capacity_id = answers["shelter"]["options"][0]["capacity"]["capacity_id"]
    r = http.post("/v1/holds", json={"capacity_id": capacity_id, "minutes": 30}, headers=case_manager)
    assert r.status_code == 201, r.text
    r = http.post(f"/v1/holds/{r.json()['hold_id']}/confirm", headers=case_manager)
    assert r.status_code == 200, r.text


def test_no_table_holds_a_participant_field_or_the_exact_place(client, make_key, db) -> None:  # type: ignore[no-untyped-def]
    exercise(client, make_key("case_manager"), make_key("admin"))
    with db() as s:
        dump = table_dump(s)
    # The scan reads what it should: the catalog's own words are found, gap events and holds exist.
    assert leaks(dump, ("Marker Catalog Shelter",)), "the scan found nothing it should have"
    assert dump["gap_event"] and dump["hold"], sorted(t for t, c in dump.items() if c)
    assert leaks(dump, SECRETS + COORDINATES) == []


def test_no_table_holds_a_raw_token_only_its_sha256(client, make_key, db) -> None:  # type: ignore[no-untyped-def]
    tokens = [make_key(role)["Authorization"].split(" ", 1)[1] for role in ("admin", "case_manager", "planner")]
    r = client.get("/v1/whoami", headers={"Authorization": f"Bearer {tokens[1]}"})
    assert r.status_code == 200
    with db() as s:
        dump = table_dump(s)
        stored = set(s.execute(text("SELECT token_hash FROM api_key")).scalars().all())
    assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    assert leaks(dump, tuple(tokens)) == []


# --- the log of a real server -----------------------------------------------------------------------


def _port() -> int:
    """A free loopback port; DIVERT_TEST_SERVE_PORTS="8140-8149" keeps it inside a range."""
    wanted = os.environ.get("DIVERT_TEST_SERVE_PORTS")
    candidates = range(int(wanted.split("-")[0]), int(wanted.split("-")[1]) + 1) if wanted else [0]
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    pytest.skip(f"no free port in {wanted}")


@pytest.fixture
def served(db, database_url: str, tmp_path: pathlib.Path) -> Iterator[tuple[str, pathlib.Path]]:  # type: ignore[no-untyped-def]
    """`divert serve` as an operator runs it (scheduler on), its stdout and stderr into one log file."""
    port = _port()
    log = tmp_path / "serve.log"
    divert = ROOT / ".venv" / "bin" / "divert"
    env = dict(os.environ, DATABASE_URL=database_url, DIVERT_SCHEDULER="true")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(divert), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "divert serve did not come up: " + log.read_text()
            time.sleep(0.3)
        yield base, log
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_server_log_holds_no_participant_field_or_place(served, make_key) -> None:  # type: ignore[no-untyped-def]
    base, log = served
    with httpx.Client(base_url=base, timeout=30) as http:
        exercise(http, make_key("case_manager"), make_key("admin"))
    time.sleep(0.5)  # let the last lines reach the file
    logged = log.read_text()
    # The log is really the request log: each call above is a line (method, path, status).
    for line in ("POST /v1/match 200", "POST /v1/match 422", "GET /v1/services 200", "POST /v1/holds 201"):
        assert line in logged, logged[-3000:]
    found = [needle for needle in SECRETS + COORDINATES if needle in logged]
    assert found == [], [line for line in logged.splitlines() if any(n in line for n in found)]
