"""The Postgres search's trigram prefilter only ever skips services pg_trgm would reject, and a
search's page and total come from one query without changing either."""

from __future__ import annotations

from typing import Any

from directory_factories import Place, ServiceSpec, offset, write_catalog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, func, literal, select
from sqlalchemy.orm import Session

from catalog.search.postgres import TRIGRAM_THRESHOLD, trigram_prefilter

# Words near the ones a 211 operator types, their typos, and text with accents, digits, dotted
# capitals and punctuation, so the trigrams pg_trgm hashes (non-ASCII) are exercised too.
WORDS = [
    "shelter",
    "shelterr",
    "sheltr",
    "detox",
    "detention",
    "food",
    "legal",
    "clinc",
    "clinic",
    "benefits",
    "fits",
    "peer",
    "crisis",
    "café",
    "légal",
    "İstanbul",
    "straße",
    "24/7",
    "a",
    "ok",
]
FRAGMENTS = st.text(alphabet="abcdeflnorstuéß0İ -'/", min_size=1, max_size=12)
PHRASES = st.lists(st.one_of(st.sampled_from(WORDS), FRAGMENTS), min_size=1, max_size=4).map(" ".join)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(words=PHRASES, text=st.lists(st.one_of(st.sampled_from(WORDS), FRAGMENTS), max_size=8).map(" ".join))
def test_prefilter_never_drops_a_trigram_match(engine: Any, words: str, text: str) -> None:
    with Session(engine) as session:
        session.execute(select(func.set_config("pg_trgm.word_similarity_threshold", str(TRIGRAM_THRESHOLD), True)))
        stored = func.lower(literal(text, String))  # the projection stores search_text lower-cased
        prefilter = trigram_prefilter(session, words.lower(), stored)
        if prefilter is None:
            return
        matches, may_match = session.execute(select(literal(words.lower()).op("<%")(stored), prefilter)).one()
        assert may_match or not matches, (words, text)


def test_prefilter_prunes_a_long_word_and_stands_aside_for_no_trigrams(engine: Any) -> None:
    with Session(engine) as session:
        column = literal("public benefits enrollment", String)
        assert trigram_prefilter(session, "benefits", column) is not None
        assert trigram_prefilter(session, "!!", column) is None


def test_search_pages_carry_the_same_total(client: Any, db: Any) -> None:
    write_catalog(
        db,
        [
            ServiceSpec(id=f"s{n}", name=f"Shelter {n}", needs=["shelter"], places=[Place(*offset(n, 0))])
            for n in range(5)
        ]
        + [ServiceSpec(id="food", name="Food Bank", needs=["food"], places=[Place(*offset(1, 1))])],
    )
    lat, lon = offset(0, 0)
    seen: list[str] = []
    for page in (1, 2, 3, 4):
        body = client.get(
            "/v1/service_at_locations",
            params={"search": "shelter", "lat": lat, "lon": lon, "radius_km": 50, "per_page": 2, "page": page},
        ).json()
        assert body["total_items"] == 5
        seen += [item["service_id"] for item in body["contents"]]
    # Nearest first, each once, and a page past the end still says how many there are.
    assert seen == ["s0", "s1", "s2", "s3", "s4"]
    nothing = client.get(
        "/v1/service_at_locations", params={"search": "xylophone", "lat": lat, "lon": lon, "radius_km": 50}
    ).json()
    assert nothing["total_items"] == 0 and nothing["contents"] == []
