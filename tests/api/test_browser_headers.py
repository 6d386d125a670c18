"""Security headers on pages and API answers, a CSP without inline script, pages without inline code,
and the API reference served from this server only."""

from __future__ import annotations

import pathlib
import re
from typing import Any

WEB = pathlib.Path(__file__).resolve().parents[2] / "web"


def _policy(response: Any) -> dict[str, str]:
    header = response.headers["content-security-policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else "" for d in header.split("; ")}


def assert_hardened(response: Any) -> None:
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    policy = _policy(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"


def test_pages_and_api_answers_carry_the_headers(client: Any, db: Any) -> None:
    for path in (
        "/",
        "/match",
        "/directory",
        "/planner",
        "/provider",
        "/services/x",
        "/static/css/app.css",
        "/v1/",
        "/v1/services",
        "/openapi.json",
        "/docs",
        "/redoc",
        "/healthz",
        "/no-such-page",
    ):
        response = client.get(path)
        assert_hardened(response)
        if path not in ("/docs", "/redoc"):
            assert _policy(response)["style-src"] == "'self'", path
    # Errors of the request guard (before any route) carry them too.
    assert_hardened(client.get("/v1/services?search=%00"))
    assert_hardened(client.post("/v1/match", content=b"x" * (1 << 20), headers={"Content-Type": "application/json"}))


def test_a_configured_tile_server_is_the_only_other_image_source(db: Any, settings: Any) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    tiled = settings.model_copy(update={"tile_url": "https://{s}.tile.example.org/{z}/{x}/{y}.png"})
    with TestClient(create_app(tiled)) as client:
        policy = _policy(client.get("/planner"))
    assert policy["img-src"] == "'self' data: https://*.tile.example.org"


def test_pages_need_no_inline_script_or_style(client: Any, db: Any) -> None:
    """The policy forbids inline code, and the pages' templates hold none (so they keep working)."""
    policy = _policy(client.get("/match"))
    assert "'unsafe-inline'" not in policy["script-src"] + policy["style-src"]
    pages = list((WEB / "templates").glob("*.html"))
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html, flags=re.I):
            assert "src=" in tag, (page.name, tag)
        assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html, flags=re.I), page.name
        assert not re.search(r"<style\b", html, flags=re.I), page.name
        assert not re.search(r"\sstyle\s*=", html, flags=re.I), page.name
        assert not re.search(r"\son[a-z]+\s*=", html, flags=re.I), page.name  # onclick= and the like


def test_api_reference_is_served_from_local_assets(client: Any, db: Any) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "cdn." not in html and "https://" not in html and "http://" not in html, page
        assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html), page  # no inline script
        for asset in re.findall(r'(?:src|href)="(/[^"]+)"', html):
            response = client.get(asset)
            assert response.status_code == 200 and len(response.content) > 100, asset
    bundle = client.get("/docs/assets/redoc.standalone.js").content
    assert b"cdn.redoc.ly" not in bundle
    assert client.get("/docs/assets/..%2Fcore.py").status_code == 404
