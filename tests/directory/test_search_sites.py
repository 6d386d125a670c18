"""A directory search with a radius reads places through `search_site` (a copy of each service's search
document per place, under one GiST index with the point): the same items, order and totals as a
plain computation over the catalog's own tables, the copy kept in step by the writers, and the
index serving both the radius and the words."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from directory_factories import SEATTLE, Place, ServiceSpec, generated_specs, offset, write_catalog
from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session, sessionmaker

from api.directory.queries import BBox, DirectoryQuery, place_selection, searched_place_selection
from catalog.projections import cluster_search_sites, refresh_services, search_site_order
from catalog.search.field_words import folded, read_query
from catalog.search.postgres import TRIGRAM_THRESHOLD, PostgresSearch, full_text_query
from catalog.tables import Service

# A ring around a point, as (lat, lon), closed: a mobile service's area.
AROUND = [offset(-6, -6), offset(-6, 6), offset(6, 6), offset(6, -6), offset(-6, -6)]
EXTRA = [
    # Reached only through its service area from the centre (its place is 30 km away).
    ServiceSpec(id="van", name="Mobile Shelter Van", needs=["shelter"], places=[Place(*offset(30, 0))], area=AROUND),
    # A service area and no place at all is not a service at a location; one with a place inside the
    # radius is found by the radius.
    ServiceSpec(id="outreach", name="Outreach Food Team", needs=["food"], places=[Place(*offset(1, 1))], area=AROUND),
    # Words a typo finds only by trigrams ("sheltr", "pantryy"), and ties at one point broken by name.
    # (names in the opposite order of ids, so a sort by id alone would show)
    ServiceSpec(id="tie-a", name="Bravo Shelter", needs=["shelter"], places=[Place(*offset(2, 2))]),
    ServiceSpec(id="tie-b", name="Alpha Shelter", needs=["shelter"], places=[Place(*offset(2, 2))]),
    ServiceSpec(id="pantry", name="Eastside Pantry", needs=["food"], places=[Place(*offset(-3, 4))]),
    ServiceSpec(
        id="spanish", name="Albergue Esperanza", needs=["shelter"], languages=["es"], places=[Place(*offset(4, -2))]
    ),
]
SEARCHES = [
    ("shelter", (0, 0), 10),
    ("sheltr", (0, 0), 10),
    ("food", (5, -5), 12),
    ("pantryy", (0, 0), 15),
    ("detox", (-10, 8), 20),
    ("legal clinic", (3, 3), 25),
    ("spanish shelter", (0, 0), 40),
    ("crisis", (20, 20), 5),
    ("recovery support", (0, 0), 8),
    ("zzzz", (0, 0), 10),
]
PER_PAGE = 7


@pytest.fixture(scope="module")
def sites_catalog(engine: Any) -> list[ServiceSpec]:
    """A generated region plus a few services the searches are about, written once for the module."""
    with engine.begin() as conn:
        tables = conn.execute(
            text("""SELECT string_agg(format('%I', tablename), ', ') FROM pg_tables
            WHERE schemaname = 'public' AND tablename NOT IN ('alembic_version', 'spatial_ref_sys')""")
        ).scalar()
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    specs = generated_specs(1500, seed=11, spread_km=30) + EXTRA
    write_catalog(sessionmaker(bind=engine), specs)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    return specs


@pytest.fixture(scope="module")
def sites_client(sites_catalog: list[ServiceSpec], settings: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(settings)) as c:
        yield c


def reference(session: Session, words: str, lat: float, lon: float, radius_m: float) -> list[tuple[Any, ...]]:
    """The answer computed plainly over service, service_at_location, location and service_area:
    services whose document matches the words (full text, or word similarity ≥ the threshold) and
    their places in the radius nearest first, then their places reached through a service area."""
    read = read_query(words)
    if read.units:
        matched = or_(
            Service.search_vector.op("@@")(full_text_query(read)),
            func.word_similarity(folded(read.text.strip()), Service.search_text) >= TRIGRAM_THRESHOLD,
        )
        hits = set(session.execute(select(Service.id).where(matched)).scalars())
    else:
        hits = set(session.execute(select(Service.id)).scalars())
    languages = [w.lower() for w in read.languages]
    rows = session.execute(
        text("""
        WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography AS g)
        SELECT sal.id, sal.service_id, l.geog <-> pt.g AS knn, ST_Distance(l.geog, pt.g, false) AS d, s.name,
               coalesce(ST_DWithin(l.geog, pt.g, :r, false), false) AS near,
               EXISTS (SELECT 1 FROM service_area a WHERE a.service_id = sal.service_id AND ST_Covers(a.geog, pt.g))
                   AS covered,
               EXISTS (SELECT 1 FROM language g WHERE g.service_id = sal.service_id
                       AND (lower(g.code) = ANY(:langs) OR lower(g.name) = ANY(:langs))) AS speaks
        FROM service_at_location sal JOIN location l ON l.id = sal.location_id
        JOIN service s ON s.id = sal.service_id, pt
        """),
        {"lat": lat, "lon": lon, "r": radius_m, "langs": languages},
    ).all()
    kept = [r for r in rows if r.service_id in hits and (r.near or r.covered) and (not languages or r.speaks)]
    kept.sort(key=lambda r: (not r.near, r.knn if r.near else 0.0, r.name, r.id))
    return [(r.id, round(r.d / 1000.0, 4) if r.near else None, "radius" if r.near else "service_area") for r in kept]


def api_pages(client: Any, params: dict[str, Any]) -> tuple[list[tuple[Any, ...]], list[int]]:
    items: list[tuple[Any, ...]] = []
    totals: list[int] = []
    page = 1
    while True:
        r = client.get("/v1/service_at_locations", params={**params, "page": page, "per_page": PER_PAGE})
        assert r.status_code == 200, r.text
        body = r.json()
        totals.append(body["total_items"])
        items.extend((i["id"], i["distance_km"], i["reach"]) for i in body["contents"])
        assert body["size"] == len(body["contents"]) and body["page_number"] == page
        if body["last_page"] or not body["contents"]:
            return items, totals
        page += 1


@pytest.mark.parametrize(("words", "at", "radius_km"), SEARCHES)
def test_radius_search_answers_as_the_plain_computation(
    sites_client: Any, engine: Any, words: str, at: tuple[float, float], radius_km: float
) -> None:
    lat, lon = offset(*at)
    items, totals = api_pages(sites_client, {"lat": lat, "lon": lon, "radius_km": radius_km, "search": words})
    with Session(engine) as session:
        expected = reference(session, words, lat, lon, radius_km * 1000)
    assert items == expected
    assert set(totals) == {len(expected)}


def test_the_searches_find_radius_typo_tie_and_area_items(sites_client: Any) -> None:
    """The plain computation is only worth comparing with if the searches reach every branch."""
    lat, lon = offset(0, 0)
    shelter, _ = api_pages(sites_client, {"lat": lat, "lon": lon, "radius_km": 10, "search": "shelter"})
    ids = [i[0] for i in shelter]
    assert ("van-sal0", None, "service_area") in shelter
    assert ids.index("tie-b-sal0") + 1 == ids.index("tie-a-sal0")
    typo, _ = api_pages(sites_client, {"lat": lat, "lon": lon, "radius_km": 15, "search": "pantryy"})
    assert "pantry-sal0" in [i[0] for i in typo]
    spanish, _ = api_pages(sites_client, {"lat": lat, "lon": lon, "radius_km": 40, "search": "spanish shelter"})
    everyone, _ = api_pages(sites_client, {"lat": lat, "lon": lon, "radius_km": 40, "search": "shelter"})
    assert "spanish-sal0" in [i[0] for i in spanish] and len(spanish) < len(everyone)


@pytest.mark.parametrize(
    "extra",
    [
        {"need": "shelter"},
        {"intercept": "1", "status": "active"},
        {"bbox": f"{SEATTLE[1] - 0.1},{SEATTLE[0] - 0.1},{SEATTLE[1] + 0.1},{SEATTLE[0] + 0.1}"},
        {"language": "es"},
    ],
)
def test_radius_search_with_filters_answers_as_the_service_ranking(
    sites_client: Any, engine: Any, extra: dict[str, str]
) -> None:
    """With other filters too, the same page and total as the selection joined to the service-level
    ranking (the way every search was answered before `search_site`)."""
    lat, lon = offset(1, -1)
    params = {"lat": lat, "lon": lon, "radius_km": 20, "search": "shelter", **extra}
    items, totals = api_pages(sites_client, params)
    q = DirectoryQuery(
        search="shelter",
        lat=lat,
        lon=lon,
        radius_m=20_000,
        needs=("shelter",) if "need" in extra else (),
        intercepts=(1,) if "intercept" in extra else (),
        status=extra.get("status"),
        languages=("es",) if "language" in extra else (),
    )
    if "bbox" in extra:
        q = replace(q, bbox=BBox(*map(float, extra["bbox"].split(","))))
    with Session(engine) as session:
        selection = place_selection(q, PostgresSearch().ranking(session, "shelter"))
        rows = session.execute(selection).all()
    expected = [(r.id, round(float(r.distance_km), 4) if r.distance_km is not None else None, r.reach) for r in rows]
    assert items == expected and expected
    assert set(totals) == {len(expected)}


def test_search_sites_follow_moves_renames_and_removals(sites_catalog: list[ServiceSpec], engine: Any) -> None:
    """A building written with one service moves every service's row there; a rename reaches the
    row; a removed place leaves none. Checked against the definition, over the whole catalog."""
    definition = text("""
        SELECT sal.id, sal.service_id, sal.location_id, l.geog::text, s.name, s.search_vector::text, s.search_text
        FROM service_at_location sal JOIN location l ON l.id = sal.location_id JOIN service s ON s.id = sal.service_id
        WHERE l.geog IS NOT NULL
        EXCEPT
        SELECT id, service_id, location_id, geog::text, service_name, search_vector::text, search_text
        FROM search_site""")
    reverse = text("""
        SELECT id, service_id, location_id, geog::text, service_name, search_vector::text, search_text
        FROM search_site
        EXCEPT
        SELECT sal.id, sal.service_id, sal.location_id, l.geog::text, s.name, s.search_vector::text, s.search_text
        FROM service_at_location sal JOIN location l ON l.id = sal.location_id
        JOIN service s ON s.id = sal.service_id""")
    with Session(engine) as session:
        assert session.execute(definition).all() == [] and session.execute(reverse).all() == []
        # tie-b moves into tie-a's building, which then moves; only tie-a is written.
        session.execute(text("UPDATE service_at_location SET location_id = 'tie-a-loc0' WHERE id = 'tie-b-sal0'"))
        refresh_services(session, ["tie-b"])
        session.execute(
            text(
                "UPDATE location SET geog = ST_SetSRID(ST_MakePoint(-122.2, 47.7), 4326)::geography "
                "WHERE id = 'tie-a-loc0'"
            )
        )
        session.execute(text("UPDATE service SET name = 'Bravo Shelter North' WHERE id = 'tie-a'"))
        session.execute(text("DELETE FROM service_at_location WHERE id = 'pantry-sal0'"))
        refresh_services(session, ["tie-a"])
        assert session.execute(definition).all() == [] and session.execute(reverse).all() == []
        moved = session.execute(
            text(
                "SELECT id, ST_X(geog::geometry), service_name FROM search_site "
                "WHERE id IN ('tie-a-sal0', 'tie-b-sal0') ORDER BY id"
            )
        ).all()
        assert [(r[0], round(r[1], 4), r[2]) for r in moved] == [
            ("tie-a-sal0", -122.2, "Bravo Shelter North"),
            ("tie-b-sal0", -122.2, "Alpha Shelter"),
        ]
        session.rollback()


def test_one_gist_index_serves_the_radius_and_the_words(sites_catalog: list[ServiceSpec], engine: Any) -> None:
    """The radius and both kinds of match (full text, trigram typo) are conditions of the index scan,
    so a place is read only when it matches; the catalog here is small, so the planner is told not
    to prefer a sequential scan it would pick for a few thousand rows."""
    lat, lon = offset(0, 0)
    q = DirectoryQuery(search="shelter", lat=lat, lon=lon, radius_m=10_000)
    with Session(engine) as session:
        selection = searched_place_selection(q, PostgresSearch().site_search(session, "shelter"))
        session.execute(text("SET LOCAL enable_seqscan = off"))
        compiled = selection.compile(bind=engine)
        plan = "\n".join(
            r[0] for r in session.connection().exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).all()
        )
    scans = [line for line in plan.splitlines() if "ix_search_site_geog_text" in line]
    assert scans, plan
    conditions = [line for line in plan.splitlines() if "Index Cond" in line and "geog &&" in line]
    assert any("search_vector @@" in c for c in conditions), plan
    assert any("search_text %>" in c for c in conditions), plan


def test_a_search_without_units_keeps_every_place_in_the_radius(sites_client: Any, engine: Any) -> None:
    """Only a language word ("spanish"): no words to match, the language filter decides."""
    lat, lon = offset(0, 0)
    items, totals = api_pages(sites_client, {"lat": lat, "lon": lon, "radius_km": 40, "search": "spanish"})
    with Session(engine) as session:
        expected = reference(session, "spanish", lat, lon, 40_000)
    assert items == expected and totals[0] == len(expected)


def test_deleting_a_service_or_a_place_leaves_no_search_site_behind(
    sites_catalog: list[ServiceSpec], engine: Any
) -> None:
    """search_site keeps a foreign key to its service_at_location only (migration 0018): deleting a
    service or a location still removes every row naming it, through that service_at_location."""
    orphans = text("""
        SELECT id FROM search_site ss
        WHERE NOT EXISTS (SELECT 1 FROM service s WHERE s.id = ss.service_id)
           OR NOT EXISTS (SELECT 1 FROM location l WHERE l.id = ss.location_id)
           OR NOT EXISTS (SELECT 1 FROM service_at_location sal WHERE sal.id = ss.id
                          AND sal.service_id = ss.service_id AND sal.location_id = ss.location_id)""")
    with Session(engine) as session:
        named = text("SELECT count(*) FROM search_site WHERE service_id = :s OR location_id = :l")
        assert session.execute(named, {"s": "pantry", "l": "spanish-loc0"}).scalar_one() == 2
        session.execute(text("DELETE FROM service WHERE id = 'pantry'"))
        session.execute(text("DELETE FROM location WHERE id = 'spanish-loc0'"))
        assert session.execute(named, {"s": "pantry", "l": "spanish-loc0"}).scalar_one() == 0
        assert session.execute(orphans).all() == []
        session.rollback()


# ---- a page's objects, and the rows kept in place order --------------------------------------------

# Columns a catalog row keeps that HSDS does not show (catalog.serialize's rule, restated here).
NOT_HSDS = {"extra", "content_hash", "search_vector", "search_text", "geog"}


def plain_object(session: Session, table: str, row_id: str) -> dict[str, Any] | None:
    """A catalog row as the `list` shape shows it, read with `SELECT *`: its columns but the internal
    ones, nulls left out, dates as ISO 8601 and whole-number floats as integers (as JSON has them)."""
    row = session.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id}).mappings().one_or_none()
    if row is None:
        return None
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in NOT_HSDS or value is None:
            continue
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        out[key] = value
    return out


@pytest.mark.parametrize(("words", "at", "radius_km"), SEARCHES[:6])
def test_a_page_of_places_shows_their_rows(
    sites_client: Any, engine: Any, words: str, at: tuple[float, float], radius_km: float
) -> None:
    """Each place of a search page (the `list` shape) is its service_at_location row with its location,
    its service and the service's organization, as plain `SELECT *` reads of those four tables give them."""
    lat, lon = offset(*at)
    params = {"lat": lat, "lon": lon, "radius_km": radius_km, "search": words, "per_page": 25}
    body = sites_client.get("/v1/service_at_locations", params=params).json()
    assert body["contents"] or words == "zzzz"
    with Session(engine) as session:
        for item in body["contents"]:
            expected = plain_object(session, "service_at_location", item["id"])
            assert expected is not None
            location = plain_object(session, "location", expected["location_id"])
            service = plain_object(session, "service", expected["service_id"])
            assert location is not None and service is not None
            organization = plain_object(session, "organization", service["organization_id"])
            assert organization is not None
            expected.update(location=location, service={**service, "organization": organization})
            expected.update(distance_km=item["distance_km"], reach=item["reach"])
            # Keys in order too: each row's columns as the table has them, then what nests under it.
            assert json.dumps(item) == json.dumps(expected)


