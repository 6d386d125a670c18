"""Helpers shared by the capacity tests: the clock, organization ids, report bodies, and a scriptable
HTTP handler that plays a provider's capacity feed."""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

ORG_A = "org-a"
ORG_B = "org-b"
NOW = datetime.now(UTC).replace(microsecond=0)


def hours_ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


def report(available: float, updated: datetime, **extra: Any) -> dict[str, Any]:
    return {"available": available, "updated": updated.isoformat(), **extra}


# --- a local HTTP server playing a provider's capacity feed ------------------------------------------


@dataclass
class FeedScript:
    """What the local feed serves on each path: status, body, ETag, and an optional delay."""

    routes: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, str | None]] = field(default_factory=list)

    def serve(
        self,
        path: str,
        *,
        status: int = 200,
        body: Any = None,
        etag: str | None = None,
        delay: float = 0.0,
        raw: bytes | None = None,
    ) -> None:
        self.routes[path] = {"status": status, "body": body, "etag": etag, "delay": delay, "raw": raw}


class FeedHandler(BaseHTTPRequestHandler):
    script: FeedScript

    def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
        route = self.script.routes.get(self.path, {"status": 404, "body": None, "etag": None, "delay": 0, "raw": None})
        self.script.requests.append({"path": self.path, "if_none_match": self.headers.get("If-None-Match")})
        if route["delay"]:
            time.sleep(route["delay"])
        etag = route["etag"]
        if route["status"] == 200 and etag and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        payload = route["raw"] if route["raw"] is not None else json.dumps(route["body"]).encode()
        self.send_response(route["status"])
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        with contextlib.suppress(OSError):  # the poller may have given up (timeout test)
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return
