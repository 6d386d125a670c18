"""The API reference pages render on a closed network, under the pages' Content-Security-Policy.

Every request the browser makes to anything but 127.0.0.1 is aborted (the network is closed); the
`browse` fixture then also fails the test on any console error, which includes every CSP violation.
"""

from __future__ import annotations

from typing import Any

import pytest
from browsing import Browsing

expect = pytest.importorskip("playwright.sync_api").expect


def _close_network(browsing: Browsing) -> list[str]:
    aborted: list[str] = []

    def only_loopback(route: Any) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            aborted.append(url)
            route.abort()

    browsing.context.route("**/*", only_loopback)
    return aborted


def test_swagger_ui_renders_offline(browse: Any) -> None:
    browsing = browse()
    aborted = _close_network(browsing)
    browsing.goto("/docs")
    page = browsing.page
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("divert")
    # The operations come from our own /openapi.json: the match route is listed.
    expect(page.locator(".opblock-summary-path", has_text="/v1/match").first).to_be_visible()
    assert aborted == []


def test_redoc_renders_offline(browse: Any) -> None:
    browsing = browse()
    aborted = _close_network(browsing)
    browsing.goto("/redoc")
    page = browsing.page
    expect(page.locator("h1").first).to_contain_text("divert")
    expect(page.get_by_text("/v1/match").first).to_be_attached()
    assert aborted == []
