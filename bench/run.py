"""The benchmark suite: match latency against its SQL floor, search, import, capacity and gap map.

Each scale gets its own database (`divert_bench_10k`, ...), generated once and reused while its size
matches. The API is measured as clients see it (a live uvicorn on 127.0.0.1, keep-alive clients in
threads: bench/client.py, whose own cost on a trivial route is recorded beside it) and, separately,
the match handler in-process; the floor is the matcher's own candidate query (catalog.candidates) run
directly with psycopg in the same run. The suite runs in interleaved rounds (bench/rounds.py) and
records medians with their spread (bench/record.py), appended to docs/benchmarks.md with the machine
they ran on. Only what was measured is written down; anything that could not be measured is said so.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pathlib
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import httpx
import psycopg

from bench import cpu
from bench.client import Client, ClientError, Response
from bench.databases import ensure_database, service_location_count
from bench.rounds import combine, interleaved
from bench.targets import TARGET_MATCH_P95_MS
from bench.workload import hsds_services, match_requests, percentile, search_queries

REPO: Final = pathlib.Path(__file__).resolve().parents[1]
RESULTS_DOC: Final = REPO / "docs" / "benchmarks.md"
SCALE_SIZES: Final = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
WARMUP_REQUESTS: Final = 50
IMPORT_SERVICES: Final = 5000
IMPORT_BATCH: Final = 1000
CAPACITY_SINGLE: Final = 300
CAPACITY_BATCH: Final = 500
CAPACITY_BATCHES: Final = 10
SEARCH_REQUESTS: Final = 300
# Requests to a route that does no work (`GET /v1/`): the client's own share of every figure.
CLIENT_FLOOR_REQUESTS: Final = 300
GAP_REQUESTS: Final = 5
GAP_SIM_REQUESTS: Final = 3  # the SIM table judges every area of the region: seconds each at 1M
GAP_SIM_TIMEOUT_S: Final = 300.0

Echo = Callable[[str], None]


@dataclass
class BenchOptions:
    scales: list[str]
    clients: int = 4
    requests: int = 2000
    soak: bool = False
    soak_seconds: float = 300.0
    soak_rate: float = 20.0
    regenerate: bool = False
    record: bool = True
    seed: int = 1
    server_workers: int = 1
    rounds: int = 3
    # The N-client, N-worker row: `parallel_clients` clients against a server of `parallel_workers`
    # processes, beside the floor on `parallel_clients` connections in the same round.
    parallel_clients: int = 8
    parallel_workers: int = 2
    # Timed `/v1/gaps/sim` requests per scale and round (after one warm-up); 0 skips the row. The table
    # takes about a minute at 1M, so three rounds of it add a quarter of an hour to a run.
    sim_requests: int = GAP_SIM_REQUESTS


@dataclass
class Latencies:
    """Milliseconds of each request, plus the errors and the wall time they took together."""

    ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0
    # The server's own time for each answered request (its Server-Timing header), when it says.
    server_ms: list[float] = field(default_factory=list)
    # CPU milliseconds per request by whom ("database", "api", "client"), where it was read (bench/cpu.py).
    cpu_ms: dict[str, float] = field(default_factory=dict)

    def add_error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def summary(self) -> dict[str, float]:
        values = sorted(self.ms)
        return {
            "n": float(len(values)),
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "p99": percentile(values, 99),
            "max": values[-1] if values else float("nan"),
            "per_s": len(values) / self.wall_s if self.wall_s else float("nan"),
            "errors": float(sum(self.errors.values())),
            **self._server_summary(),
            **{f"cpu_{who}_ms": ms for who, ms in self.cpu_ms.items()},
        }

    def _server_summary(self) -> dict[str, float]:
        if not self.server_ms:
            return {}
        values = sorted(self.server_ms)
        return {
            "server_p50": percentile(values, 50),
            "server_p95": percentile(values, 95),
            "server_p99": percentile(values, 99),
        }


Job = Callable[[Client], Response]


def server_time_ms(response: Response) -> float | None:
    """The `app;dur=` of a Server-Timing header, in milliseconds."""
    for part in response.headers.get("server-timing", "").split(","):
        name, _, params = part.strip().partition(";")
        if name == "app" and params.startswith("dur="):
            with contextlib.suppress(ValueError):
                return float(params[4:])
    return None


# ---------------------------------------------------------------------------------------------------
# The machine


def machine() -> dict[str, str]:
    """nproc, RAM, CPU model and PostgreSQL version, for the record beside every number."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with contextlib.suppress(OSError):
        for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return {
        "nproc": str(os.cpu_count()),
        "ram": ram,
        "cpu": cpu,
        "python": platform.python_version(),
        "load": load_average(),
        "cpu_probe": f"{cpu_probe_ms():.0f} ms",
    }


