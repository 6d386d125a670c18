"""The API's reference pages, `/docs` (Swagger UI) and `/redoc` (ReDoc), from local assets only.

FastAPI's own pages load both from a CDN (blank on a closed network) and start Swagger UI with an
inline script (refused by our Content-Security-Policy). Here the bundles come from the
`fastapi-offline` package (MIT; it ships Swagger UI 5 and ReDoc builds), served under
`/docs/assets/`, and Swagger UI is started by `static/js/docs/swagger.js`.
"""

from __future__ import annotations

import pathlib
from functools import lru_cache
from typing import Final

import fastapi_offline
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from divert.errors import NotFound

router = APIRouter(include_in_schema=False)

VENDOR: Final = pathlib.Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS: Final = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
}
# Pages whose CSP also allows inline styles: both bundles inject <style> elements at run time.
DOC_PATHS: Final = ("/docs", "/redoc")

_SWAGGER = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>divert API — Swagger UI</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="/openapi.json"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/static/js/docs/swagger.js"></script>
</body>
</html>
"""

_REDOC = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>divert API — ReDoc</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="/docs/assets/redoc.standalone.js"></script>
</body>
</html>
"""


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui() -> HTMLResponse:
    return HTMLResponse(_SWAGGER)


@router.get("/redoc", response_class=HTMLResponse)
def redoc() -> HTMLResponse:
    return HTMLResponse(_REDOC)


# ReDoc always draws its maker's logo from their CDN: the one outside URL in either bundle. An
# empty data: URL instead fails to load at once, and ReDoc then leaves the logo out.
REDOC_LOGO: Final = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


@lru_cache(maxsize=len(ASSETS))
def _asset_bytes(name: str) -> bytes:
    content = (VENDOR / name).read_bytes()
    return content.replace(REDOC_LOGO, b"data:,") if name == "redoc.standalone.js" else content


@router.get("/docs/assets/{name}")
def asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"no documentation asset {name!r}")
    return Response(_asset_bytes(name), media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})
