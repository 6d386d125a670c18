"""A loopback stand-in for a Meilisearch server that searches the way Meilisearch documents it.

No Meilisearch binary exists here, so the backend contract tests (test_search_backends.py) run the
Meilisearch backend against this server too. It keeps what the index settings and documents say and
answers `POST /indexes/{uid}/search` with Meilisearch's documented rules, written from its docs and
not from our client: case and accents folded; every query word must match (a word of 5-8 letters may
have one typo, 9 or more two; the last word may be a prefix); a query word or phrase that is a key of
the `synonyms` setting also matches any of its synonyms; `filter` clauses `IN [...]`, `=` and
`_geoRadius(lat, lng, meters)`; no stemming. Ranking: more exact words first, then id.
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

_WORD = re.compile(r"\w+", re.UNICODE)
_IN = re.compile(r"^(\w+) IN \[(.*)\]$")
_EQ = re.compile(r"^(\w+) = (.+)$")
_GEO = re.compile(r"^_geoRadius\(([-\d.]+), ([-\d.]+), (\d+)\)$")


def _normalized(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return _WORD.findall("".join(c for c in decomposed if not unicodedata.combining(c)))


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _typos_allowed(word: str) -> int:
    return 0 if len(word) < 5 else 1 if len(word) < 9 else 2


def _word_matches(query_word: str, words: list[str], last: bool) -> tuple[bool, bool]:
    """(matches, exactly)."""
    if query_word in words:
        return True, True
    if last and any(w.startswith(query_word) for w in words):
        return True, False
    allowed = _typos_allowed(query_word)
    return allowed > 0 and any(_distance(query_word, w) <= allowed for w in words), False


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


class MeiliModel:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self.settings: dict[str, Any] = {}
        self.tasks: list[dict[str, Any]] = []
        self.searches: list[dict[str, Any]] = []

    def _task(self, kind: str, status: str = "succeeded", error: Any = None) -> dict[str, Any]:
        self.tasks.append({"uid": len(self.tasks), "type": kind, "status": status, "error": error})
        return {"taskUid": len(self.tasks) - 1, "status": "enqueued"}

    def _passes(self, doc: dict[str, Any], clause: str) -> bool:
        if m := _IN.match(clause):
            wanted = json.loads(f"[{m.group(2)}]")
            value = doc.get(m.group(1))
            values = value if isinstance(value, list) else [value]
            return any(v in wanted for v in values)
        if m := _GEO.match(clause):
            geo = doc.get("_geo")
            lat, lng, meters = float(m.group(1)), float(m.group(2)), float(m.group(3))
            return geo is not None and _haversine_m(lat, lng, geo["lat"], geo["lng"]) <= meters
        if m := _EQ.match(clause):
            return bool(doc.get(m.group(1)) == json.loads(m.group(2)))
        raise ValueError(f"filter clause this fake does not know: {clause}")

    def _alternatives(self, words: list[str]) -> list[list[list[str]]]:
        """The query as units, each a list of alternatives (word lists): synonym keys longest first."""
        synonyms = {
            tuple(_normalized(k)): [_normalized(v) for v in vs] for k, vs in self.settings.get("synonyms", {}).items()
        }
        longest = max((len(k) for k in synonyms), default=1)
        units, i = [], 0
        while i < len(words):
            for size in range(min(longest, len(words) - i), 0, -1):
                key = tuple(words[i : i + size])
                if key in synonyms:
                    units.append([list(key), *synonyms[key]])
                    break
            else:
                size = 1
                units.append([[words[i]]])
            i += size
        return units

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        self.searches.append(body)
        words = _normalized(body.get("q") or "")
        units = self._alternatives(words)
        fields = self.settings.get("searchableAttributes", ["name", "description"])
        hits = []
        for doc in self.documents.values():
            if not all(self._passes(doc, c) for c in body.get("filter", [])):
                continue
            text = _normalized(" ".join(str(doc.get(f) or "") for f in fields))
            exact = 0
            for n, unit in enumerate(units):
                found = False
                for alternative in unit:
                    results = [
                        _word_matches(w, text, last=(n == len(units) - 1 and k == len(alternative) - 1))
                        for k, w in enumerate(alternative)
                    ]
                    if all(ok for ok, _ in results):
                        found = True
                        exact += all(e for _, e in results)
                        break
                if not found:
                    break
            else:
                hits.append((exact, doc["id"]))
        hits.sort(key=lambda h: (-h[0], h[1]))
        top = max((h[0] for h in hits), default=0) or 1
        chosen = hits[body.get("offset", 0) : body.get("offset", 0) + body.get("limit", 20)]
        return {"hits": [{"id": i, "_rankingScore": 0.5 + 0.5 * e / top} for e, i in chosen]}

    def handle(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        url = urlparse(path).path
        if method == "POST" and url == "/indexes":
            return 202, self._task("indexCreation")
        if method == "PATCH" and url.endswith("/settings"):
            self.settings.update(body)
            return 202, self._task("settingsUpdate")
        if method == "POST" and url.endswith("/documents"):
            self.documents.update({d["id"]: d for d in body})
            return 202, self._task("documentAdditionOrUpdate")
        if method == "POST" and url.endswith("/documents/delete-batch"):
            for i in body:
                self.documents.pop(i, None)
            return 202, self._task("documentDeletion")
        if method == "GET" and url.startswith("/tasks/"):
            return 200, self.tasks[int(url.rsplit("/", 1)[1])]
        if method == "POST" and url.endswith("/search"):
            return 200, self.search(body)
        return 404, {"message": "not found", "code": "not_found"}


@contextmanager
def meili_server() -> Iterator[tuple[MeiliModel, str]]:
    model = MeiliModel()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            status, answer = model.handle(self.command, self.path, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield model, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
