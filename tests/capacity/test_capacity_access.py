"""Object-level access on every capacity, feed and hold route: no token 401, wrong role 403, a provider of
organization A never touches organization B's pools or feeds, a hold belongs to the key that made it."""

from __future__ import annotations

import pytest
from capacity_factories import ORG_B, hours_ago, report

# Another organization's pool answers a provider like a missing one: 404, never 403 (no id probing).
READ_POOL_ROLES = {
    "admin": 200,
    "curator": 200,
    "provider_b": 200,
    "case_manager": 200,
    "operator": 200,
    "provider_a": 404,
    "planner": 403,
}
WRITE_POOL_ROLES = {
    "admin": 200,
    "curator": 200,
    "provider_b": 200,
    "provider_a": 404,
    "case_manager": 403,
    "operator": 403,
    "planner": 403,
    "case_manager_lead": 403,
}
HISTORY_ROLES = {
    "admin": 200,
    "curator": 200,
    "provider_b": 200,
    "provider_a": 404,
    "case_manager": 403,
    "operator": 403,
    "planner": 403,
}


@pytest.fixture
def pool_b(make_pool) -> str:  # type: ignore[no-untyped-def]
    return make_pool("cap-b", org=ORG_B, available=2, updated=hours_ago(5))


def test_read_pool(client, keys, pool_b):
    for role, status in READ_POOL_ROLES.items():
        assert client.get(f"/v1/capacity/{pool_b}", headers=keys[role]).status_code == status, role


def test_push_report(client, keys, pool_b):
    for role, status in WRITE_POOL_ROLES.items():
        r = client.put(f"/v1/capacity/{pool_b}", json=report(1, hours_ago(1)), headers=keys[role])
        assert r.status_code == status, (role, r.text)


def test_batch_item(client, keys, pool_b):
    for role, status in WRITE_POOL_ROLES.items():
        item = {"capacity_id": pool_b, **report(1, hours_ago(1))}
        r = client.post("/v1/capacity", json={"updates": [item]}, headers=keys[role])
        if role.startswith("provider"):
            # Providers may call the route; each item is checked against their organization.
            assert r.status_code == 200 and r.json()["results"][0]["status"] == status, role
        else:
            assert r.status_code == status, role


def test_history(client, keys, pool_b):
    for role, status in HISTORY_ROLES.items():
        assert client.get(f"/v1/capacity/{pool_b}/history", headers=keys[role]).status_code == status, role


def test_listing_is_scoped_to_the_provider(client, keys, pool_b, make_pool):
    make_pool("cap-a")
    assert client.get("/v1/capacity", params={"organization_id": ORG_B}, headers=keys["provider_a"]).status_code == 403
    assert [c["id"] for c in client.get("/v1/capacity", headers=keys["provider_b"]).json()["contents"]] == ["cap-b"]
    assert client.get("/v1/capacity", headers=keys["planner"]).status_code == 403


def test_provider_pool_write_is_refused_before_anything_changes(client, keys, pool_b):
    client.put(f"/v1/capacity/{pool_b}", json=report(0, hours_ago(1)), headers=keys["provider_a"])
    assert client.get(f"/v1/capacity/{pool_b}", headers=keys["admin"]).json()["available"] == 2
    assert client.get(f"/v1/capacity/{pool_b}/history", headers=keys["admin"]).json()["total_items"] == 0


ROUTES = [
    ("GET", "/v1/capacity"),
    ("POST", "/v1/capacity"),
    ("GET", "/v1/capacity/cap-b"),
    ("PUT", "/v1/capacity/cap-b"),
    ("GET", "/v1/capacity/cap-b/history"),
    ("GET", "/v1/feeds"),
    ("POST", "/v1/feeds"),
    ("GET", "/v1/feeds/f"),
    ("DELETE", "/v1/feeds/f"),
    ("POST", "/v1/holds"),
    ("GET", "/v1/holds/h"),
    ("POST", "/v1/holds/h/confirm"),
    ("DELETE", "/v1/holds/h"),
]


def test_every_route_needs_a_token(client, pool_b):
    for method, path in ROUTES:
        body = {"PUT": report(1, hours_ago(1)), "POST": {}}.get(method)
        r = client.request(method, path, json=body)
        assert r.status_code == 401 and r.json()["error"] == "unauthorized", (method, path)
        r = client.request(method, path, json=body, headers={"Authorization": "Bearer not-a-key"})
        assert r.status_code == 401, (method, path)


# --- feeds -------------------------------------------------------------------------------------------


@pytest.fixture
def feed_b(client, keys, pool_b) -> str:  # type: ignore[no-untyped-def]
    r = client.post("/v1/feeds", json={"url": "https://b.example.org/capacity.json"}, headers=keys["provider_b"])
    assert r.status_code == 201 and r.json()["organization_id"] == ORG_B
    return str(r.json()["id"])