def cpu_probe_ms() -> float:
    """A fixed pure-Python workload (sorting and hashing, the matcher's kind of work), best of 5.

    On a shared virtual machine the CPU a process gets varies by the hour (the same matcher code
    measured 3.4 and 5.5 ms per request 30 minutes apart); this number beside each run says which
    kind of hour it was. Lower is faster.
    """
    data = [(i * 7919) % 10007 for i in range(20_000)]
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(10):
            sorted(data)
            {str(x): x for x in data}
        best = min(best, (time.perf_counter() - t0) * 1000)
    return best


def load_average() -> str:
    """The 1/5/15-minute load: a shared machine's other work shows up in every latency."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def postgres_facts(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        shared = conn.execute("SHOW shared_buffers").fetchone()
        postgis = conn.execute("SELECT postgis_lib_version()").fetchone()
    return {
        "postgres": str(version[0]) if version else "?",
        "shared_buffers": str(shared[0]) if shared else "?",
        "postgis": str(postgis[0]) if postgis else "?",
    }


# ---------------------------------------------------------------------------------------------------
# The floor: catalog.candidates' own statement (DRIVER_SQL), straight through psycopg


def floor_latencies(url: str, requests: list[dict[str, Any]]) -> Latencies | None:
    """The candidate query of each request, one connection, prepared, rows fetched: the SQL floor."""
    try:
        from catalog.candidates import DRIVER_SQL as sql
        from catalog.candidates import query_params
    except ImportError:
        return None
    result = Latencies()
    with psycopg.connect(url, autocommit=True) as conn:
        for body in requests[:WARMUP_REQUESTS]:
            conn.execute(sql, _floor_params(query_params, body), prepare=True).fetchall()
        start = time.perf_counter()
        for body in requests:
            t0 = time.perf_counter()
            conn.execute(sql, _floor_params(query_params, body), prepare=True).fetchall()
            result.ms.append((time.perf_counter() - t0) * 1000)
        result.wall_s = time.perf_counter() - start
    return result


def floor_parallel(url: str, requests: list[dict[str, Any]], connections: int) -> Latencies | None:
    """The floor on `connections` connections at once (one thread each, the requests shared out):
    what the database and this machine can do for this work, the ceiling for N API clients."""
    try:
        from catalog.candidates import DRIVER_SQL as sql
        from catalog.candidates import query_params
    except ImportError:
        return None
    result = Latencies()
    lock = threading.Lock()
    counter = itertools.count()
    failures: list[BaseException] = []

    def worker(conn: psycopg.Connection[Any]) -> None:
        try:
            while (i := next(counter)) < len(requests):
                t0 = time.perf_counter()
                conn.execute(sql, _floor_params(query_params, requests[i]), prepare=True).fetchall()
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    result.ms.append(elapsed)
        except BaseException as exc:  # reported after the threads are joined
            failures.append(exc)

    conns = [psycopg.connect(url, autocommit=True) for _ in range(connections)]
    try:
        for conn in conns:  # each connection prepares its statement before the clock starts
            for body in requests[:5]:
                conn.execute(sql, _floor_params(query_params, body), prepare=True).fetchall()
        threads = [threading.Thread(target=worker, args=(conn,), daemon=True) for conn in conns]
        meter = CpuMeter(database=lambda: cpu.postgres_pids(url))
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        result.wall_s = time.perf_counter() - start
        result.cpu_ms = meter.per_request(len(result.ms))
    finally:
        for conn in conns:
            conn.close()
    if failures:
        raise failures[0]
    return result


def _floor_params(query_params: Callable[..., dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
    return query_params(
        body["needs"], body["location"]["lat"], body["location"]["lon"], body["radius_km"], body["limit"]
    )


def explain_floor(url: str, body: dict[str, Any]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one candidate query, for the record when a target is missed."""
    from catalog.candidates import DRIVER_SQL, query_params

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + DRIVER_SQL, _floor_params(query_params, body)).fetchall()
    return "\n".join(str(r[0]) for r in rows)


