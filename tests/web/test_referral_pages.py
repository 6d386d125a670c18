"""The closed loop as people walk it, in headless Chromium against the live app over real PostGIS:
a case manager matches, holds and refers; the provider finds the referral by its code and answers
accepted → arrived → enrolled with two taps each; the planner's outcome count moves. Screenshots
of each page go to docs/screenshots/."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import web_world as catalog
from browsing import Browsing, token_of

expect = pytest.importorskip("playwright.sync_api").expect

# This worktree's live servers listen on 8160-8169 only (a shared machine).
PORTS = range(8163, 8170)


@pytest.fixture(scope="module")
def live_server(settings: Any) -> Iterator[str]:
    import socket

    import uvicorn

    from api.app import create_app

    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            break
    else:
        raise RuntimeError("no free port in 8163-8169")
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, name="uvicorn-referral-pages", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _two_taps(button: Any) -> None:
    button.click()
    expect(button).to_contain_text("Tap again")
    button.click()


def test_match_hold_refer_accept_arrive_enroll_and_the_outcome_moves(
    db: Any, make_key: Callable[..., dict[str, str]], browse: Callable[..., Browsing], http: httpx.Client
) -> None:
    admin = make_key("admin")
    assert http.post("/v1/import/hsds", json=catalog.downtown(), headers=admin).status_code == 200
    case_manager = make_key("case_manager")
    provider = make_key("provider", org=catalog.organization_id("Harbor Light Shelter"))
    planner = make_key("planner")

    # The planner sees no referrals yet.
    p = browse(key=token_of(planner))
    p.goto("/planner")
    expect(p.page.locator("#outcomes")).to_contain_text("No referrals in this window")

    # The case manager matches, holds the bed and refers.
    cm = browse(key=token_of(case_manager), geolocation={"latitude": catalog.CENTRE[0], "longitude": catalog.CENTRE[1]})
    cm.goto("/match")
    page = cm.page
    page.get_by_role("button", name="Use my location").click()
    expect(page.locator("#where-status")).to_contain_text("device")
    page.get_by_label("Emergency shelter").check()
    page.get_by_role("button", name="Find options").click()
    shelter = page.locator("#results li.option", has_text="Harbor Light Shelter")
    shelter.get_by_role("button", name="Hold 1").click()
    expect(shelter.locator(".hold-panel")).to_contain_text("Held until")
    shelter.get_by_role("button", name="Refer", exact=True).click()
    card = page.locator("#referral-card")
    code = card.locator(".ref-code")
    expect(code).to_have_text(re.compile(r"^[A-HJKMNP-Z2-9]{6}$"))
    reference = code.inner_text()
    expect(card).to_contain_text("210 Third Ave S")
    expect(card).to_contain_text("The provider answers by")
    expect(card).to_contain_text("A place is held until")
    assert float(code.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")) >= 32  # large type
    cm.screenshot("referral-card")
    page.get_by_role("button", name="Close").click()

    # My referrals: pending first, with state and time since.
    cm.goto("/referrals")
    mine = page.locator("#my-referrals li.referral", has_text=reference)
    expect(mine).to_contain_text("Sent, waiting for an answer")
    cm.screenshot("my-referrals")

    # The provider finds it by the code (typed in lower case) and answers with two taps each.
    pr = browse(key=token_of(provider))
    pr.goto("/provider")
    incoming = pr.page.locator("#incoming")
    incoming.get_by_label("Reference code").fill(reference.lower())
    incoming.get_by_role("button", name="Find").click()
    # The search redraws the list: tap only once it is drawn (the list before it may match too).
    pr.page.wait_for_load_state("networkidle")
    item = incoming.locator("li.referral", has_text=reference)
    expect(incoming.locator("li.referral")).to_have_count(1)
    _two_taps(item.locator("button.move-accept"))
    expect(item.locator(".ref-state")).to_contain_text("Accepted")
    pr.screenshot("provider-incoming")
    _two_taps(item.locator("button.move-arrive"))
    expect(item.locator(".ref-state")).to_contain_text("Arrived")
    _two_taps(item.locator("button.move-enroll"))
    expect(item.locator(".ref-state")).to_contain_text("Enrolled")

    # The held bed was taken.
    pool = http.get(f"/v1/capacity/{catalog.capacity_id('Harbor Light Shelter')}", headers=admin).json()
    referral = http.get(f"/v1/referrals?reference={reference}", headers=provider).json()["contents"][0]
    assert pool["active_holds"] == 0, (pool, referral)

    # The case manager sees it enrolled; the planner's outcome count moved (shown as "<5").
    cm.goto("/referrals")
    expect(page.locator("#my-referrals li.referral", has_text=reference).locator(".ref-state")).to_contain_text(
        "Enrolled"
    )
    p.goto("/planner")
    row = p.page.locator("#outcomes tbody tr", has_text="Emergency shelter")
    expect(row.locator("td.referred")).to_have_text("<5")
    expect(row.locator("td.enrolled")).to_have_text("<5")
    expect(p.page.locator("#outcomes")).to_contain_text("1 to 4")
    p.screenshot("planner-outcomes")

    # In Spanish.
    pr.page.get_by_label("Page language").select_option("es")
    expect(pr.page.locator("#incoming-title")).to_have_text("Derivaciones entrantes")
    p.page.get_by_label("Page language").select_option("es")
    expect(p.page.locator("#outcomes-title")).to_have_text("Resultados de las derivaciones")
    expect(p.page.locator("#outcomes")).to_contain_text("Derivadas")


def test_a_provider_declines_with_a_reason(
    db: Any, make_key: Callable[..., dict[str, str]], browse: Callable[..., Browsing], http: httpx.Client
) -> None:
    admin = make_key("admin")
    assert http.post("/v1/import/hsds", json=catalog.downtown(), headers=admin).status_code == 200
    case_manager = make_key("case_manager")
    sent = http.post(
        "/v1/referrals",
        headers=case_manager,
        json={"service_id": catalog.service_id("Harbor Light Shelter"), "need": "shelter"},
    ).json()
    pr = browse(key=token_of(make_key("provider", org=catalog.organization_id("Harbor Light Shelter"))), lang="es")
    pr.goto("/provider")
    item = pr.page.locator("#incoming li.referral", has_text=sent["reference"])
    item.locator("select.decline-reason").select_option("not_eligible")
    button = item.locator("button.move-decline")
    button.click()
    expect(button).to_contain_text("Toque otra vez")
    button.click()
    expect(item.locator(".ref-state")).to_contain_text("Rechazada")
    stored = http.get(f"/v1/referrals/{sent['id']}", headers=case_manager).json()
    assert stored["state"] == "declined" and stored["history"][-1]["reason"] == "not_eligible"
