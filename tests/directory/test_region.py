"""The directory over a generated region of a few thousand services: geo, filters, paging, ndjson."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from contract_rules import contract_excludes
from directory_factories import SEATTLE, ServiceSpec, haversine_m
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from api.directory.queries import BBox, DirectoryQuery, place_selection
from catalog.postcodes import centroid

# Points within this many meters of the radius edge are left out of exact comparisons (float rounding).
EDGE_M = 1.0


def all_pages(client: Any, path: str, params: dict[str, Any], per_page: int = 500) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        r = client.get(path, params={**params, "page": page, "per_page": per_page})
        assert r.status_code == 200, r.text
        body = r.json()
        items.extend(body["contents"])
        assert body["page_number"] == page and body["size"] == len(body["contents"])
        if body["last_page"]:
            assert body["total_items"] == len(items)
            return items
        page += 1


def places(region: list[ServiceSpec]) -> list[tuple[str, str, float, float]]:
    return [(f"{s.id}-sal{n}", s.id, p.lat, p.lon) for s in region for n, p in enumerate(s.places)]


def test_radius_equals_brute_force_haversine_nearest_first(region_client: Any, region: list[ServiceSpec]) -> None:
    lat, lon, radius_km = SEATTLE[0] + 0.05, SEATTLE[1] - 0.03, 7.5
    items = all_pages(region_client, "/v1/service_at_locations", {"lat": lat, "lon": lon, "radius_km": radius_km})
    got = {i["id"]: i["distance_km"] for i in items}
    expected = {sal: haversine_m(lat, lon, plat, plon) for sal, _, plat, plon in places(region)}
    inside = {k for k, d in expected.items() if d <= radius_km * 1000 - EDGE_M}
    outside = {k for k, d in expected.items() if d > radius_km * 1000 + EDGE_M}
    assert inside and inside <= set(got) and not (outside & set(got))
    for sal_id, km in got.items():
        assert abs(km * 1000 - expected[sal_id]) < 1.0
    distances = [i["distance_km"] for i in items]
    assert distances == sorted(distances)
    assert all(i["reach"] == "radius" for i in items)
    assert items[0]["location"]["latitude"] is not None and items[0]["service"]["name"]

    services = all_pages(region_client, "/v1/services", {"lat": lat, "lon": lon, "radius_km": radius_km})
    expected_services = {sid for sal, sid, *_ in places(region) if sal in inside}
    got_services = {s["id"] for s in services}
    assert (
        expected_services
        <= got_services
        <= {sid for sal, sid, *_ in places(region) if expected[sal] <= radius_km * 1000 + EDGE_M}
    )
    assert [s["distance_km"] for s in services] == sorted(s["distance_km"] for s in services)


def test_bbox_equals_brute_force(region_client: Any, region: list[ServiceSpec]) -> None:
    box = (-122.40, 47.55, -122.30, 47.65)
    items = all_pages(region_client, "/v1/service_at_locations", {"bbox": ",".join(map(str, box))})
    expected = {sal for sal, _, plat, plon in places(region) if box[0] <= plon <= box[2] and box[1] <= plat <= box[3]}
    assert expected and {i["id"] for i in items} == expected
    services = all_pages(region_client, "/v1/services", {"bbox": ",".join(map(str, box))})
    assert {s["id"] for s in services} == {sid for sal, sid, *_ in places(region) if sal in expected}


def test_radius_query_uses_the_gist_index(region: list[ServiceSpec], engine: Any) -> None:
    q = DirectoryQuery(lat=SEATTLE[0], lon=SEATTLE[1], radius_m=3000)
    sql = place_selection(q, None).compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        plan = "\n".join(r[0] for r in conn.execute(text(f"EXPLAIN {sql}")))
    assert "ix_location_geog" in plan, plan
    box = DirectoryQuery(bbox=BBox(-122.40, 47.55, -122.39, 47.56))
    sql = place_selection(box, None).compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        plan = "\n".join(r[0] for r in conn.execute(text(f"EXPLAIN {sql}")))
    assert "ix_location_geog" in plan, plan


def test_postcode_proximity_is_meters_around_the_offline_centroid(
    region_client: Any, region: list[ServiceSpec]
) -> None:
    point = centroid("98104")
    assert point is not None
    items = all_pages(region_client, "/v1/service_at_locations", {"postcode": "98104", "proximity": 4000})
    got = {i["id"] for i in items}
    expected = {sal: haversine_m(point[0], point[1], plat, plon) for sal, _, plat, plon in places(region)}
    assert {k for k, d in expected.items() if d <= 4000 - EDGE_M} <= got
    assert all(expected[k] <= 4000 + EDGE_M for k in got)
    # Without proximity: places whose address has the postcode (no service areas in this region).
    by_address = all_pages(region_client, "/v1/service_at_locations", {"postcode": "98118"})
    assert {i["id"] for i in by_address} == {
        f"{s.id}-sal{n}" for s in region for n, p in enumerate(s.places) if p.postal_code == "98118"
    }


def test_a_client_pages_through_the_whole_directory_once(region_client: Any, region: list[ServiceSpec]) -> None:
    seen: list[str] = []
    page = 1
    while True:
        body = region_client.get("/v1/services", params={"page": page, "per_page": 137}).json()
        seen.extend(s["id"] for s in body["contents"])
        assert body["first_page"] == (page == 1)
        if body["last_page"]:
            break
        page += 1
    assert body["total_pages"] == page == -(-len(region) // 137)
    assert sorted(seen) == sorted(s.id for s in region) and len(seen) == len(set(seen))
    sal_ids = [i["id"] for i in all_pages(region_client, "/v1/service_at_locations", {}, per_page=333)]
    assert sorted(sal_ids) == sorted(p[0] for p in places(region))
    beyond = region_client.get("/v1/services", params={"page": page + 5, "per_page": 137}).json()
    assert beyond["contents"] == [] and beyond["size"] == 0 and not beyond["empty"]


def test_ndjson_streams_every_row(region_client: Any, region: list[ServiceSpec]) -> None:
    with region_client.stream("GET", "/v1/services", params={"format": "ndjson"}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
        lines = [orjson.loads(line) for line in r.iter_lines() if line]
    assert sorted(x["id"] for x in lines) == sorted(s.id for s in region)
    with region_client.stream(
        "GET", "/v1/service_at_locations", params={"format": "ndjson", "full": "true", "need": "shelter"}
    ) as r:
        sal_lines = [orjson.loads(line) for line in r.iter_lines() if line]
    expected = {f"{s.id}-sal{n}" for s in region if "shelter" in s.needs for n in range(len(s.places))}
    assert {x["id"] for x in sal_lines} == expected and len(sal_lines) == len(expected)
    assert all("schedules" in x["service"] for x in sal_lines)
    minimal = region_client.get("/v1/services", params={"format": "ndjson", "minimal": "true"}).text
    assert len(minimal.strip().splitlines()) == len(region)


def test_need_intercept_language_and_modified_after_filters(region_client: Any, region: list[ServiceSpec]) -> None:
    got = {s["id"] for s in all_pages(region_client, "/v1/services", {"need": "food,legal"})}
    assert got == {s.id for s in region if {"food", "legal"} & set(s.needs)}
    got = {s["id"] for s in all_pages(region_client, "/v1/services", {"intercept": ["1", "4"], "need": "shelter"})}
    assert got == {s.id for s in region if {1, 4} & set(s.intercepts) and "shelter" in s.needs}
    got = {s["id"] for s in all_pages(region_client, "/v1/services", {"language": "es"})}
    assert got == {s.id for s in region if "es" in s.languages}
    after = datetime(2026, 10, 1, tzinfo=UTC)
    got = {s["id"] for s in all_pages(region_client, "/v1/services", {"modified_after": after.isoformat()})}
    assert got == {s.id for s in region if s.last_modified and s.last_modified >= after}
    got = {s["id"] for s in all_pages(region_client, "/v1/services", {"taxonomy_term_id": "term-divert-needs-housing"})}
    assert got == {s.id for s in region if "housing" in s.needs}


def test_eligibility_params_use_the_matchers_rules(region_client: Any, region: list[ServiceSpec]) -> None:
    got = {
        s["id"] for s in all_pages(region_client, "/v1/services", {"active_substance_use": "true", "need": "shelter"})
    }
    expected = {
        s.id
        for s in region
        if "shelter" in s.needs and not contract_excludes(dict(s.eligibility), {"active_substance_use": True})
    }
    assert got == expected
    # The filter removes some shelters and keeps others, so neither "all" nor "none" passes.
    assert set() < expected < {s.id for s in region if "shelter" in s.needs}
