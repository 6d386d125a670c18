"""The HSDS root, the health check, and roles enforced by the one auth dependency."""

import hashlib


def test_root_names_hsds_version_and_profile(client):
    r = client.get("/v1/")
    assert r.status_code == 200
    body = r.json()
    assert body["version"] == "3.1"
    assert body["profile"].endswith("/v1/profile")
    assert client.get("/v1/profile").json()["taxonomies"]["divert-needs"]


def test_healthz_reports_database(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok"}


def test_unknown_token_is_401_with_json_error(client):
    # A public read route answers without a token, but a token that is presented must be valid.
    assert client.get("/v1/services").status_code == 200
    r = client.get("/v1/services", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    assert r.json()["error"] == "unauthorized"
    r = client.get("/v1/whoami", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    assert r.json()["error"] == "unauthorized"
    assert client.get("/v1/whoami").status_code == 401


def test_key_carries_role_and_bindings(client, make_key):
    r = client.get("/v1/whoami", headers=make_key("provider", org="org-1"))
    assert r.json()["role"] == "provider" and r.json()["organization_id"] == "org-1"
    r = client.get("/v1/whoami", headers=make_key("case_manager", program="lead-kc"))
    assert r.json()["program"] == "lead-kc"


def test_unknown_route_is_json_404(client):
    r = client.get("/v1/no-such-thing")
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"


def _revoke(db, headers) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from api.auth.keys import hash_token

    token = headers["Authorization"].split(" ", 1)[1]
    with db() as s:
        s.execute(text("UPDATE api_key SET revoked_at = now() WHERE token_hash = :h"), {"h": hash_token(token)})
        s.commit()


def test_a_revoked_key_stops_working_once_the_key_cache_expires(db, settings, make_key) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from api.app import create_app

    app = create_app(settings.model_copy(update={"key_cache_seconds": 0.0}))
    headers = make_key("planner")
    with TestClient(app) as c:
        assert c.get("/v1/whoami", headers=headers).status_code == 200
        _revoke(db, headers)
        r = c.get("/v1/whoami", headers=headers)
        assert r.status_code == 401, r.text
    # A revoked key leaves the cache.
    assert app.state.key_cache == {}


def test_a_checked_key_is_trusted_for_the_cache_time(db, settings, make_key) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from api.app import create_app

    app = create_app(settings.model_copy(update={"key_cache_seconds": 3600.0}))
    headers = make_key("planner")
    with TestClient(app) as c:
        assert c.get("/v1/whoami", headers=headers).status_code == 200
        # The cache holds the key by its SHA-256 only: never the token, in a key or in what it remembers.
        token = headers["Authorization"].split(" ", 1)[1]
        assert set(app.state.key_cache) == {hashlib.sha256(token.encode()).hexdigest()}
        assert token not in repr(app.state.key_cache)
        _revoke(db, headers)
        # Within the cache time the process has not looked again (documented: up to 30 s by default).
        assert c.get("/v1/whoami", headers=headers).status_code == 200
        app.state.key_cache.clear()
        assert c.get("/v1/whoami", headers=headers).status_code == 401
