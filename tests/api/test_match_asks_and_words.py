"""POST /v1/match over the real app and PostGIS: `ask:` warnings (R10), `next_open`, and the words'
language from Accept-Language (codes stay codes)."""

from __future__ import annotations

from datetime import datetime

import pytest
from match_seed import seed, world

AT = "2026-11-22T20:00:00-08:00"  # a Sunday evening
UPDATED = "2026-11-22T18:00:00-08:00"
HERE = {"lat": 47.6062, "lon": -122.3321}


@pytest.fixture
def region(db):  # type: ignore[no-untyped-def]
    specs = [
        {
            "name": "Pioneer Shelter",
            "at": (3, 0),
            "needs": ["shelter"],
            "info": ["walk_in"],
            "pools": [{"name": "public", "available": 2, "updated": UPDATED}],
        },
        {
            "name": "Sober House",
            "at": (0.5, 0),
            "needs": ["shelter"],
            "elig": {"sobriety_required": True},
            "pools": [{"available": 3, "updated": UPDATED}],
        },
        {"name": "Day Clinic", "at": (0, 2), "needs": ["moud"], "schedules": [("MO,TU,WE,TH,FR", "09:00", "17:00")]},
    ]
    with db() as s:
        seed(s, world.world(specs))
        s.commit()


def post(client, headers, lang=None, **body):  # type: ignore[no-untyped-def]
    body.setdefault("location", HERE)
    body.setdefault("at", AT)
    return client.post("/v1/match", json=body, headers={**headers, **({"Accept-Language": lang} if lang else {})})


def options(resp, need):  # type: ignore[no-untyped-def]
    entry = next(n for n in resp.json()["needs"] if n["need"] == need)
    return {o["name"]: o for o in entry["options"]}, entry


def test_unknown_fact_is_asked_and_ranks_after(client, make_key, region) -> None:  # type: ignore[no-untyped-def]
    r = post(client, make_key("case_manager"), needs=["shelter"])
    assert r.status_code == 200, r.text
    got, entry = options(r, "shelter")
    assert [o["name"] for o in entry["options"]] == ["Pioneer Shelter", "Sober House"]  # nearer, but asks
    assert "ask:sobriety_required" in got["Sober House"]["warnings"]
    assert not [w for w in got["Pioneer Shelter"]["warnings"] if w.startswith("ask:")]
    told = post(client, make_key("case_manager"), needs=["shelter"], participant={"active_substance_use": False})
    got, entry = options(told, "shelter")
    assert [o["name"] for o in entry["options"]] == ["Sober House", "Pioneer Shelter"]
    assert "ask:sobriety_required" not in got["Sober House"]["warnings"]


def test_next_open_on_every_option(client, make_key, region) -> None:  # type: ignore[no-untyped-def]
    r = post(client, make_key("case_manager"), needs=["moud", "shelter"])
    moud, _ = options(r, "moud")
    assert datetime.fromisoformat(moud["Day Clinic"]["next_open"]) == datetime.fromisoformat(
        "2026-11-23T09:00:00-08:00"
    )
    assert moud["Day Clinic"]["next_open"].endswith("-08:00")  # in the service's zone
    shelter, _ = options(r, "shelter")
    assert all("next_open" in o and o["next_open"] is None for o in shelter.values())  # no hours
    monday = post(client, make_key("case_manager"), needs=["moud"], at="2026-11-23T10:00:00-08:00")
    assert options(monday, "moud")[0]["Day Clinic"]["next_open"] == "2026-11-23T10:00:00-08:00"


@pytest.mark.parametrize(
    "header,spanish", [("es", True), ("es-MX,en;q=0.8", True), ("en-US,es;q=0.9", False), ("fr", False), (None, False)]
)
def test_words_follow_accept_language(client, make_key, region, header, spanish) -> None:  # type: ignore[no-untyped-def]
    r = post(client, make_key("case_manager"), lang=header, needs=["shelter", "moud"], open_now=True)
    assert r.status_code == 200, r.text
    shelter, _ = options(r, "shelter")
    _, moud = options(r, "moud")
    reasons = shelter["Pioneer Shelter"]["reasons"]
    assert moud["gap"]["reason"] == "closed"  # codes stay codes
    assert "ask:sobriety_required" in shelter["Sober House"]["warnings"]
    if spanish:
        assert {"2 camas libres", "no exige abstinencia", "sin cita"} <= set(reasons)
        assert "abre lun 09:00" in moud["gap"]["detail"] and "a menos de 15 km" in moud["gap"]["detail"]
    else:
        assert {"2 open beds", "no sobriety requirement", "walk-in"} <= set(reasons)
        assert "Day Clinic opens Mon 09:00" in moud["gap"]["detail"]
