"""The request guard: what every request passes before any route, dependency or key check runs.

One plain ASGI middleware enforces, in this order (CONTRACT §2):
1. **Body size.** Each route family has a limit (settings `*_body_limit_bytes`); a `Content-Length`
   over it is 413 without reading a byte, and a body sent without one (chunked) is counted as it
   streams and cut off at the limit. Bodies of ordinary routes are read here, whole but bounded, so
   that no route, no JSON parser and no key look-up ever sees more; the import route streams.
2. **Text hygiene.** A NUL byte, or text that is not UTF-8 (an unpaired surrogate cannot be written
   as UTF-8), in the path or any query parameter is 422 naming the parameter; in a JSON body, a NUL
   or an unpaired surrogate in any key or string is 422 naming the field, and JSON nesting deeper
   than `MAX_JSON_DEPTH` is 422 like any unparseable body. PostgreSQL text cannot store NUL and a
   surrogate cannot be encoded for it: caught here once, no route needs its own check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl, unquote_to_bytes

import orjson
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from divert.errors import PayloadTooLarge, error_body
from divert.settings import Settings

# CONTRACT §2: a body nesting deeper than this is refused like one that is not JSON.
MAX_JSON_DEPTH: Final = 1000
# A surrogate code point that survived JSON decoding is unpaired (a paired one decodes to one char).
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class BodyRule:
    """A route family's body limit: the setting that holds it, and whether the route streams."""

    method: str
    path: re.Pattern[str]
    setting: str
    streamed: bool = False


# First match wins; anything else gets `body_limit_bytes`.
BODY_RULES: Final = (
    BodyRule("POST", re.compile(r"^/v1/match/?$"), "match_body_limit_bytes"),
    BodyRule("POST", re.compile(r"^/v1/holds(/.*)?$"), "hold_body_limit_bytes"),
    BodyRule("POST", re.compile(r"^/v1/services/[^/]+/reports/?$"), "report_body_limit_bytes"),
    BodyRule("PATCH", re.compile(r"^/v1/reports/[^/]+/?$"), "report_body_limit_bytes"),
    BodyRule("POST", re.compile(r"^/v1/capacity/?$"), "capacity_batch_body_limit_bytes"),
    BodyRule("POST", re.compile(r"^/v1/import/"), "import_body_limit_bytes", streamed=True),
)


def body_rule(settings: Settings, method: str, path: str) -> tuple[int, bool]:
    """(limit in bytes, streamed) for a request."""
    for rule in BODY_RULES:
        if rule.method == method and rule.path.match(path):
            return int(getattr(settings, rule.setting)), rule.streamed
    return settings.body_limit_bytes, False


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the request body is larger than this route accepts ({limit} bytes)", limit=limit)


def _problem(field: str, message: str) -> JSONResponse:
    return JSONResponse(
        error_body("invalid_input", f"invalid {field}: {message}", errors=[{"field": field, "message": message}]),
        status_code=422,
    )


def _text_problem(raw: bytes) -> str | None:
    if b"\x00" in raw:
        return "must not contain NUL characters"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "must be UTF-8 text (no unpaired surrogates)"
    return None


def query_problem(query_string: bytes) -> tuple[str, str] | None:
    """(parameter, message) for the first query parameter that is not storable text."""
    if not query_string:
        return None
    # latin-1 maps each byte to one char, so the percent-decoded bytes can be judged as bytes.
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="latin-1"):
        for part in (name, value):
            message = _text_problem(part.encode("latin-1"))
            if message:
                shown = name.encode("latin-1").decode("utf-8", "replace").replace("\x00", "\\0")
                return shown or "query", message
    return None


def path_patterns(app: Any) -> list[re.Pattern[str]]:
    """The path templates of every route with parameters, as regular expressions with named groups.

    FastAPI wraps included routers; each wrapper lists its routes' effective contexts."""
    patterns = []
    for route in getattr(getattr(app, "router", None), "routes", ()):
        contexts = getattr(route, "effective_route_contexts", None)
        for item in contexts() if callable(contexts) else [route]:
            regex = getattr(item, "path_regex", None)
            if regex is not None and regex.groupindex:
                patterns.append(regex)
    return patterns


