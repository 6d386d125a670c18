"""Times the planner gap map on a synthetic catalog (default 100k service-locations, 100k gap events).

    .venv/bin/python -m bench.gapmap [--services 100000] [--gap-events 100000] [--fresh] [--repeat 3]
    .venv/bin/python -m bench.gapmap --database divert_bench_1m   # an existing catalog, read only

The catalog comes from bench.generate into its own database (`divert_bench_gaps_<n>`), so the app's
and the tests' databases are untouched. Every figure is server-side work through the real app
(FastAPI TestClient: query, Python reach/status, serialisation). Maps at resolutions 4-7 read the
gap_site / gap_cell projection (migration 0005, kept by refresh_services); a catalog without a filled
location cell cache gets one res-9 call first, which fills it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from bench import cpu
from bench.databases import database_url_named, ensure_database, service_location_count
from bench.generate import generate_catalog
from divert.settings import LOCAL_DATABASE_URL, Settings

CASES: tuple[tuple[str, dict[str, str]], ...] = (
    ("gaps json, res 7 (all needs, intercepts; first page)", {}),
    ("gaps json, res 7, the whole map in one response", {"limit": "2000000"}),
    ("gaps geojson, res 7", {"format": "geojson"}),
    ("gaps csv, res 7", {"format": "csv"}),
    ("gaps json, res 5", {"resolution": "5"}),
    ("gaps json, res 9 (supply only)", {"resolution": "9"}),
    ("gaps json, one need (shelter), res 7", {"need": "shelter"}),
    ("gaps json, shelter at intercept 4, res 7", {"need": "shelter", "intercept": "4"}),
    ("sim table (json), all needs", {"sim": "1"}),
    ("sim table (json), shelter", {"sim": "1", "need": "shelter"}),
)


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def _backend_cpu_seconds(url: str) -> float:
    """CPU used so far by the server processes serving the benchmark database (same host: /proc)."""
    return cpu.cpu_seconds(cpu.backend_pids(url))


def run(
    services: int,
    gap_events: int,
    *,
    fresh: bool,
    repeat: int,
    base_url: str,
    database: str | None = None,
    only: list[str] | None = None,
) -> Iterator[str]:
    if database:  # an existing catalog (e.g. `divert bench generate`'s): nothing generated or dropped
        url = database_url_named(base_url, database)
    else:
        name = f"divert_bench_gaps_{services // 1000}k" if services >= 1000 else f"divert_bench_gaps_{services}"
        url = ensure_database(base_url, name, fresh=fresh)
    if not database and service_location_count(url) == 0:
        seconds, report = _timed(lambda: generate_catalog(url, services, gap_events=gap_events, seed=11))
        yield (
            f"generated {report.service_locations} service-locations, {report.gap_events} gap events in {seconds:.0f} s"
        )

    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from api.app import create_app
    from api.auth.keys import create_key
    from divert.db import session_scope

    settings = Settings(DATABASE_URL=url)
    with session_scope(settings) as session:
        token = create_key(session, "planner", name="bench-gapmap")
        counts = session.execute(
            text(
                "SELECT (SELECT count(*) FROM service), (SELECT count(*) FROM service_at_location),"
                " (SELECT count(*) FROM gap_event), (SELECT count(*) FROM location_cell)"
            )
        ).one()
        cached = counts[3]
    yield (
        f"catalog: {counts[0]} services, {counts[1]} service-locations, {counts[2]} gap events "
        f"(window: last 60 days of events, the map's default 30)"
    )
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings)) as client:

        def call(params: dict[str, str]) -> Any:
            path = "/v1/gaps/sim" if params.get("sim") else "/v1/gaps"
            query = {k: v for k, v in params.items() if k != "sim"}
            r = client.get(path, params=query, headers=headers)
            assert r.status_code == 200, r.text[:300]
            return r

        if not cached:  # maps at res 4-7 read cells from gap_site; res 8-9 fill the location cache first
            seconds, response = _timed(lambda: call({"resolution": "9", "limit": "1"}))
            yield (
                f"first res-9 call, filling the H3 cell cache of every location: {seconds:.2f} s "
                f"({response.json()['total_rows']} rows)"
            )
        # Wall time, and CPU time (this process: routing, Python, serialisation; plus the database
        # backends): on a shared machine the CPU figure is what a quiet 2-core server would need.
        for label, params in CASES:
            if only and not any(word in label for word in only):
                continue
            walls: list[float] = []
            cpus: list[float] = []
            size = 0
            for _ in range(repeat):
                cpu_before, db_before = time.process_time(), _backend_cpu_seconds(url)
                seconds, response = _timed(lambda p=params: call(p))  # type: ignore[misc]
                cpus.append(time.process_time() - cpu_before + _backend_cpu_seconds(url) - db_before)
                walls.append(seconds)
                size = len(response.content)
            body_rows = (
                ""
                if params.get("format") or params.get("sim")
                else f", {len(response.json()['rows'])} of {response.json()['total_rows']} rows"
            )
            yield (
                f"{label}: wall {statistics.median(walls):.2f} s, cpu {statistics.median(cpus):.2f} s "
                f"(median of {repeat}; {size / 1e6:.1f} MB{body_rows})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=100_000, help="service-locations to generate")
    parser.add_argument("--gap-events", type=int, default=100_000)
    parser.add_argument("--fresh", action="store_true", help="drop and regenerate the benchmark database")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--server", default=LOCAL_DATABASE_URL, help="a database URL on the target server")
    parser.add_argument("--database", help="time this existing catalog on the server instead (read only)")
    parser.add_argument("--case", action="append", help="only cases whose label contains this (repeatable)")
    args = parser.parse_args()
    lines = run(
        args.services,
        args.gap_events,
        fresh=args.fresh,
        repeat=args.repeat,
        base_url=args.server,
        database=args.database,
        only=args.case,
    )
    for line in lines:
        print(line, flush=True)


if __name__ == "__main__":
    main()
