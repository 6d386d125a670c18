"""The directory search row of `divert bench run`, alone: for comparing two versions in the same minute.

It sends the bench's own geo + text searches (`bench.workload.search_queries`, the same seed, the
same warm-up of 20, then 300 timed, one client) either through a live `divert serve` on loopback
(as the bench does) or in process (FastAPI's TestClient), prints p50 / p95 and can write every
answer's ids, distances and page fields to a JSON file, so two runs can be checked for the same
answers (`--compare`). Run it against a copy of a bench database, never the lead's:

    python bench/search_probe.py --url postgresql://…/search_1m --live --answers before.json
    python bench/search_probe.py --url postgresql://…/search_1m --live --compare before.json

It imports only what `bench.run` and `bench.workload` have had since the search row existed, so
run as a file with another checkout on PYTHONPATH it measures that checkout's code.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

import httpx

from bench import cpu
from bench.run import live_server
from bench.workload import percentile, search_queries

WARMUP: Final = 20
TIMED: Final = 300
PAGE_FIELDS: Final = ("total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty")
Get = Callable[[dict[str, Any]], httpx.Response]


@contextmanager
def in_process(url: str) -> Iterator[Get]:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from divert.settings import Settings

    with TestClient(create_app(Settings(DATABASE_URL=url))) as client:
        yield lambda params: client.get("/v1/service_at_locations", params=params)


@contextmanager
def over_http(url: str) -> Iterator[Get]:
    with live_server(url) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield lambda params: client.get("/v1/service_at_locations", params=params)


def answer_of(body: dict[str, Any], raw: bytes | None = None) -> dict[str, Any]:
    """What must not change: the page fields and, per item, id, service, location, distance and reach;
    with `raw` (`--bodies`) also the SHA-256 of the whole response body, byte for byte."""
    items = [
        [i["id"], i.get("service_id"), i.get("location_id"), i.get("distance_km"), i.get("reach")]
        for i in body["contents"]
    ]
    answer = {**{k: body.get(k) for k in PAGE_FIELDS}, "items": items}
    if raw is not None:
        answer["body_sha256"] = hashlib.sha256(raw).hexdigest()
    return answer


def database_cpu_ms(url: str) -> float:
    """CPU time (user + system) so far of every server process connected to the database, in ms.

    On a busy machine wall time says as much about the neighbours as about the code; the CPU the
    database spent on the requests does not depend on them (much). Linux only; 0 elsewhere.
    """
    return cpu.cpu_seconds(cpu.backend_pids(url)) * 1000


def children_cpu_ms() -> float:
    """CPU time (user + system) so far of this process's descendants (the live server), in ms.
    Linux only; 0 elsewhere."""
    own = os.getpid()
    return cpu.cpu_seconds(pid for pid in cpu.family(own) if pid != own) * 1000


def probe(
    get: Get, seed: int, pages: tuple[int, ...], url: str, bodies: bool = False
) -> tuple[list[float], list[dict[str, Any]], str]:
    queries = search_queries(WARMUP + TIMED, seed)
    for q in queries[:WARMUP]:
        get(q).raise_for_status()
    timings: list[float] = []
    answers: list[dict[str, Any]] = []
    db0, own0, server0 = database_cpu_ms(url), time.process_time(), children_cpu_ms()
    for q in queries[WARMUP:]:
        t0 = time.perf_counter()
        r = get(q)
        timings.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
        answers.append({"query": q, **answer_of(r.json(), r.content if bodies else None)})
    db_ms, own_ms = database_cpu_ms(url) - db0, (time.process_time() - own0) * 1000
    server_ms = children_cpu_ms() - server0
    cpu = f"CPU per request: database {db_ms / TIMED:.1f} ms, this process {own_ms / TIMED:.1f} ms"
    if server_ms:
        cpu += f", the server process {server_ms / TIMED:.1f} ms"
    # Later pages are not timed (the bench asks page 1 only) but their answers are compared too.
    for page in pages:
        for q in queries[WARMUP:]:
            r = get({**q, "page": page})
            r.raise_for_status()
            answers.append({"query": {**q, "page": page}, **answer_of(r.json(), r.content if bodies else None)})
    return timings, answers, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL"), required="DATABASE_URL" not in os.environ)
    parser.add_argument("--live", action="store_true", help="through `divert serve` on loopback (as the bench)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pages", default="", help="also compare these later pages, e.g. 2,6")
    parser.add_argument("--answers", help="write the answers to this JSON file")
    parser.add_argument("--compare", help="fail unless the answers equal those in this JSON file")
    parser.add_argument("--bodies", action="store_true", help="answers include the SHA-256 of each whole response body")
    args = parser.parse_args(argv)
    pages = tuple(int(p) for p in args.pages.split(",") if p)
    with (over_http if args.live else in_process)(args.url) as get:
        timings, answers, cpu = probe(get, args.seed, pages, args.url, args.bodies)
    values = sorted(timings)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    where = "live server" if args.live else "in process"
    print(
        f"{where}: n={len(values)} p50={percentile(values, 50):.1f} ms p95={percentile(values, 95):.1f} ms "
        f"max={values[-1]:.1f} ms (load {load})"
    )
    # In process the app runs here, so "this process" is the API's CPU; over HTTP it is the client's.
    print(cpu)
    if args.answers:
        with open(args.answers, "w") as f:
            json.dump(answers, f)
    if args.compare:
        with open(args.compare) as f:
            expected = json.load(f)
        differ = [a["query"] for a, b in zip(answers, expected, strict=False) if a != b]
        if len(answers) != len(expected) or differ:
            print(f"answers differ: {len(differ)} of {len(answers)} (first: {differ[:1]})")
            return 1
        print(f"the same answers for all {len(answers)} requests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