def test_a_page_of_places_is_one_json_answer(sites_client: Any) -> None:
    """The page is encoded once (orjson) into exactly the bytes FastAPI's own encoding sent before:
    compact JSON, keys in order, non-ASCII as UTF-8."""
    lat, lon = offset(0, 0)
    params = {"lat": lat, "lon": lon, "radius_km": 40, "search": "spanish shelter", "per_page": 50}
    r = sites_client.get("/v1/service_at_locations", params=params)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["contents"] and any(i["distance_km"] for i in body["contents"])
    assert r.content == json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def page_of(session: Session, site_id: str) -> int:
    ctid = session.execute(text("SELECT ctid::text FROM search_site WHERE id = :id"), {"id": site_id}).scalar_one()
    return int(ctid.strip("()").split(",")[0])


def test_search_rows_are_written_over_in_place_and_only_when_changed(
    sites_catalog: list[ServiceSpec], engine: Any
) -> None:
    """A refresh leaves the rows of unchanged places alone (the services sharing a building with the one
    written included), and a renamed service's row stays on its page (the table keeps place order),
    even when the table has just been clustered (each page filled up to the table's fillfactor)."""
    with Session(engine) as session:
        cluster_search_sites(session)
        session.commit()
        session.execute(text("UPDATE service_at_location SET location_id = 'tie-a-loc0' WHERE id = 'tie-b-sal0'"))
        refresh_services(session, ["tie-b"])
        session.commit()
        try:
            written_over_in_place(session)
        finally:
            session.rollback()
            session.execute(text("UPDATE service_at_location SET location_id = 'tie-b-loc0' WHERE id = 'tie-b-sal0'"))
            refresh_services(session, ["tie-b"])
            session.commit()


