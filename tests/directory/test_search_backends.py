"""One contract for every search backend: Postgres always, Meilisearch against a loopback server that
searches as Meilisearch documents (fake_meili), and a real Meilisearch too when MEILI_URL is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from directory_factories import Place, ServiceSpec, offset, write_catalog
from fake_meili import meili_server

from catalog.search import SearchBackend, SearchQuery

CURATED = [
    ServiceSpec(
        id="harbor",
        name="Harbor Emergency Shelter",
        needs=["shelter"],
        intercepts=[1],
        places=[Place(*offset(0.5, 0.5))],
        description="Beds for adults, open nightly",
    ),
    ServiceSpec(
        id="cedar",
        name="Cedar House",
        needs=["withdrawal_management"],
        intercepts=[0],
        places=[Place(*offset(2, -1))],
        description="Medically supported withdrawal",
    ),
    ServiceSpec(
        id="lakeside",
        name="Lakeside Food Bank",
        needs=["food"],
        places=[Place(*offset(30, 30))],
        description="Groceries on Tuesdays",
    ),
    ServiceSpec(
        id="northgate",
        name="Northgate Legal Clinic",
        needs=["legal"],
        intercepts=[2, 3],
        places=[Place(*offset(12, 0))],
        description="Help with warrants and fines",
    ),
    ServiceSpec(
        id="youth",
        name="Youth Shelter Network",
        needs=["shelter", "case_management"],
        intercepts=[1],
        places=[Place(*offset(40, -5))],
        description="Young adults 18-24",
    ),
    ServiceSpec(id="closed", name="Old Shelter", needs=["shelter"], status="defunct", places=[Place(*offset(1, 1))]),
    # The words callers use: brand names, street names, Spanish, and a language asked for in the query.
    ServiceSpec(
        id="kits",
        name="Overdose Response Kits",
        needs=["harm_reduction"],
        places=[Place(*offset(3, 3))],
        description="Free naloxone and fentanyl test strips",
    ),
    ServiceSpec(
        id="bridge",
        name="Bridge Clinic",
        needs=["health_care"],
        places=[Place(*offset(4, 1))],
        description="Same-day buprenorphine starts",
    ),
    ServiceSpec(
        id="otp",
        name="Eastside Opioid Clinic",
        needs=["moud"],
        places=[Place(*offset(6, 6))],
        description="Daily dosing",
    ),
    ServiceSpec(
        id="esperanza",
        name="Casa Esperanza",
        needs=["withdrawal_management"],
        languages=["es"],
        places=[Place(*offset(5, -2))],
        description="Atención en español, día y noche",
    ),
]


def _meili_backend(db: Any) -> Iterator[SearchBackend]:
    from catalog.search.meilisearch import MeiliClient, MeiliSearch
    from catalog.search.sync import sync_outbox_batch

    client = MeiliClient(os.environ["MEILI_URL"], os.environ.get("MEILI_KEY"))
    client.ensure_index()
    with db() as session:
        while sync_outbox_batch(session, client).outbox_rows:
            session.commit()
        session.commit()
    yield MeiliSearch(client)
    client.close()


@pytest.fixture(params=["postgres", "meilisearch-loopback", "meilisearch"])
def backend(request: Any, db: Any) -> Iterator[SearchBackend]:
    write_catalog(db, CURATED)
    if request.param == "postgres":
        from catalog.search.postgres import PostgresSearch

        yield PostgresSearch()
        return
    if request.param == "meilisearch-loopback":
        with meili_server() as (_model, url):
            os.environ["MEILI_URL"] = url
            try:
                yield from _meili_backend(db)
            finally:
                del os.environ["MEILI_URL"]
        return
    if not os.environ.get("MEILI_URL"):
        pytest.skip("MEILI_URL not set: no Meilisearch server here")
    yield from _meili_backend(db)


def ids(backend: SearchBackend, db: Any, query: SearchQuery) -> list[str]:
    with db() as session:
        return [h.service_id for h in backend.search(session, query)]


def test_typo_finds_the_shelter(backend: SearchBackend, db: Any) -> None:
    found = ids(backend, db, SearchQuery("shelterr", status="active"))
    assert found[:1] in (["harbor"], ["youth"]) and {"harbor", "youth"} <= set(found)
    assert "lakeside" not in found and "closed" not in found


def test_detox_finds_withdrawal_management(backend: SearchBackend, db: Any) -> None:
    assert ids(backend, db, SearchQuery("detox"))[:1] == ["cedar"]


def test_filters_need_intercept_and_radius(backend: SearchBackend, db: Any) -> None:
    assert ids(backend, db, SearchQuery("shelter", needs=("case_management",))) == ["youth"]
    assert ids(backend, db, SearchQuery("shelter", intercepts=(1,), status="active")) in (
        ["harbor", "youth"],
        ["youth", "harbor"],
    )
    lat, lon = offset(0, 0)
    assert ids(backend, db, SearchQuery("shelter", lat=lat, lon=lon, radius_km=5, status="active")) == ["harbor"]


@pytest.mark.parametrize(
    ("words", "service"),
    [
        ("narcan", "kits"),
        ("Narcan", "kits"),
        ("bupe", "bridge"),
        ("suboxone", "bridge"),
        ("MAT", "otp"),
        ("methadone", "otp"),
        ("moud", "otp"),
        ("albergue", "harbor"),
        ("refugio", "harbor"),
        ("desintoxicación", "cedar"),
        ("desintoxicacion", "cedar"),
        ("detox", "esperanza"),
        ("espanol", "esperanza"),  # an accent left out still finds the accented word ... as a language
    ],
)
def test_the_words_callers_use(backend: SearchBackend, db: Any, words: str, service: str) -> None:
    assert service in ids(backend, db, SearchQuery(words))


def test_accents_do_not_matter(backend: SearchBackend, db: Any) -> None:
    assert ids(backend, db, SearchQuery("atencion noche")) == ["esperanza"]
    assert ids(backend, db, SearchQuery("ATENCIÓN")) == ["esperanza"]


def test_a_language_word_is_the_language_filter(backend: SearchBackend, db: Any) -> None:
    assert ids(backend, db, SearchQuery("detox spanish")) == ["esperanza"]
    assert ids(backend, db, SearchQuery("desintoxicación en español")) == ["esperanza"]
    assert ids(backend, db, SearchQuery("detox", languages=("es",))) == ["esperanza"]
    assert set(ids(backend, db, SearchQuery("detox"))) == {"cedar", "esperanza"}
    assert ids(backend, db, SearchQuery("shelter spanish")) == []


def test_order_is_deterministic(backend: SearchBackend, db: Any) -> None:
    first = ids(backend, db, SearchQuery("shelter"))
    assert first == ids(backend, db, SearchQuery("shelter")) and len(first) == len(set(first))


def test_directory_search_through_the_api(client: Any, db: Any) -> None:
    write_catalog(db, CURATED)
    body = client.get("/v1/services", params={"search": "shelterr", "status": "active"}).json()
    assert {s["id"] for s in body["contents"]} == {"harbor", "youth"}
    body = client.get("/v1/services", params={"search": "detox"}).json()
    assert {s["id"] for s in body["contents"]} == {"cedar", "esperanza"}
    body = client.get("/v1/service_at_locations", params={"search": "legal clinc"}).json()
    assert [s["service_id"] for s in body["contents"]] == ["northgate"]
    lat, lon = offset(0, 0)
    near = client.get(
        "/v1/service_at_locations", params={"search": "shelter", "lat": lat, "lon": lon, "radius_km": 50}
    ).json()["contents"]
    assert [s["service_id"] for s in near] == ["harbor", "closed", "youth"]  # geo orders, search filters


def test_the_directory_reads_language_words_and_synonyms(client: Any, db: Any) -> None:
    write_catalog(db, CURATED)
    body = client.get("/v1/services", params={"search": "detox spanish"}).json()
    assert [s["id"] for s in body["contents"]] == ["esperanza"]
    body = client.get("/v1/service_at_locations", params={"search": "español"}).json()
    assert [s["service_id"] for s in body["contents"]] == ["esperanza"]
    body = client.get("/v1/services", params={"search": "narcan"}).json()
    assert [s["id"] for s in body["contents"]] == ["kits"]


def test_an_unknown_postcode_is_said_plainly(client: Any, db: Any) -> None:
    write_catalog(db, CURATED)
    r = client.get("/v1/service_at_locations", params={"search": "shelter", "postcode": "00000"})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "postcode", "message": "unknown ZIP code '00000'"}]
