"""Where a match request's time goes: the in-process handler split into its phases, and a profile.

`divert bench profile --scale 1m` runs the bench workload's match requests through
`api.match.service.run_match` (a session each, committed, as a request has) and times each phase
on its own clock — the candidate statement, turning its rows into candidates, the pure matcher, the
gap events, the second look past the radius, the answer's JSON, the commit — each phase's time
excluding the phases it calls. `--cprofile N` adds the N functions with the most own time. The
phases are found by wrapping the functions the handler calls by name, so the handler itself runs
unchanged.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from bench.run import WARMUP_REQUESTS, _caller
from bench.workload import match_requests, percentile

# (module, attribute, phase): the calls the handler makes, by the name it looks them up under.
PHASES: tuple[tuple[str, str, str], ...] = (
    ("catalog.candidates", "candidate_rows", "query"),
    ("catalog.candidates", "candidates_from_rows", "build"),
    ("api.match.service", "match_needs", "match"),
    ("api.match.service", "record_gaps", "gap events"),
    ("api.match.service", "nearest_beyond", "beyond the radius"),
)


@dataclass
class PhaseClock:
    """Own time per phase and request (a phase's time excludes the wrapped phases it calls; a phase
    called twice in one request, as the query is for a look past the radius, adds up)."""

    own: dict[str, list[float]] = field(default_factory=dict)  # phase -> ms per finished request
    requests: int = 0
    _current: dict[str, float] = field(default_factory=dict)
    _stack: list[float] = field(default_factory=list)  # child time accumulated per open phase

    def wrap(self, phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._stack.append(0.0)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                children = self._stack.pop()
                self.add(phase, elapsed - children)
                if self._stack:
                    self._stack[-1] += elapsed

        return timed

    def add(self, phase: str, seconds: float) -> None:
        self._current[phase] = self._current.get(phase, 0.0) + seconds * 1000

    def end_request(self, record: bool) -> float:
        """Closes a request's phases (kept when `record`); their sum in ms."""
        spent = sum(self._current.values())
        if record:
            for phase in {*self.own, *self._current}:
                self.own.setdefault(phase, [0.0] * self.requests).append(self._current.get(phase, 0.0))
            self.requests += 1
        self._current = {}
        return spent


@contextmanager
def phases_wrapped(clock: PhaseClock) -> Iterator[None]:
    import importlib

    saved: list[tuple[Any, str, Any]] = []
    try:
        for module_name, attribute, phase in PHASES:
            module = importlib.import_module(module_name)
            original = getattr(module, attribute)
            saved.append((module, attribute, original))
            setattr(module, attribute, clock.wrap(phase, original))
        yield
    finally:
        for module, attribute, original in reversed(saved):
            setattr(module, attribute, original)


@dataclass
class ProfileReport:
    requests: int
    total_ms: list[float]
    phases: dict[str, list[float]]
    cprofile: str | None = None

    def lines(self) -> list[str]:
        """A table: per phase, median and p95 per request, and its share of the median total."""
        totals = sorted(self.total_ms)
        p50_total = percentile(totals, 50)
        out = [
            f"{self.requests} requests; per request: total p50 {p50_total:.2f} ms, p95 {percentile(totals, 95):.2f} ms",
            f"{'phase':<20} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} {'share':>6}",
        ]
        for phase, values in self.phases.items():
            ordered = sorted(values)
            mean = sum(values) / len(values)
            share = mean / (sum(self.total_ms) / len(self.total_ms))
            out.append(
                f"{phase:<20} {percentile(ordered, 50):8.2f} {percentile(ordered, 95):8.2f} {mean:8.2f} {share:6.1%}"
            )
        if self.cprofile:
            out += ["", self.cprofile]
        return out


def profile_handler(url: str, requests: int, seed: int = 1, top: int = 0) -> ProfileReport:
    """Times `requests` bench match requests (after the usual warm-up) phase by phase."""
    from api.auth.keys import Caller
    from api.match.schemas import MatchIn
    from api.match.service import run_match
    from divert.db import session_factory
    from divert.settings import Settings
    from matcher.words import EN

    settings = Settings(DATABASE_URL=url)
    sessions = session_factory(settings)
    caller = _caller(Caller)
    at = datetime.now(UTC).replace(microsecond=0)
    bodies = match_requests(requests + WARMUP_REQUESTS, seed, at)
    clock = PhaseClock()

    def once(body: dict[str, Any], record: bool) -> tuple[float, float]:
        start = time.perf_counter()
        with sessions() as session:
            answer = run_match(session, settings, caller, MatchIn.model_validate(body), EN)
            t = time.perf_counter()
            orjson.dumps(answer)
            clock.add("answer JSON", time.perf_counter() - t)
            t = time.perf_counter()
            session.commit()
            clock.add("commit", time.perf_counter() - t)
        total = (time.perf_counter() - start) * 1000
        return total, clock.end_request(record)

    with phases_wrapped(clock):
        for body in bodies[:WARMUP_REQUESTS]:
            once(body, record=False)
        profiler = cProfile.Profile() if top else None
        totals: list[float] = []
        rest: list[float] = []
        if profiler:
            profiler.enable()
        for body in bodies[WARMUP_REQUESTS:]:
            total, accounted = once(body, record=True)
            totals.append(total)
            rest.append(total - accounted)
        if profiler:
            profiler.disable()
    phases = dict(clock.own)
    phases["the rest"] = rest
    text = None
    if profiler:
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(top)
        text = stream.getvalue()
    return ProfileReport(requests=len(totals), total_ms=totals, phases=phases, cprofile=text)


__all__ = ["PhaseClock", "ProfileReport", "phases_wrapped", "profile_handler"]
