"""Rounds of the benchmark: the interleaved order, the median and spread of each measure, and the verdict.

A shared two-core machine changes speed by the minute; one pass of the suite measures the minute as
much as the code. So the suite runs in rounds, each round every scale and then the import, round-robin
(10k, 100k, import, 10k, 100k, import, ...): a slow minute lands on one round of every measure rather
than on every round of one. Each figure is reported as the median of its rounds with their spread
(min–max), and a target counts as met only on the median (or, where the target says "in every round",
on the worst round).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

DEFAULT_ROUNDS: Final = 3


@dataclass(frozen=True)
class Spread:
    """One figure over the rounds: its median, lowest and highest (NaN rounds left out)."""

    median: float
    low: float
    high: float
    rounds: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        kept = [v for v in values if not math.isnan(v)]
        if not kept:
            nan = float("nan")
            return cls(nan, nan, nan, 0)
        return cls(float(statistics.median(kept)), min(kept), max(kept), len(kept))


def interleaved(rounds: int, steps: Sequence[str]) -> list[tuple[int, str]]:
    """(round, step) in the order they run: every step once per round, rounds one after another."""
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    return [(r, step) for r in range(1, rounds + 1) for step in steps]


def combine(per_round: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The rounds of one step merged: every numeric figure becomes a Spread, other values come from the
    first round that has them (a figure missing from a round is left out of its spread, not zero)."""
    merged: dict[str, Any] = {}
    keys: list[str] = []
    for result in per_round:
        keys += [k for k in result if k not in keys]
    for key in keys:
        values = [r[key] for r in per_round if key in r]
        if all(isinstance(v, dict) for v in values) and any(_numeric_dict(v) for v in values):
            figures: list[str] = []
            for v in values:
                figures += [f for f, x in v.items() if _is_number(x) and f not in figures]
            merged[key] = {f: Spread.of([float(v[f]) for v in values if f in v]) for f in figures}
        elif all(_is_number(v) for v in values):
            merged[key] = Spread.of([float(v) for v in values])
        else:
            merged[key] = values[0]
    return merged


def met(figure: Spread, target: float, *, at_most: bool, every_round: bool = False) -> bool:
    """Whether a target is met: on the median, or on the worst round when it must hold in every round.

    A figure with no rounds (nothing measured) never meets a target."""
    if figure.rounds == 0:
        return False
    worst = figure.high if at_most else figure.low
    value = worst if every_round else figure.median
    return value <= target if at_most else value >= target


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numeric_dict(value: dict[str, Any]) -> bool:
    return any(_is_number(x) for x in value.values())
