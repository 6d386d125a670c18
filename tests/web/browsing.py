"""What the browser tests share: one page's network and console record, and the screenshot helper."""

from __future__ import annotations

import pathlib
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

SCREENSHOTS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE_VIEWPORT = {"width": 390, "height": 844}
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
LOCAL_HOSTS = {"127.0.0.1"}
# Elements sticking out to the right of the viewport: a phone would scroll sideways.
WIDER_THAN_SCREEN = """
() => {
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const scrolls = getComputedStyle(a).overflowX !== "visible";
      if (scrolls && a.getBoundingClientRect().right <= innerWidth + 1) return true;
    }
    return false;
  };
  return Array.from(document.querySelectorAll("body *"))
    .filter((el) => el.getClientRects().length && el.getBoundingClientRect().right > innerWidth + 1)
    .filter((el) => !clipped(el))
    .slice(-5).map((el) => el.outerHTML.slice(0, 160));
}
"""
# A dictionary key shown as text means a string is missing from web/static/js/i18n.js.
UNTRANSLATED = re.compile(
    r"\b(?:hours|ago|cap|unit|opt|warn|gap|hold|card|err|dir|elig|svc|report|plan|"
    r"status|intercept|prov|match|where|signin|role|map|nav|title|lang|ref|inc|out|contact)\.[A-Za-z_]+\b"
)


@dataclass
class Traffic:
    """What a page did on the network and in its console, checked after every test."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        out = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if parts.hostname not in LOCAL_HOSTS:
                out.append(url)
        return out


@dataclass
class Browsing:
    """One browser context (a fresh profile) and its page, plus helpers for the tests."""

    base_url: str
    context: Any
    page: Any
    traffic: Traffic

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("networkidle")

    def screenshot(self, name: str) -> None:
        """Saves `<name>-phone.png` and `<name>-desktop.png` into docs/screenshots/ (after checking that
        every string on the page was translated)."""
        text = self.page.locator("body").inner_text()
        assert not UNTRANSLATED.findall(text), UNTRANSLATED.findall(text)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # A passing toast would cover the content it reports on.
        self.page.evaluate("document.getElementById('toast')?.classList.remove('show')")
        for label, size in (("phone", PHONE_VIEWPORT), ("desktop", DESKTOP_VIEWPORT)):
            self.page.set_viewport_size(size)
            self.page.wait_for_timeout(150)  # let the map's ResizeObserver redraw before the shot
            offenders = self.page.evaluate(WIDER_THAN_SCREEN)
            assert offenders == [], (name, label, offenders)
            self.page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        self.page.set_viewport_size(PHONE_VIEWPORT)


def token_of(headers: dict[str, str]) -> str:
    """The bare token from make_key's Authorization headers (what a user pastes into the sign-in box)."""
    return headers["Authorization"].removeprefix("Bearer ")