def written_over_in_place(session: Session) -> None:
    versions = dict(session.execute(text("SELECT id, xmin::text FROM search_site")).all())
    refresh_services(session, ["tie-a"])  # shares its building with tie-b; nothing changed
    assert dict(session.execute(text("SELECT id, xmin::text FROM search_site")).all()) == versions
    session.execute(text("UPDATE service SET name = 'Bravo Shelter Annex' WHERE id = 'tie-a'"))
    refresh_services(session, ["tie-a"])
    rewritten = {
        i for i, v in session.execute(text("SELECT id, xmin::text FROM search_site")).all() if versions[i] != v
    }
    assert rewritten == {"tie-a-sal0"}
    # Every page keeps a tenth free (migration 0017); the fullest page of the freshly clustered table
    # still has room for one of its rows written again.
    options = session.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'search_site'")).scalar_one()
    assert "fillfactor=90" in options
    fullest = session.execute(
        text("""
        SELECT (ctid::text::point)[0]::int AS page FROM search_site s
        GROUP BY 1 ORDER BY sum(pg_column_size(s.*) + 28) DESC, 1 LIMIT 1""")
    ).scalar_one()
    site_id, service_id = session.execute(
        text("SELECT id, service_id FROM search_site WHERE (ctid::text::point)[0]::int = :p ORDER BY id LIMIT 1"),
        {"p": fullest},
    ).one()
    session.execute(text("UPDATE service SET name = name || ' Annex' WHERE id = :id"), {"id": service_id})
    refresh_services(session, [service_id])
    assert (
        versions[site_id]
        != session.execute(text("SELECT xmin::text FROM search_site WHERE id = :id"), {"id": site_id}).scalar_one()
    )
    assert page_of(session, site_id) == fullest


