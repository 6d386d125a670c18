"""One contract for every search backend: Postgres always, Meilisearch when MEILI_URL is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from directory_factories import Place, ServiceSpec, offset, write_catalog

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
    ServiceSpec(
        id="closed", name="Old Shelter", needs=["shelter"], status="defunct", places=[Place(*offset(1, 1))]
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


@pytest.fixture(params=["postgres", "meilisearch"])
def backend(request: Any, db: Any) -> Iterator[SearchBackend]:
    write_catalog(db, CURATED)
    if request.param == "postgres":
        from catalog.search.postgres import PostgresSearch

        yield PostgresSearch()
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
    assert ids(backend, db, SearchQuery("shelter", lat=lat, lon=lon, radius_km=5, status="active")) == [
        "harbor"
    ]


def test_order_is_deterministic(backend: SearchBackend, db: Any) -> None:
    first = ids(backend, db, SearchQuery("shelter"))
    assert first == ids(backend, db, SearchQuery("shelter")) and len(first) == len(set(first))


def test_directory_search_through_the_api(client: Any, db: Any) -> None:
    write_catalog(db, CURATED)
    body = client.get("/v1/services", params={"search": "shelterr", "status": "active"}).json()
    assert {s["id"] for s in body["contents"]} == {"harbor", "youth"}
    body = client.get("/v1/services", params={"search": "detox"}).json()
    assert [s["id"] for s in body["contents"]] == ["cedar"]
    body = client.get("/v1/service_at_locations", params={"search": "legal clinc"}).json()
    assert [s["service_id"] for s in body["contents"]] == ["northgate"]
    lat, lon = offset(0, 0)
    near = client.get(
        "/v1/service_at_locations", params={"search": "shelter", "lat": lat, "lon": lon, "radius_km": 50}
    ).json()["contents"]
    assert [s["service_id"] for s in near] == ["harbor", "closed", "youth"]  # geo orders, search filters
