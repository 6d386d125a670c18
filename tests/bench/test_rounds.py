"""The benchmark's rounds: interleaved order, median and spread, and a target judged on the median.

No timing is asserted here: the figures are made up, the logic that turns rounds into a verdict is real.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench import run
from bench.record import render_markdown
from bench.rounds import Spread, combine, interleaved, met


def test_rounds_run_every_step_once_per_round_round_robin() -> None:
    order = interleaved(3, ["10k", "100k", "import"])
    assert order == [
        (1, "10k"),
        (1, "100k"),
        (1, "import"),
        (2, "10k"),
        (2, "100k"),
        (2, "import"),
        (3, "10k"),
        (3, "100k"),
        (3, "import"),
    ]
    with pytest.raises(ValueError):
        interleaved(0, ["10k"])


def test_spread_is_median_min_and_max_of_the_rounds_it_has() -> None:
    assert Spread.of([30.0, 10.0, 20.0]) == Spread(20.0, 10.0, 30.0, 3)
    assert Spread.of([4.0, 1.0]) == Spread(2.5, 1.0, 4.0, 2)
    # A round that could not measure (NaN) is left out, not counted as zero.
    assert Spread.of([float("nan"), 7.0, 9.0]) == Spread(8.0, 7.0, 9.0, 2)
    empty = Spread.of([])
    assert empty.rounds == 0 and math.isnan(empty.median)


def test_combine_turns_each_figure_into_its_spread_over_rounds() -> None:
    rounds: list[dict[str, Any]] = [
        {"scale": "10k", "floor": {"p50": 2.0, "p95": 5.0}, "notes": [], "explain": "plan A"},
        {"scale": "10k", "floor": {"p50": 3.0, "p95": 4.0}, "notes": []},
        {"scale": "10k", "floor": {"p50": 1.0, "p95": 9.0}, "notes": [], "explain": "plan C", "ratio": {"p50": 1.5}},
    ]
    merged = combine(rounds)
    assert merged["scale"] == "10k"
    assert merged["floor"]["p50"] == Spread(2.0, 1.0, 3.0, 3)
    assert merged["floor"]["p95"] == Spread(5.0, 4.0, 9.0, 3)
    assert merged["explain"] == "plan A"
    # Measured in one round only: a spread of one round, not of three with two zeros.
    assert merged["ratio"]["p50"] == Spread(1.5, 1.5, 1.5, 1)


def test_a_target_is_met_only_on_the_median() -> None:
    # One lucky round does not meet a latency target; one unlucky round does not miss it.
    assert not met(Spread.of([24.0, 26.0, 27.0]), 25.0, at_most=True)
    assert met(Spread.of([20.0, 22.0, 90.0]), 25.0, at_most=True)
    # Throughput: at least.
    assert met(Spread.of([9_000.0, 10_500.0, 11_000.0]), 10_000.0, at_most=False)
    assert not met(Spread.of([9_000.0, 9_500.0, 12_000.0]), 10_000.0, at_most=False)
    # "In every round": the worst round decides.
    assert not met(Spread.of([4_900.0, 6_000.0, 7_000.0]), 5_000.0, at_most=False, every_round=True)
    assert met(Spread.of([5_100.0, 6_000.0, 7_000.0]), 5_000.0, at_most=False, every_round=True)
    # Nothing measured meets nothing.
    assert not met(Spread.of([]), 25.0, at_most=True)


def _summary(p50: float, p95: float, per_s: float) -> dict[str, float]:
    return {"n": 100.0, "p50": p50, "p95": p95, "p99": p95, "max": p95, "per_s": per_s, "errors": 0.0}


def test_the_suite_interleaves_rounds_and_records_medians_with_the_probe(
    monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    calls: list[str] = []
    match_p95 = iter([20.0, 30.0, 40.0])  # median 30: missed, though the best round (20) would be met
    imports = iter([6_000.0, 4_000.0, 7_000.0])  # median met, one round below: missed "in every round"
    facts = {
        "service_at_location": 10,
        "service": 9,
        "match_site": 20,
        "service_capacity": 5,
        "gap_event": 1,
        "db_size_mb": 1.0,
        "prewarmed_pages": 1,
    }

    def measure(url: str, scale: str, options: run.BenchOptions, echo: Any) -> dict[str, Any]:
        calls.append(scale)
        p95 = next(match_p95) if scale == "10k" else 10.0
        return {
            "scale": scale,
            "notes": [],
            "floor": _summary(1.0, 2.0, 500.0),
            "match_1": _summary(2.0, p95, 100.0),
            "ratio": {"p50": 2.0, "p95": p95 / 2.0},
        }

    def import_rate(base_url: str, seed: int, echo: Any) -> dict[str, Any]:
        calls.append("import")
        rate = next(imports)
        return {
            "services": 5000,
            "batch": 1000,
            "first": {**_summary(100.0, 120.0, 10.0), "services_per_s": rate},
            "again": {**_summary(50.0, 60.0, 20.0), "services_per_s": 2 * rate},
        }

    monkeypatch.setattr(run, "prepare_scale", lambda base, scale, options, echo: (database_url, facts))
    monkeypatch.setattr(run, "measure_scale", measure)
    monkeypatch.setattr(run, "import_rate", import_rate)
    monkeypatch.setattr(run, "cpu_probe_ms", lambda: 42.0)
    monkeypatch.setenv("DATABASE_URL", database_url)
    from divert.settings import get_settings

    get_settings.cache_clear()
    try:
        results = run.run_suite(run.BenchOptions(scales=["10k", "100k"], record=False, rounds=3), echo=lambda _: None)
    finally:
        get_settings.cache_clear()

    assert calls == ["10k", "100k", "import"] * 3
    assert [r["round"] for r in results["rounds"]] == [1, 2, 3]
    assert all(r["cpu_probe_ms"] == 42.0 and r["load"] for r in results["rounds"])
    text = render_markdown(results)
    assert "| 1 |" in text and "| 42 |" in text  # the probe and load of each round are in the record
    assert "Match p95, 1 client: 30.0 (20.0–40.0) ms (target ≤ 25: **missed**)" in text
    assert "Match p95, 1 client: 10.0 ms (target ≤ 25: met)" in text
    assert "6000 (4000–7000) services/s" in text
    assert "in every round: **missed**" in text
