"""Browser fixtures: a live uvicorn server over the test database, and headless Debian Chromium.

The pages are driven the way people use them: a real server on a free 127.0.0.1 port, the real API
over real PostGIS, and Chromium through Playwright. Browser downloads are impossible here, so the
system `chromium` is used (`apt-get install chromium`; scripts/provision.sh installs it).
"""

from __future__ import annotations

import os
import pathlib
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from browsing import PHONE_VIEWPORT, Browsing, Traffic

CHROMIUM = os.environ.get("DIVERT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not (pathlib.Path(CHROMIUM).exists() or shutil.which("chromium")):
    pytest.skip("Debian chromium is not installed (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(settings: Any) -> Iterator[str]:
    """The real app under uvicorn in a thread, on a free loopback port; yields its base URL."""
    import uvicorn

    from api.app import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-web-tests", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start for the web tests")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def http(live_server: str) -> Iterator[httpx.Client]:
    """An HTTP client against the live server (seeding data, checking what the pages changed)."""
    with httpx.Client(base_url=live_server, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def browse(browser: Any, live_server: str) -> Iterator[Callable[..., Browsing]]:
    """browse(key=None, geolocation=None) -> Browsing; asserts after the test that no console error
    was logged and no request left 127.0.0.1."""
    opened: list[Browsing] = []

    def open_page(key: str | None = None, geolocation: dict[str, float] | None = None, lang: str = "en") -> Browsing:
        context = browser.new_context(
            viewport=PHONE_VIEWPORT,
            locale="en-US",
            timezone_id="America/Los_Angeles",
            geolocation=geolocation,
            permissions=["geolocation"] if geolocation else [],
        )
        # Runs before every navigation: the language is only a first default, so a switch sticks.
        script = f"if (!localStorage.getItem('divert.lang')) localStorage.setItem('divert.lang', {lang!r});"
        if key:
            script += f"localStorage.setItem('divert.key', {key!r});"
        context.add_init_script(script)
        page = context.new_page()
        traffic = Traffic()
        page.on("request", lambda request: traffic.requests.append(request.url))
        page.on("console", lambda msg: traffic.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda error: traffic.console_errors.append(f"page error: {error}"))
        page.set_default_timeout(15000)
        browsing = Browsing(live_server, context, page, traffic)
        opened.append(browsing)
        return browsing

    yield open_page
    for browsing in opened:
        browsing.context.close()
    for browsing in opened:
        assert browsing.traffic.console_errors == [], browsing.traffic.console_errors
        assert browsing.traffic.foreign_requests() == [], browsing.traffic.foreign_requests()