# ---------------------------------------------------------------------------------------------------
# In-process: the match handler's own work, without HTTP


def handler_latencies(url: str, requests: list[dict[str, Any]]) -> Latencies | None:
    """run_match timed in this process, each in its own committed session (as a request would be)."""
    try:
        from api.auth.keys import Caller
        from api.match.schemas import MatchIn
        from api.match.service import run_match
    except ImportError:
        return None
    from divert.db import session_factory
    from divert.settings import Settings

    settings = Settings(DATABASE_URL=url)
    sessions = session_factory(settings)
    caller = _caller(Caller)
    result = Latencies()

    def once(body: dict[str, Any]) -> float:
        t0 = time.perf_counter()
        with sessions() as session:
            run_match(session, settings, caller, MatchIn.model_validate(body))
            session.commit()
        return (time.perf_counter() - t0) * 1000

    for body in requests[:WARMUP_REQUESTS]:
        once(body)
    start = time.perf_counter()
    for body in requests:
        result.ms.append(once(body))
    result.wall_s = time.perf_counter() - start
    return result


def _caller(caller_type: Any) -> Any:
    """An unbound case-manager caller, as a key without a program would be."""
    return caller_type(key_id=0, role="case_manager", name="bench")


# ---------------------------------------------------------------------------------------------------
# A live server on loopback


# The uvicorn parent process serving each live server's base URL (its workers are its children).
SERVER_PIDS: dict[str, int] = {}


class CpuMeter:
    """CPU used from now on by the database's processes, the API's and this process (the clients):
    `per_request(n)` in milliseconds per request. Process lists are read at both ends, so a process
    started in between counts whole; one that ended in between is lost (none does in these rows)."""

    def __init__(self, **groups: Callable[[], list[int]]) -> None:
        self.groups = groups
        self.pids = {who: list_pids() for who, list_pids in groups.items()} if cpu.available() else {}
        self.start = {who: cpu.cpu_seconds(pids) for who, pids in self.pids.items()}
        self.own = _own_cpu_s()

    def per_request(self, n: int) -> dict[str, float]:
        if not self.pids or not n:
            return {}
        # A group with no process here (a database on another host) is left out, not counted as zero.
        used = {
            who: cpu.cpu_seconds(set(self.pids[who]) | set(self.groups[who]())) - self.start[who]
            for who in self.groups
            if self.pids[who]
        }
        used["client"] = _own_cpu_s() - self.own
        return {who: seconds * 1000 / n for who, seconds in used.items()}


def _own_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


