"""Capacity trends (`GET /v1/capacity/trends`): the numbers of each pool's last reports, for every role
that may read the pool, a provider only for its own organization's pools."""

from __future__ import annotations

from capacity_factories import ORG_B, hours_ago


def push(client, headers, capacity_id, available, hours):  # type: ignore[no-untyped-def]
    body = {"available": available, "updated": hours_ago(hours).isoformat()}
    r = client.put(f"/v1/capacity/{capacity_id}", json=body, headers=headers)
    assert r.status_code == 200, r.text


def test_trends_are_scoped_like_the_pools(client, make_pool, keys):
    make_pool("a-1", available=0, updated=hours_ago(10))
    make_pool("b-1", org=ORG_B, available=0, updated=hours_ago(10))
    for available, hours in ((1, 3), (2, 2), (3, 1)):
        push(client, keys["provider_a"], "a-1", available, hours)
        push(client, keys["provider_b"], "b-1", available + 4, hours)
    push(client, keys["provider_a"], "a-1", 9, 5)  # older than the current state: not applied, not drawn

    both = {"ids": "a-1,b-1,nope"}
    r = client.get("/v1/capacity/trends", params=both, headers=keys["operator"])
    assert r.status_code == 200, r.text
    trends = r.json()
    assert sorted(trends) == ["a-1", "b-1"]
    assert [p["available"] for p in trends["a-1"]] == [1, 2, 3]  # oldest first, applied only
    assert [p["available"] for p in trends["b-1"]] == [5, 6, 7]
    # A provider sees its own organization's pools only, exactly as it reads pools.
    assert sorted(client.get("/v1/capacity/trends", params=both, headers=keys["provider_a"]).json()) == ["a-1"]
    assert client.get("/v1/capacity/trends", params=both, headers=keys["planner"]).status_code == 403
    assert client.get("/v1/capacity/trends", params=both).status_code == 401
    r = client.get(
        "/v1/capacity/trends", params={"ids": ",".join(f"c{i}" for i in range(101))}, headers=keys["operator"]
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ids"
    # The URL the pages used before keeps answering the same.
    old = client.get("/web/capacity_trend.json", params=both, headers=keys["provider_a"]).json()
    assert [p["available"] for p in old["a-1"]] == [1, 2, 3] and "b-1" not in old
    # The answer is declared in the OpenAPI document.
    schema = client.get("/openapi.json").json()["paths"]["/v1/capacity/trends"]["get"]["responses"]["200"]
    assert "CapacityTrendPoint" in str(schema)
