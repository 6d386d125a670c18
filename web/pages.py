"""Web pages for people: case managers (match), 211 operators (directory), planners and providers.

The pages are plain HTML shells plus small ES modules and one stylesheet, all served by this router
from `web/templates` and `web/static`: no CDN, no build step, nothing fetched from another host, so
they work on a closed network and load fast on a phone. A page itself needs no key; its data calls
go to `/v1` with the key the user pasted once (kept in the browser's localStorage). This room holds
pages and files only: no session, no SQL, no API imports; what the pages read comes from the API.
"""

from __future__ import annotations

import html
import mimetypes
import pathlib
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from divert import __version__
from divert.errors import NotFound

router = APIRouter(include_in_schema=False)

WEB_ROOT: Final = pathlib.Path(__file__).resolve().parent
TEMPLATES: Final = WEB_ROOT / "templates"
STATIC: Final = WEB_ROOT / "static"

# Pages: path -> (template file, page module under static/js, title dictionary key).
PAGES: Final[dict[str, tuple[str, str, str]]] = {
    "/": ("match.html", "match", "title.match"),
    "/match": ("match.html", "match", "title.match"),
    "/directory": ("directory.html", "directory", "title.directory"),
    "/planner": ("planner.html", "planner", "title.planner"),
    "/provider": ("provider.html", "provider", "title.provider"),
    "/referrals": ("referrals.html", "referrals", "title.referrals"),
}

# Assets are revalidated (ETag / Last-Modified, a 304 costs a few bytes) rather than cached blind, so a
# deployment never serves a page with the modules of the previous release.
STATIC_CACHE: Final = "no-cache"


def _render(template: str, module: str, title_key: str, extra: dict[str, str] | None = None) -> HTMLResponse:
    """The shared shell (header, sign-in, language switch) around one page's body."""
    shell = (TEMPLATES / "shell.html").read_text(encoding="utf-8")
    body = (TEMPLATES / template).read_text(encoding="utf-8")
    values = {"body": body, "module": module, "title_key": title_key, "version": __version__, **(extra or {})}
    page = shell
    for name, value in values.items():
        page = page.replace("{{" + name + "}}", value)
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})


def _page(template: str, module: str, title_key: str) -> Any:
    def page() -> HTMLResponse:
        return _render(template, module, title_key)

    return page


for _path, (_template, _module, _title) in PAGES.items():
    router.add_api_route(_path, _page(_template, _module, _title), methods=["GET"], response_class=HTMLResponse)


@router.get("/services/{service_id}", response_class=HTMLResponse)
def service_page(service_id: str) -> HTMLResponse:
    # The id is only echoed into a data attribute for the module to read; escaped all the same.
    return _render("service.html", "service", "title.service", {"service_id": html.escape(service_id, quote=True)})


@router.get("/static/{asset_path:path}")
def static_asset(asset_path: str, request: Request) -> Response:
    """Files under web/static only; anything resolving outside it is simply not found."""
    target = (STATIC / asset_path).resolve()
    if not target.is_relative_to(STATIC) or not target.is_file():
        raise NotFound(f"no such asset: {asset_path}")
    media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if target.suffix == ".js":
        media_type = "text/javascript"  # ES modules must not be served as text/plain
    return FileResponse(target, media_type=media_type, headers={"Cache-Control": STATIC_CACHE})


@router.get("/favicon.ico")
def favicon() -> Response:
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml", headers={"Cache-Control": STATIC_CACHE})
