"""The candidate rows become matcher objects whose pools and hours are decoded only when read.

What the matcher reads must be exactly what the rows say (checked against the rows' own JSON, read
here without the catalog's code), and a candidate the matcher never gets to (excluded by its rules,
out of reach, or past the early stop) must cost no decoding.
"""

from __future__ import annotations

from datetime import datetime, time

import orjson
import pytest
from match_seed import seed, world

from catalog.candidates import Decoded, candidate_rows, candidates_from_rows, fetch_candidates
from matcher.eligibility import Participant
from matcher.match import match_needs
from matcher.model import MatchRequest
from matcher.pools import Freshness

AT = datetime.fromisoformat("2026-11-22T20:00:00-08:00")
UPDATED = "2026-11-22T18:00:00-08:00"
LAT, LON = 47.6062, -122.3321


@pytest.fixture
def region(db):  # type: ignore[no-untyped-def]
    specs = [
        {
            "name": "Pioneer Shelter",
            "at": (1, 0),
            "needs": ["shelter", "food"],
            "schedules": [("MO,TU,WE,TH,FR,SA,SU", "17:00", "08:00")],
            "pools": [
                {"name": "public", "available": 2, "waitlist": 1, "updated": UPDATED},
                {"name": "lead", "available": 1, "reserved_for": ["lead-kc"], "updated": UPDATED},
            ],
        },
        {
            "name": "Sober House",
            "at": (2, 0),
            "needs": ["shelter"],
            "elig": {"sobriety_required": True},
            "schedules": [("MO,TU,WE,TH,FR", "09:00", "17:00")],
            "pools": [{"available": 3, "updated": UPDATED}],
        },
        {
            "name": "Far Shelter",
            "at": (40, 0),
            "needs": ["shelter"],
            "schedules": [("MO", "09:00", "10:00")],
            "pools": [{"available": 3, "updated": UPDATED}],
        },
    ]
    with db() as s:
        seed(s, world.world(specs))
        s.commit()
    return {sp["name"]: world.service_id(sp["name"]) for sp in specs}


def test_what_the_matcher_reads_is_what_the_rows_say(db, region) -> None:  # type: ignore[no-untyped-def]
    with db() as s:
        rows = candidate_rows(s, ["shelter", "food"], LAT, LON, 50, 5)
        candidates = candidates_from_rows(rows)
    assert len(candidates) == len(rows) >= 4
    for row, candidate in zip(rows, candidates, strict=True):
        pools = orjson.loads(row[13])
        assert [p.id for p in candidate.pools] == [p[0] for p in pools]
        assert [(p.unit, p.available, p.waitlist, p.reserved_for, p.active_holds) for p in candidate.pools] == [
            (p[1], float(p[2]), int(p[5] or 0), tuple(p[6] or ()), int(p[8] or 0)) for p in pools
        ]
        assert [p.updated for p in candidate.pools] == [datetime.fromisoformat(p[4]) for p in pools]
        schedules = orjson.loads(row[12])
        assert [(r.byday, r.opens_at, r.closes_at) for r in candidate.schedules] == [
            (s["byday"], time.fromisoformat(s["opens_at"]), time.fromisoformat(s["closes_at"])) for s in schedules
        ]
    # A service's pools are one value shared by its rows (one decoding however many needs and places).
    pioneer = [c for c in candidates if c.service_id == region["Pioneer Shelter"]]
    assert len(pioneer) == 2 and pioneer[0].pools is pioneer[1].pools


def test_candidates_the_matcher_never_reaches_are_never_decoded(db, region) -> None:  # type: ignore[no-untyped-def]
    with db() as s:
        candidates = fetch_candidates(s, ["shelter"], LAT, LON, 50, 5)
    by_name = {c.name: c for c in candidates}
    for candidate in candidates:
        assert isinstance(candidate.pools, Decoded) and isinstance(candidate.schedules, Decoded)
        assert candidate.pools._decode is not None and candidate.schedules._decode is not None
    request = MatchRequest(
        needs=("shelter",), radius_km=15, participant=Participant(active_substance_use=True), limit=5
    )
    [answer] = match_needs(request, candidates, AT, Freshness())
    assert [o.name for o in answer.options] == ["Pioneer Shelter"]
    assert answer.options[0].capacity.open_units == 1  # 2 available, 1 owed to the wait list
    # Offered: its pools and hours were read.
    assert by_name["Pioneer Shelter"].pools._decode is None
    assert by_name["Pioneer Shelter"].schedules._decode is None
    # Excluded by its rules (sobriety required): neither its pools nor its hours were decoded.
    assert by_name["Sober House"].pools._decode is not None
    assert by_name["Sober House"].schedules._decode is not None
    # Out of the 15 km radius: never judged.
    assert by_name["Far Shelter"].pools._decode is not None
    assert by_name["Far Shelter"].schedules._decode is not None


def test_decoded_reads_as_the_tuple_it_holds() -> None:
    calls: list[int] = []

    def decode() -> tuple[int, ...]:
        calls.append(1)
        return (3, 1, 2)

    values = Decoded(decode)
    assert calls == []
    assert len(values) == 3 and list(values) == [3, 1, 2] and values[0] == 3 and values[1:] == (1, 2)
    assert values == (3, 1, 2) and values == [3, 1, 2] and values != (3, 1) and values != "312"
    assert hash(values) == hash((3, 1, 2)) and 2 in values
    assert calls == [1]  # decoded once, however often read


def test_a_place_speaks_the_services_languages_and_its_own() -> None:
    """Languages said of the service hold at every place; a language said of one location only there."""

    def row(location_id: str) -> tuple[object, ...]:
        languages = '[["en", null], ["es", null], ["vi", "loc-b"], ["es", "loc-b"]]'
        return ("food", "svc-1", f"sal-{location_id}", location_id, 100.0, "radius", "Pantry", "Org", None, None) + (
            "[]",
            languages,
            "[]",
            "[]",
        )

    at_a, at_b, elsewhere = candidates_from_rows([row("loc-a"), row("loc-b"), row("loc-c")])
    assert at_a.languages == ("en", "es") and elsewhere.languages == ("en", "es")
    assert at_b.languages == ("en", "es", "vi")
    [plain] = candidates_from_rows(
        [("food", "s2", "x", "l", 1.0, "radius", "P", "O", None, None, "[]", "[]", "[]", "[]")]
    )
    assert plain.languages == () and plain.pools == () and plain.schedules == ()
