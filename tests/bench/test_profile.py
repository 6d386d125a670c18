"""`divert bench profile`'s phase clock: a phase's own time excludes the phases it calls, a phase called
twice in a request adds up, and the wrapped functions are put back afterwards."""

from __future__ import annotations

from typing import Any

import pytest

from bench import profile


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_own_time_excludes_called_phases_and_repeats_add_up(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    monkeypatch.setattr(profile.time, "perf_counter", clock)
    phases = profile.PhaseClock()

    def query() -> None:
        clock.now += 0.004

    wrapped_query = phases.wrap("query", query)

    def beyond() -> None:  # 1 ms of its own around a second query of 4 ms
        clock.now += 0.001
        wrapped_query()

    wrapped_beyond = phases.wrap("beyond", beyond)
    wrapped_query()
    wrapped_beyond()
    assert phases.end_request(record=True) == pytest.approx(9.0)
    wrapped_query()
    assert phases.end_request(record=False) == pytest.approx(4.0)  # a warm-up request: not kept
    wrapped_beyond()
    phases.end_request(record=True)
    assert phases.requests == 2
    assert phases.own["query"] == pytest.approx([8.0, 4.0])
    assert phases.own["beyond"] == pytest.approx([1.0, 1.0])


def test_the_handlers_functions_are_put_back() -> None:
    import api.match.service
    import catalog.candidates

    before: dict[str, Any] = {
        "candidate_rows": catalog.candidates.candidate_rows,
        "candidates_from_rows": catalog.candidates.candidates_from_rows,
        "match_needs": api.match.service.match_needs,
    }
    with pytest.raises(RuntimeError), profile.phases_wrapped(profile.PhaseClock()):
        assert catalog.candidates.candidate_rows is not before["candidate_rows"]
        raise RuntimeError("a failed run")
    assert catalog.candidates.candidate_rows is before["candidate_rows"]
    assert catalog.candidates.candidates_from_rows is before["candidates_from_rows"]
    assert api.match.service.match_needs is before["match_needs"]
