"""Security headers on every answer, pages and API alike (one small ASGI middleware).

The pages keep a bearer key in `localStorage`, so a script injected into them could read it: the
Content-Security-Policy allows scripts only from this origin (no inline script, no eval), and no
other site may frame the pages (clickjacking). The API's JSON answers carry the same headers; they
cost nothing and a browser that opens one directly is then held to the same rules.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from divert.settings import Settings

# Sent on every answer whatever its type.
FIXED_HEADERS: Final = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def tile_source(tile_url: str | None) -> str | None:
    """The CSP source of a configured base-map tile URL (`{s}` subdomains become a wildcard)."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "*"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(settings: Settings, *, inline_styles: bool = False) -> str:
    images = " ".join(filter(None, ("'self'", "data:", tile_source(settings.tile_url))))
    styles = "'self' 'unsafe-inline'" if inline_styles else "'self'"
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {styles}",
            f"img-src {images}",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class SecurityHeaders:
    """Adds the CSP and the fixed headers to every HTTP answer."""

    def __init__(self, app: ASGIApp, settings: Settings, styled_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.policy = content_security_policy(settings).encode()
        # Pages whose libraries inject <style> elements at run time (Swagger UI, ReDoc): inline styles
        # are allowed there; scripts stay 'self' only everywhere.
        self.styled_paths = frozenset(styled_paths)
        self.styled_policy = content_security_policy(settings, inline_styles=True).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.styled_policy if scope["path"] in self.styled_paths else self.policy

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), *FIXED_HEADERS, (b"content-security-policy", policy)]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)
