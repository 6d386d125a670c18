"""The record of a benchmark run: a Markdown section for docs/benchmarks.md, medians with their spread."""

from __future__ import annotations

import pathlib
from typing import Any, Final

from bench import targets as t
from bench.rounds import Spread, met

REPO: Final = pathlib.Path(__file__).resolve().parents[1]
RESULTS_DOC: Final = REPO / "docs" / "benchmarks.md"

ROWS: Final = (
    ("SQL floor: candidate query via psycopg, 1 connection", "floor"),
    ("match handler in-process (run_match)", "handler"),
    ("the client itself: GET /v1/ (no work), 1 client", "client_floor"),
    ("POST /v1/match, 1 client (loopback)", "match_1"),
    ("POST /v1/match, {clients} clients, 1 worker", "match_n"),
    ("SQL floor, {pclients} connections at once", "floor_n"),
    ("POST /v1/match, {pclients} clients, `--workers {pworkers}`", "match_workers"),
    ("GET /v1/service_at_locations lat/lon/radius_km=10/search", "search"),
    ("PUT /v1/capacity/{{id}}, 1 client", "capacity_single"),
    ("POST /v1/capacity, batches of {batch} (per report)", "capacity_batch"),
    ("GET /v1/gaps", "gaps"),
    ("GET /v1/gaps/sim", "gaps_sim"),
)


def cell(figure: Spread | None, digits: int = 1) -> str:
    """`median (low–high)`; the spread left out when there was one round."""
    if figure is None or figure.rounds == 0:
        return "n/a"
    if figure.rounds == 1 or figure.low == figure.high:
        return f"{figure.median:.{digits}f}"
    return f"{figure.median:.{digits}f} ({figure.low:.{digits}f}–{figure.high:.{digits}f})"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render_markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    options = results["options"]
    lines = [
        f"## Run of {results['started']}",
        "",
        f"Machine: {m['nproc']} CPU ({m['cpu']}), {m['ram']} RAM; PostgreSQL {m['postgres']} "
        f"(shared_buffers {m['shared_buffers']}), PostGIS {m['postgis']}; Python {m['python']}. "
        f"Server: uvicorn, {options.server_workers} worker (and {options.parallel_workers} for the "
        f"parallel row), no scheduled jobs, loopback. {options.requests} match requests per row. "
        f"Figures are the **median of {options.rounds} interleaved rounds** with the spread (min–max) "
        f"in brackets; a target counts as met on the median. Load average at start {m['load']}, at end "
        f"{results['load_end']} (the machine is shared: other work there shows up in every latency).",
        "",
        "| round | started | CPU probe ms (lower is faster) | load average 1/5/15 min |",
        "| ---: | --- | ---: | --- |",
    ]
    for r in results.get("rounds", []):
        lines.append(f"| {r['round']} | {r['at']} | {r['cpu_probe_ms']:.0f} | {r['load']} |")
    lines.append("")
    for s in results["scales"]:
        lines += _scale_lines(s, options)
    lines += _import_lines(results.get("import", {}))
    for failure in results.get("failed", []):
        lines.append(f"Not measured (failed): {failure}.")
    lines += ["", f"Finished {results['finished']}; CPU probe then {results.get('cpu_probe_end', '?')}.", ""]
    return "\n".join(lines)