@contextlib.contextmanager
def live_server(url: str, workers: int = 1) -> Iterator[str]:
    """uvicorn serving the app on a free 127.0.0.1 port against `url`; stopped on exit."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, DATABASE_URL=url)
    # One bench key sends thousands of matches and holds a minute: limits far above that, so the
    # throttle's counting is still measured but never answers 429 (an operator may set their own).
    for throttle in ("DIVERT_THROTTLE_MATCHES", "DIVERT_THROTTLE_HOLDS"):
        env.setdefault(throttle, str(10**9))
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        str(workers),
    ]
    # The server's log goes to a file, never to an unread pipe: a burst of errors (a database
    # restart) would fill the pipe and block the server's event loop on its next log line.
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log)
        base = f"http://127.0.0.1:{port}"
        SERVER_PIDS[base] = proc.pid
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    tail = log.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"the API server exited: {tail}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(base + "/v1/", timeout=1).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("the API server did not answer within 60 s")
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def api_key(url: str, role: str) -> dict[str, str]:
    from api.auth.keys import create_key
    from divert.db import session_scope
    from divert.settings import Settings

    with session_scope(Settings(DATABASE_URL=url)) as session:
        token = create_key(session, role, name=f"bench-{role}")
    return {"Authorization": f"Bearer {token}"}


def drive(
    base: str,
    clients: int,
    jobs: list[Callable[[Client], Response]],
    expect: tuple[int, ...] = (200,),
    rate_per_s: float | None = None,
    until: float | None = None,
    timeout_s: float = 30,
) -> Latencies:
    """Runs `jobs` from `clients` threads (each its own keep-alive client); a steady rate if asked.

    With `rate_per_s`, request i is sent no earlier than start + i/rate (an open-loop schedule,
    so a slow answer shows up as latency rather than as a lower rate), until `until` if given.
    """
    result = Latencies()
    lock = threading.Lock()
    counter = itertools.count()
    start = time.perf_counter()

    def worker() -> None:
        with Client(base, timeout=timeout_s) as client:
            while True:
                i = next(counter)
                if until is None and i >= len(jobs):
                    return
                if rate_per_s is not None:
                    due = start + i / rate_per_s
                    if until is not None and due > until:
                        return
                    delay = due - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                t0 = time.perf_counter()
                server = None
                try:
                    response = jobs[i % len(jobs)](client)
                    ok = response.status_code in expect
                    what = f"HTTP {response.status_code}"
                    server = server_time_ms(response)
                except ClientError as exc:
                    ok, what = False, type(exc).__name__
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    if ok:
                        result.ms.append(elapsed)
                        if server is not None:
                            result.server_ms.append(server)
                    else:
                        result.add_error(what)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.wall_s = time.perf_counter() - start
    return result


def _paths(base: str) -> set[tuple[str, str]]:
    spec = httpx.get(base + "/openapi.json", timeout=30).json()
    return {(method.upper(), path) for path, ops in spec.get("paths", {}).items() for method in ops}


# ---------------------------------------------------------------------------------------------------
# The suite


def prepare_scale(base_url: str, scale: str, options: BenchOptions, echo: Echo) -> tuple[str, dict[str, Any]]:
    """The scale's database, generated when missing or of the wrong size; facts about the catalog."""
    from bench.generate import generate_catalog

    size = SCALE_SIZES[scale]
    url = ensure_database(base_url, f"divert_bench_{scale}")
    facts: dict[str, Any] = {}
    if options.regenerate or service_location_count(url) != size:
        echo(f"[{scale}] generating {size:,} service-locations")
        report = generate_catalog(
            url,
            size,
            gap_events=max(size // 10, 1000),
            seed=options.seed,
            replace=True,
            progress=lambda m: echo(f"[{scale}]   {m}"),
        )
        facts["generated_s"] = report.total_seconds
        facts["phases"] = dict(report.seconds)
    facts["prewarmed_pages"] = prewarm_matcher_tables(url)
    with psycopg.connect(url) as conn:
        for table in ("service", "service_at_location", "match_site", "service_capacity", "gap_event"):
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            facts[table] = int(row[0]) if row else 0
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        facts["db_size_mb"] = int(row[0]) / 1024 / 1024 if row else 0
    return url, facts


# What a match reads: a server in service keeps these in memory; after a restart or a generation
# they would be read from disk by the first thousand requests, which says nothing about steady state.
_MATCHER_RELATIONS = """
SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
WHERE c.relkind IN ('r', 'i')
  AND (c.relname LIKE 'match\\_site%' OR c.relname LIKE 'match\\_profile%' OR c.relname LIKE '%service\\_capacity%'
       OR c.relname LIKE '%service\\_area%' OR c.relname IN ('service_at_location', 'location', 'location_pkey',
       'ix_service_at_location_service_id', 'hold', 'ix_hold_active'))
"""


def prewarm_matcher_tables(url: str) -> int | None:
    """Loads the matcher's tables and indexes into shared buffers (pg_prewarm); None if unavailable."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            row = conn.execute(f"SELECT sum(pg_prewarm(oid)) FROM ({_MATCHER_RELATIONS}) r").fetchone()
            return int(row[0]) if row and row[0] is not None else 0
    except psycopg.Error:
        return None


def measure_scale(url: str, scale: str, options: BenchOptions, echo: Echo) -> dict[str, Any]:
    """One round at one scale: every measure once (the catalog is prepared before the rounds)."""
    out: dict[str, Any] = {"scale": scale, "notes": []}
    at = datetime.now(UTC).replace(microsecond=0)
    bodies = match_requests(options.requests + WARMUP_REQUESTS, options.seed, at)
    warm, measured = bodies[:WARMUP_REQUESTS], bodies[WARMUP_REQUESTS:]

    echo(f"[{scale}] SQL floor (catalog.candidates query through psycopg)")
    floor = floor_latencies(url, warm + measured)
    if floor is None:
        out["notes"].append("SQL floor not measured: catalog.candidates is not available")
    else:
        out["floor"] = floor.summary()

    echo(f"[{scale}] match handler in-process")
    handler = handler_latencies(url, warm + measured)
    if handler is None:
        out["notes"].append("in-process match not measured: api.match.service.run_match is not available")
    else:
        out["handler"] = handler.summary()

    headers = api_key(url, "admin")
    with live_server(url, options.server_workers) as base:
        paths = _paths(base)

        # What the client itself costs: a route that does no work, through the same client.
        drive(base, 1, [_get_job("/v1/")] * 20)
        out["client_floor"] = drive(base, 1, [_get_job("/v1/")] * CLIENT_FLOOR_REQUESTS).summary()

        def match_job(body: dict[str, Any]) -> Job:
            return lambda c: c.post("/v1/match", json=body, headers=headers)

        if ("POST", "/v1/match") in paths:
            drive(base, 1, [match_job(b) for b in warm])
            echo(f"[{scale}] /v1/match, 1 client")
            out["match_1"] = drive(base, 1, [match_job(b) for b in measured]).summary()
            echo(f"[{scale}] /v1/match, {options.clients} clients")
            out["match_n"] = drive(base, options.clients, [match_job(b) for b in measured]).summary()
            out["clients"] = options.clients
        else:
            out["notes"].append("/v1/match not measured: the route is not in the app yet")

        if ("GET", "/v1/service_at_locations") in paths:
            echo(f"[{scale}] directory geo + text search")
            queries = search_queries(SEARCH_REQUESTS + 20, options.seed)
            jobs = [_search_job(q, headers) for q in queries]
            drive(base, 1, jobs[:20])
            out["search"] = drive(base, 1, jobs[20:]).summary()
        else:
            out["notes"].append("directory search not measured: /v1/service_at_locations is not in the app")

        if ("PUT", "/v1/capacity/{capacity_id}") in paths and ("POST", "/v1/capacity") in paths:
            echo(f"[{scale}] capacity updates, single and batched")
            single, batched = capacity_rates(url, base, headers)
            out["capacity_single"] = single.summary()
            out["capacity_batch"] = batched.summary()
            out["capacity_batch_size"] = CAPACITY_BATCH
            out["capacity_errors"] = {**single.errors, **batched.errors}
        else:
            out["notes"].append("capacity updates not measured: the routes are not in the app yet")

        if ("GET", "/v1/gaps") in paths:
            echo(f"[{scale}] gap map")
            jobs = [lambda c: c.get("/v1/gaps", headers=headers)] * (GAP_REQUESTS + 1)
            drive(base, 1, jobs[:1])
            out["gaps"] = drive(base, 1, jobs[1:]).summary()
        else:
            out["notes"].append("gap map not measured: /v1/gaps is not in the app yet")

        if options.sim_requests and ("GET", "/v1/gaps/sim") in paths:
            echo(f"[{scale}] SIM table")
            jobs = [lambda c: c.get("/v1/gaps/sim", headers=headers)] * (options.sim_requests + 1)
            # A slow table is a figure, not an error: the target is 2 s, the old code took 20 s and more.
            drive(base, 1, jobs[:1], timeout_s=GAP_SIM_TIMEOUT_S)
            out["gaps_sim"] = drive(base, 1, jobs[1:], timeout_s=GAP_SIM_TIMEOUT_S).summary()
        elif options.sim_requests:
            out["notes"].append("SIM table not measured: /v1/gaps/sim is not in the app yet")
        else:
            out["notes"].append("SIM table not measured in this run (--sim-requests 0)")

        if options.soak and ("POST", "/v1/match") in paths:
            echo(f"[{scale}] soak: {options.soak_rate:g} matches/s for {options.soak_seconds:g} s")
            until = time.perf_counter() + options.soak_seconds
            soak = drive(
                base, options.clients, [match_job(b) for b in measured], rate_per_s=options.soak_rate, until=until
            )
            out["soak"] = {
                **soak.summary(),
                "rate": options.soak_rate,
                "seconds": options.soak_seconds,
                "error_kinds": soak.errors,
            }

    if ("POST", "/v1/match") in paths:
        out.update(parallel_rows(url, options, headers, warm, measured, echo, scale))

    gapmap = _optional_gapmap(url)
    if gapmap:
        out["gapmap"] = gapmap
    if floor is not None and "match_1" in out:
        # Per round, so the spread of the ratio is the spread of rounds, not of independent medians.
        out["ratio"] = {
            "p50": out["match_1"]["p50"] / out["floor"]["p50"],
            "p95": out["match_1"]["p95"] / out["floor"]["p95"],
        }
        if out["match_1"]["p95"] > TARGET_MATCH_P95_MS:
            with contextlib.suppress(psycopg.Error):
                out["explain"] = explain_floor(url, measured[0])
    return out


def parallel_rows(
    url: str,
    options: BenchOptions,
    headers: dict[str, str],
    warm: list[dict[str, Any]],
    measured: list[dict[str, Any]],
    echo: Echo,
    scale: str,
) -> dict[str, Any]:
    """The N-client, N-worker row beside the floor on N connections, back to back in one round.

    The floor on N connections is what this machine can do for the matcher's statement with N at once
    (PostgreSQL's processes and the API's share the same cores); the API's share of it is the target."""
    n, workers = options.parallel_clients, options.parallel_workers
    echo(f"[{scale}] SQL floor, {n} connections")
    floor = floor_parallel(url, warm + measured, n)
    if floor is None:
        return {}
    echo(f"[{scale}] /v1/match, {n} clients, server of {workers} workers")
    with live_server(url, workers) as base:
        drive(base, n, [_post_job("/v1/match", b, headers) for b in warm])
        server = SERVER_PIDS[base]
        meter = CpuMeter(database=lambda: cpu.postgres_pids(url), api=lambda: cpu.family(server))
        api = drive(base, n, [_post_job("/v1/match", b, headers) for b in measured])
        api.cpu_ms = meter.per_request(len(api.ms))
    floor_s, api_s = floor.summary(), api.summary()
    return {
        "floor_n": floor_s,
        "match_workers": api_s,
        "parallel": {"share": api_s["per_s"] / floor_s["per_s"], "clients": float(n), "workers": float(workers)},
    }


def _search_job(query: dict[str, Any], headers: dict[str, str]) -> Job:
    return lambda c: c.get("/v1/service_at_locations", params=query, headers=headers)


def capacity_rates(url: str, base: str, headers: dict[str, str]) -> tuple[Latencies, Latencies]:
    """PUT one report at a time, then POST batches; every report newer than the last (so applied)."""
    with psycopg.connect(url) as conn:
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM service_capacity ORDER BY id LIMIT %s",
                (CAPACITY_SINGLE + CAPACITY_BATCH * CAPACITY_BATCHES,),
            ).fetchall()
        ]
    now = datetime.now(UTC)
    single_jobs = []
    for n, cid in enumerate(ids[:CAPACITY_SINGLE]):
        # 0 or 1 unit: within every generated pool's maximum (program pools hold as few as 2).
        report = {"available": n % 2, "waitlist": n % 3, "updated": (now + timedelta(milliseconds=n)).isoformat()}
        single_jobs.append(_put_job(cid, report, headers))
    single = drive(base, 1, single_jobs)
    batch_jobs = []
    rest = ids[CAPACITY_SINGLE:]
    for b in range(CAPACITY_BATCHES):
        chunk = rest[b * CAPACITY_BATCH : (b + 1) * CAPACITY_BATCH]
        later = (now + timedelta(seconds=1)).isoformat()
        updates = [{"capacity_id": cid, "available": n % 2, "updated": later} for n, cid in enumerate(chunk)]
        batch_jobs.append(_post_job("/v1/capacity", {"updates": updates}, headers))
    batches = drive(base, 1, batch_jobs)
    # Rate in reports per second: each timed request carried a whole batch.
    batched = Latencies(
        ms=[ms / CAPACITY_BATCH for ms in batches.ms], errors=batches.errors, wall_s=batches.wall_s / CAPACITY_BATCH
    )
    return single, batched