def test_register_feed_for_organization_b(client, keys, pool_b):
    for role, status in [
        ("provider_a", 403),
        ("case_manager", 403),
        ("operator", 403),
        ("planner", 403),
        ("provider_b", 201),
        ("curator", 201),
        ("admin", 201),
    ]:
        r = client.post(
            "/v1/feeds", json={"url": "https://b.example.org/c.json", "organization_id": ORG_B}, headers=keys[role]
        )
        assert r.status_code == status, (role, r.text)


def test_read_feed(client, keys, feed_b):
    for role, status in [
        ("provider_a", 404),
        ("case_manager", 403),
        ("planner", 403),
        ("provider_b", 200),
        ("curator", 200),
        ("admin", 200),
    ]:
        assert client.get(f"/v1/feeds/{feed_b}", headers=keys[role]).status_code == status, role


def test_delete_feed_refused_to_others(client, keys, feed_b):
    assert client.delete(f"/v1/feeds/{feed_b}", headers=keys["provider_a"]).status_code == 404
    for role in ("case_manager", "operator", "planner"):
        assert client.delete(f"/v1/feeds/{feed_b}", headers=keys[role]).status_code == 403, role
    assert client.get(f"/v1/feeds/{feed_b}", headers=keys["admin"]).status_code == 200
    assert client.delete(f"/v1/feeds/{feed_b}", headers=keys["provider_b"]).status_code == 204


def test_feed_listing_is_scoped_to_the_provider(client, keys, feed_b):
    assert client.get("/v1/feeds", headers=keys["provider_a"]).json()["total_items"] == 0
    assert client.get("/v1/feeds", headers=keys["provider_b"]).json()["total_items"] == 1
    assert client.get("/v1/feeds", headers=keys["curator"]).json()["total_items"] == 1
    assert client.get("/v1/feeds", headers=keys["case_manager"]).status_code == 403


# --- holds -------------------------------------------------------------------------------------------


def test_place_hold(client, keys, make_pool):
    make_pool("cap-b", org=ORG_B, available=5)
    for role, status in [
        ("provider_b", 403),
        ("curator", 403),
        ("planner", 403),
        ("case_manager", 201),
        ("operator", 201),
        ("admin", 201),
    ]:
        r = client.post("/v1/holds", json={"capacity_id": "cap-b"}, headers=keys[role])
        assert r.status_code == status, (role, r.text)


@pytest.fixture
def hold_id(client, keys, pool_b) -> str:  # type: ignore[no-untyped-def]
    r = client.post("/v1/holds", json={"capacity_id": pool_b, "program": "lead"}, headers=keys["case_manager"])
    assert r.status_code == 201
    return str(r.json()["hold_id"])


OTHER_KEYS = ["operator", "provider_b", "curator", "planner"]


def test_a_hold_is_not_touched_by_other_keys(client, keys, make_key, hold_id):
    other_case_manager = make_key("case_manager")
    for method, suffix in [("GET", ""), ("POST", "/confirm"), ("DELETE", "")]:
        callers = [*((r, keys[r]) for r in OTHER_KEYS), ("other case manager", other_case_manager)]
        for role, headers in callers:
            r = client.request(method, f"/v1/holds/{hold_id}{suffix}", headers=headers)
            assert r.status_code == 403, (method, suffix, role)
    assert client.get(f"/v1/holds/{hold_id}", headers=keys["admin"]).json()["state"] == "active"


def test_a_hold_is_shared_with_its_program_and_admins(client, keys, hold_id):
    assert client.get(f"/v1/holds/{hold_id}", headers=keys["case_manager_lead"]).status_code == 200
    assert client.get(f"/v1/holds/{hold_id}", headers=keys["admin"]).status_code == 200
    assert client.post(f"/v1/holds/{hold_id}/confirm", headers=keys["case_manager"]).status_code == 200


def test_another_organizations_pool_answers_like_a_missing_one(client, keys, pool_b):
    """A provider cannot tell another organization's pool from no pool: same status, same shape,
    and the organization check comes before the body is validated (a bad body is still 404)."""
    provider_a = keys["provider_a"]
    for body in (report(1, hours_ago(1)), {"available": "lots"}, {}, {"updated": "9999-01-01T00:00:00Z"}):
        theirs = client.put(f"/v1/capacity/{pool_b}", json=body, headers=provider_a)
        missing = client.put("/v1/capacity/cap-none", json=body, headers=provider_a)
        assert theirs.status_code == missing.status_code == 404, (body, theirs.text)
        assert theirs.json()["error"] == missing.json()["error"] == "not_found"
        assert theirs.json()["detail"].replace(pool_b, "ID") == missing.json()["detail"].replace("cap-none", "ID")
    for suffix in ("", "/history"):
        theirs = client.get(f"/v1/capacity/{pool_b}{suffix}", headers=provider_a)
        missing = client.get(f"/v1/capacity/cap-none{suffix}", headers=provider_a)
        assert theirs.status_code == missing.status_code == 404
    assert client.get(f"/v1/capacity/{pool_b}", headers=keys["admin"]).json()["available"] == 2