def path_problem(scope: Scope, patterns: list[re.Pattern[str]]) -> tuple[str, str] | None:
    """(path parameter, message) when the decoded path is not storable text."""
    raw = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    message = _text_problem(unquote_to_bytes(raw))
    if message is None:
        return None
    for pattern in patterns:
        matched = pattern.match(scope["path"])
        if matched:
            for name, value in matched.groupdict().items():
                if value and ("\x00" in value or "\ufffd" in value):
                    return name, message
    return "path", message


def _walk(document: Any) -> Iterator[tuple[str, Any, int]]:
    """(field path, value, depth) of every key and value, iteratively (no recursion limit to hit)."""
    stack: list[tuple[str, Any, int]] = [("", document, 0)]
    while stack:
        path, value, depth = stack.pop()
        yield path, value, depth
        if isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                yield child, key, depth + 1
                stack.append((child, item, depth + 1))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                stack.append((f"{path}.{index}" if path else str(index), item, depth + 1))


def json_body_problem(raw: bytes) -> tuple[str, str] | None:
    """(field, message) for a JSON body that nests too deep or holds text PostgreSQL cannot store.

    A body that is not JSON at all passes: the route's own parser answers that 422."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "depth" in str(exc) or "recursion" in str(exc):
            return "body", f"JSON nests deeper than {MAX_JSON_DEPTH} levels"
        try:  # the standard library (the route's parser) also reads lone surrogates and NaN
            document = json.loads(raw)
        except RecursionError:
            return "body", f"JSON nests deeper than {MAX_JSON_DEPTH} levels"
        except (ValueError, UnicodeDecodeError):
            return None
    for path, value, depth in _walk(document):
        if depth > MAX_JSON_DEPTH:
            return "body", f"JSON nests deeper than {MAX_JSON_DEPTH} levels"
        if isinstance(value, str):
            if "\x00" in value:
                return path or "body", "must not contain NUL characters"
            if _SURROGATE.search(value):
                return path or "body", "must not contain unpaired surrogates"
    return None


def _is_json(headers: Headers) -> bool:
    content_type = headers.get("content-type")
    if not content_type:
        return True  # FastAPI parses a body without a content type as JSON
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


class RequestGuard:
    """Body limits and text hygiene before the app (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.patterns: list[re.Pattern[str]] | None = None  # read from the app on first use

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.patterns is None:
            self.patterns = path_patterns(scope.get("app"))
        problem = path_problem(scope, self.patterns) or query_problem(scope.get("query_string", b""))
        if problem:
            await _problem(*problem)(scope, receive, send)
            return
        limit, streamed = body_rule(self.settings, scope["method"], scope["path"])
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(_too_large(limit), scope, receive, send)
            return
        if streamed:
            await self.app(scope, _counting(receive, limit), send)
            return
        if (
            scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE")
            and declared is None
            and "transfer-encoding" not in headers
        ):
            await self.app(scope, receive, send)
            return
        try:
            body = await _read_bounded(receive, limit)
        except PayloadTooLarge as exc:
            await self._refuse(exc, scope, receive, send)
            return
        if body and _is_json(headers):
            problem = json_body_problem(body)
            if problem:
                await _problem(*problem)(scope, receive, send)
                return
        await self.app(scope, _replay(body, receive), send)

    @staticmethod
    async def _refuse(exc: PayloadTooLarge, scope: Scope, receive: Receive, send: Send) -> None:
        # Connection: close, so the server need not read (and discard) the rest of a huge body.
        response = JSONResponse(
            error_body(exc.code, exc.detail, **exc.extra), status_code=413, headers={"Connection": "close"}
        )
        await response(scope, receive, send)


async def _read_bounded(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect, as the server would

    return replay


def _counting(receive: Receive, limit: int) -> Receive:
    """A streamed body cut off at the limit: the route's read raises PayloadTooLarge (413)."""
    size = 0

    async def counting() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise _too_large(limit)
        return message

    return counting