def _get_job(path: str) -> Job:
    return lambda c: c.get(path)


def _put_job(cid: str, report: dict[str, Any], headers: dict[str, str]) -> Job:
    return lambda c: c.put(f"/v1/capacity/{cid}", json=report, headers=headers)


def _post_job(path: str, body: Any, headers: dict[str, str]) -> Job:
    return lambda c: c.post(path, json=body, headers=headers)


def import_rate(base_url: str, seed: int, echo: Echo) -> dict[str, Any]:
    """HSDS import over HTTP into an empty catalog, then the same data again (nothing changes)."""
    url = ensure_database(base_url, "divert_bench_import", fresh=True)
    services = hsds_services(IMPORT_SERVICES, seed, datetime.now(UTC).replace(microsecond=0))
    headers = api_key(url, "admin")
    out: dict[str, Any] = {"services": IMPORT_SERVICES, "batch": IMPORT_BATCH}
    with live_server(url) as base:
        if ("POST", "/v1/import/hsds") not in _paths(base):
            return {"note": "HSDS import not measured: POST /v1/import/hsds is not in the app yet"}
        batches = [services[i : i + IMPORT_BATCH] for i in range(0, len(services), IMPORT_BATCH)]
        for label in ("first", "again"):
            echo(f"[import] {label}: {IMPORT_SERVICES:,} services in batches of {IMPORT_BATCH}")
            result = drive(base, 1, [_post_job("/v1/import/hsds", {"services": b}, headers) for b in batches])
            out[label] = {
                **result.summary(),
                "services_per_s": IMPORT_SERVICES / result.wall_s if not result.errors else float("nan"),
                "error_kinds": result.errors,
            }
    return out