def test_search_order_clusters_the_rows_in_place_order(sites_catalog: list[ServiceSpec], engine: Any) -> None:
    """`divert search order --cluster` (catalog.projections.cluster_search_sites) rewrites the table so
    the rows lie in geohash order of their points; the order statistic then says 1."""
    with Session(engine) as session:
        # Out of order first: every row written again, in reverse place order, at the table's end.
        columns = "id, service_id, location_id, geog, service_name, search_vector, search_text"
        session.execute(text(f"CREATE TEMP TABLE sites_copy AS SELECT {columns} FROM search_site"))
        session.execute(text("DELETE FROM search_site"))
        session.execute(
            text(
                f"INSERT INTO search_site ({columns}) SELECT {columns} FROM sites_copy "
                'ORDER BY ST_GeoHash(geog, 12) COLLATE "C" DESC'
            )
        )
        session.commit()
        shuffled = session.execute(text("SELECT ST_GeoHash(geog, 12) FROM search_site ORDER BY ctid")).scalars().all()
        assert shuffled != sorted(shuffled, key=lambda h: h.encode())
        cluster_search_sites(session)
        session.commit()
        rows = session.execute(text("SELECT ST_GeoHash(geog, 12) FROM search_site ORDER BY ctid")).scalars().all()
        assert len(rows) > 1000 and rows == sorted(rows, key=lambda h: h.encode())
        assert search_site_order(session) == pytest.approx(1.0)
        session.commit()