def _scale_lines(s: dict[str, Any], options: Any) -> list[str]:
    c = s["catalog"]
    lines = [
        f"### {s['scale']}: {c['service_at_location']:,} service-locations "
        f"({c['service']:,} services, {c['match_site']:,} match sites, "
        f"{c['service_capacity']:,} pools, {c['gap_event']:,} gap events, {c['db_size_mb']:.0f} MB)",
        "",
    ]
    if c.get("prewarmed_pages") is not None:
        lines += [f"Matcher tables and indexes prewarmed ({c['prewarmed_pages']:,} pages).", ""]
    names = {
        "clients": options.clients,
        "pclients": options.parallel_clients,
        "pworkers": options.parallel_workers,
        "batch": int(s["capacity_batch_size"].median) if "capacity_batch_size" in s else "?",
    }
    lines += ["| measure | p50 ms | p95 ms | p99 ms | per s | errors |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for label, key in ROWS:
        if key not in s:
            continue
        v = s[key]
        lines.append(
            f"| {label.format(**names)} | {cell(v.get('p50'))} | {cell(v.get('p95'))} "
            f"| {cell(v.get('p99'))} | {cell(v.get('per_s'), 0)} | {cell(v.get('errors'), 0)} |"
        )
        if key == "match_1" and "server_p50" in v:
            lines.append(
                f"| the same requests, server-side (Server-Timing) | {cell(v['server_p50'])} "
                f"| {cell(v['server_p95'])} | {cell(v['server_p99'])} | | |"
            )
    lines.append("")
    lines += _verdict_lines(s)
    if "gapmap" in s:
        lines.append(f"Gap map (bench/gapmap.py): {s['gapmap']}")
    for note in s.get("notes", []):
        lines.append(f"Not measured: {note}.")
    if "explain" in s:
        lines += [
            "",
            "<details><summary>EXPLAIN ANALYZE of one candidate query</summary>",
            "",
            "```",
            s["explain"],
            "```",
            "</details>",
        ]
    lines.append("")
    return lines


def _verdict_lines(s: dict[str, Any]) -> list[str]:
    scale = s["scale"]
    lines = []
    if "match_1" in s:
        p95 = s["match_1"]["p95"]
        lines.append(
            f"- Match p95, 1 client: {cell(p95)} ms (target ≤ {t.TARGET_MATCH_P95_MS:g}: "
            f"{verdict(met(p95, t.TARGET_MATCH_P95_MS, at_most=True))})."
        )
    if "ratio" in s:
        r50, r95 = s["ratio"]["p50"], s["ratio"]["p95"]
        lines.append(
            f"- API over the SQL floor: p50 {cell(r50, 2)}×, p95 {cell(r95, 2)}× (target p50 ≤ "
            f"{t.TARGET_FLOOR_RATIO_P50:g}×: {verdict(met(r50, t.TARGET_FLOOR_RATIO_P50, at_most=True))})."
        )
    if "parallel" in s and "match_workers" in s:
        share, p95 = s["parallel"]["share"], s["match_workers"]["p95"]
        lines.append(
            f"- {int(s['parallel']['clients'].median)} clients on {int(s['parallel']['workers'].median)} "
            f"workers: {cell(s['match_workers']['per_s'], 0)} req/s = {cell(share, 2)} of the floor's "
            f"{cell(s['floor_n']['per_s'], 0)}/s on as many connections (target ≥ "
            f"{t.TARGET_PARALLEL_SHARE:g}: {verdict(met(share, t.TARGET_PARALLEL_SHARE, at_most=False))}), "
            f"p95 {cell(p95)} ms (target ≤ {t.TARGET_PARALLEL_P95_MS:g}: "
            f"{verdict(met(p95, t.TARGET_PARALLEL_P95_MS, at_most=True))})."
        )
    if "cpu_database_ms" in s.get("floor_n", {}) and "cpu_api_ms" in s.get("match_workers", {}):
        lines.append(_cpu_line(s["floor_n"], s["match_workers"]))
    if "capacity_single" in s and "capacity_batch" in s:
        p95, rate = s["capacity_single"]["p95"], s["capacity_batch"]["per_s"]
        lines.append(
            f"- Capacity: single PUT p95 {cell(p95)} ms (target ≤ {t.TARGET_CAPACITY_SINGLE_P95_MS:g}: "
            f"{verdict(met(p95, t.TARGET_CAPACITY_SINGLE_P95_MS, at_most=True))}); batched "
            f"{cell(rate, 0)} reports/s (target ≥ {t.TARGET_CAPACITY_PER_S:g}: "
            f"{verdict(met(rate, t.TARGET_CAPACITY_PER_S, at_most=False))})."
        )
    if "gaps" in s and scale in t.TARGET_GAPS_MS:
        p95, target = s["gaps"]["p95"], t.TARGET_GAPS_MS[scale]
        lines.append(
            f"- `/v1/gaps` first page p95 {cell(p95)} ms (target at {scale} ≤ {target:g}: "
            f"{verdict(met(p95, target, at_most=True))})."
        )
    if "gaps_sim" in s and scale in t.TARGET_GAPS_SIM_MS:
        p95, target = s["gaps_sim"]["p95"], t.TARGET_GAPS_SIM_MS[scale]
        lines.append(
            f"- `/v1/gaps/sim` p95 {cell(p95)} ms (target at {scale} ≤ {target:g}: "
            f"{verdict(met(p95, target, at_most=True))})."
        )
    if "search" in s and scale in t.TARGET_SEARCH_P95_MS:
        p95, target = s["search"]["p95"], t.TARGET_SEARCH_P95_MS[scale]
        lines.append(
            f"- Directory search p95 {cell(p95)} ms (target at {scale} ≤ {target:g}: "
            f"{verdict(met(p95, target, at_most=True))})."
        )
    if s.get("capacity_errors"):
        lines.append(f"- Capacity errors by kind: {s['capacity_errors']}.")
    return lines


def _import_lines(imp: dict[str, Any]) -> list[str]:
    lines = ["### HSDS import (POST /v1/import/hsds, empty catalog)", ""]
    if "note" in imp:
        return [*lines, f"Not measured: {imp['note']}.", ""]
    services = int(imp["services"].median)
    batch = int(imp["batch"].median)
    for label, words in (("first", "new services"), ("again", "same data again (unchanged)")):
        v = imp[label]
        rate = v["services_per_s"]
        target = ""
        if label == "first":
            # "In every round, not the best one": judged on the slowest round.
            target = (
                f"; target ≥ {t.TARGET_IMPORT_PER_S:g}/s in every round: "
                f"{verdict(met(rate, t.TARGET_IMPORT_PER_S, at_most=False, every_round=True))}"
            )
        lines.append(
            f"- {words}: {services:,} services in batches of {batch:,}: {cell(rate, 0)} services/s "
            f"(batch p50 {cell(v['p50'])} ms, errors {cell(v.get('errors'), 0)}{target})."
        )
    return [*lines, ""]


def append_results(text: str) -> None:
    if not RESULTS_DOC.exists():
        RESULTS_DOC.write_text("# Benchmarks\n\nSee the top of this file for how to run them.\n\n")
    with RESULTS_DOC.open("a") as fh:
        fh.write("\n" + text)


def _cpu_line(floor: dict[str, Spread], api: dict[str, Spread]) -> str:
    """Where each row's CPU went, per request, and the share of the floor's rate that split allows when
    the machine's cores are the limit (both rows keep every core busy)."""
    floor_total = floor["cpu_database_ms"].median + floor["cpu_client_ms"].median
    api_total = api["cpu_database_ms"].median + api["cpu_api_ms"].median + api["cpu_client_ms"].median
    bound = floor_total / api_total if api_total else float("nan")
    return (
        f"- CPU per match (median ms): floor row PostgreSQL {cell(floor['cpu_database_ms'], 2)}, its "
        f"client {cell(floor['cpu_client_ms'], 2)}; API row PostgreSQL {cell(api['cpu_database_ms'], 2)}, "
        f"the API's processes {cell(api['cpu_api_ms'], 2)}, the clients {cell(api['cpu_client_ms'], 2)}. "
        f"With every core busy in both rows, the API's share of the floor's rate can be at most "
        f"{floor_total:.2f} / {api_total:.2f} = {bound:.2f}."
    )