def _optional_gapmap(url: str) -> dict[str, Any] | None:
    """bench/gapmap.py (the gaps room's own measurement), when it exists."""
    try:
        from bench import gapmap  # type: ignore[attr-defined]
    except ImportError:
        return None
    for name in ("measure", "run", "bench_gapmap", "measure_gapmap"):
        fn = getattr(gapmap, name, None)
        if callable(fn):
            try:
                value = fn(url)
            except TypeError:
                return None
            return value if isinstance(value, dict) else {"result": value}
    return None


def run_suite(options: BenchOptions, echo: Echo = print) -> dict[str, Any]:
    """Every scale and the import, in interleaved rounds (bench/rounds.py); medians and spreads recorded."""
    from bench.record import append_results, render_markdown
    from divert.settings import get_settings

    base_url = get_settings().database_url
    started = datetime.now(UTC)
    results: dict[str, Any] = {
        "machine": machine(),
        "started": started.isoformat(timespec="seconds"),
        "options": options,
        "scales": [],
        "rounds": [],
    }
    results["machine"].update(postgres_facts(base_url))
    # Generation (and the prewarm) before the clock: no round pays for building a catalog.
    urls: dict[str, str] = {}
    facts: dict[str, dict[str, Any]] = {}
    for scale in options.scales:
        try:
            urls[scale], facts[scale] = prepare_scale(base_url, scale, options, echo)
        except (psycopg.Error, RuntimeError) as exc:
            results.setdefault("failed", []).append(f"{scale}: {type(exc).__name__}: {str(exc)[:200]}")
    per_step: dict[str, list[dict[str, Any]]] = {step: [] for step in [*urls, "import"]}
    for round_no, step in interleaved(options.rounds, list(per_step)):
        if len(results["rounds"]) < round_no:
            # Before each round: how fast a fixed pure-Python loop runs now, and how busy the machine is.
            results["rounds"].append(
                {
                    "round": round_no,
                    "cpu_probe_ms": cpu_probe_ms(),
                    "load": load_average(),
                    "at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
            echo(
                f"[round {round_no}] CPU probe {results['rounds'][-1]['cpu_probe_ms']:.0f} ms, "
                f"load {results['rounds'][-1]['load']}"
            )
        try:
            if step == "import":
                echo(f"[round {round_no}] HSDS import rate")
                per_step[step].append(import_rate(base_url, options.seed, echo))
            else:
                per_step[step].append(measure_scale(urls[step], step, options, echo))
        except (psycopg.Error, httpx.HTTPError, RuntimeError, *ClientError) as exc:
            # The server is shared (fault tests restart it): say what broke, keep the other rounds.
            echo(f"[round {round_no}] {step} failed: {exc}")
            results.setdefault("failed", []).append(f"round {round_no}, {step}: {type(exc).__name__}: {str(exc)[:200]}")
    for scale in urls:
        if per_step[scale]:
            merged = combine(per_step[scale])
            merged["catalog"] = facts[scale]
            merged["notes"] = sorted({n for r in per_step[scale] for n in r["notes"]})
            results["scales"].append(merged)
    imports = [r for r in per_step["import"] if "note" not in r]
    results["import"] = combine(imports) if imports else (per_step["import"] or [{"note": "not run"}])[0]
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["load_end"] = load_average()
    results["cpu_probe_end"] = f"{cpu_probe_ms():.0f} ms"
    text = render_markdown(results)
    echo(text)
    if options.record:
        append_results(text)
    return results
