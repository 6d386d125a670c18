"""Properties of the matcher that must hold for any catalog and any request (R1-R3, R6, R9)."""

from __future__ import annotations

import dataclasses
import os
import random
from datetime import time, timedelta

from contract_rules import YES_NO_TERMS, contract_excludes
from hypothesis import given, settings
from hypothesis import strategies as st
from matcher_factories import AT, bed_pool, candidate

from matcher.eligibility import Eligibility, Participant
from matcher.hours import ScheduleRule
from matcher.match import match_need, match_needs
from matcher.model import SERVICE_AREA, Candidate, MatchRequest
from matcher.pools import Freshness, offerable_units

NEEDS = ("shelter", "food", "moud")


def examples(n: int) -> int:
    """Examples per property: `n`, or DIVERT_PROPERTY_EXAMPLES (`make mutate` runs them once per mutant)."""
    return int(os.environ.get("DIVERT_PROPERTY_EXAMPLES", n))


PROGRAMS = (None, "lead", "other")

maybe_bool = st.one_of(st.none(), st.booleans())
participants = st.builds(
    Participant,
    age=st.one_of(st.none(), st.integers(12, 90)),
    gender=st.one_of(st.none(), st.sampled_from(["female", "male", "nonbinary"])),
    active_substance_use=maybe_bool,
    on_moud=maybe_bool,
    sex_work=maybe_bool,
    has_id=maybe_bool,
    criminal_record=maybe_bool,
    pets=maybe_bool,
    languages=st.lists(st.sampled_from(["en", "es", "vi"]), max_size=2).map(tuple),
    insurance=st.lists(st.sampled_from(["medicaid", "uninsured", "private"]), max_size=2).map(tuple),
)

# Each term with the kind of value §3.2 gives it ([true] for yes/no terms, a comma list otherwise).
TERM_VALUES = {
    **{term: st.sampled_from(["true", "false"]) for term in YES_NO_TERMS},
    "genders": st.sampled_from(["female", "female,nonbinary", "male"]),
    "insurance": st.sampled_from(["medicaid", "uninsured,medicaid", "private"]),
}
eligibility_terms = st.lists(st.sampled_from(sorted(TERM_VALUES)), unique=True, max_size=3).flatmap(
    lambda terms: st.fixed_dictionaries({t: TERM_VALUES[t] for t in terms})
)
age_bounds = st.tuples(st.one_of(st.none(), st.integers(12, 30)), st.one_of(st.none(), st.integers(18, 70)))


@st.composite
def pools(draw: st.DrawFn, name: str) -> tuple:  # type: ignore[type-arg]
    out = []
    for i in range(draw(st.integers(0, 2))):
        out.append(
            bed_pool(
                f"{name}-p{i}",
                available=draw(st.integers(0, 5)),
                waitlist=draw(st.integers(0, 6)),
                holds=draw(st.integers(0, 3)),
                hours_old=draw(st.sampled_from([1, 30, 100])),
                reserved_for=draw(st.sampled_from([(), ("lead",), ("other", "lead")])),
                unit=draw(st.sampled_from(["bed", "slot"])),
            )
        )
    return tuple(out)


@st.composite
def candidates(draw: st.DrawFn) -> list[Candidate]:
    out = []
    for i in range(draw(st.integers(0, 7))):
        # One service: its pools, rules and features are the same for every need it meets.
        name = f"S{i}"
        service_pools = draw(pools(name))
        elig = draw(eligibility_terms)
        minimum_age, maximum_age = draw(age_bounds)
        features = draw(
            st.lists(
                st.sampled_from(["low_barrier", "walk_in", "religious_participation_required"]), unique=True, max_size=2
            )
        )
        languages = tuple(draw(st.lists(st.sampled_from(["en", "es"]), unique=True, max_size=2)))
        km = draw(st.floats(0, 40, allow_nan=False))
        reach = draw(st.sampled_from(["radius", "radius", SERVICE_AREA]))
        for need in draw(st.lists(st.sampled_from(NEEDS), min_size=1, max_size=2, unique=True)):
            out.append(
                candidate(
                    name,
                    need=need,
                    km=km,
                    pools=service_pools,
                    eligibility=Eligibility.of(elig, minimum_age, maximum_age),
                    features=tuple(features),
                    languages=languages,
                    reach=reach,
                )
            )
    return out


requests = st.builds(
    MatchRequest,
    needs=st.lists(st.sampled_from(NEEDS), min_size=1, max_size=3, unique=True).map(tuple),
    radius_km=st.sampled_from([3.0, 15.0, 30.0]),
    program=st.sampled_from(PROGRAMS),
    limit=st.just(50),
    participant=participants,
)


def run(req: MatchRequest, cands: list[Candidate]):  # type: ignore[no-untyped-def]
    return match_needs(req, cands, AT, Freshness())


def offered(answers) -> set[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return {(a.need, o.service_at_location_id) for a in answers for o in a.options}


def by_sal(cands: list[Candidate], need: str, sal: str | None) -> Candidate:
    return next(c for c in cands if c.need == need and c.service_at_location_id == sal)


@settings(max_examples=examples(300), deadline=None)
@given(requests, candidates())
def test_an_ineligible_service_is_never_offered(req: MatchRequest, cands: list[Candidate]) -> None:
    """The oracle is §3.2 as written in tests/contract_rules.py, not the matcher's own `excludes`."""
    said = {k: v for k, v in dataclasses.asdict(req.participant).items() if v not in (None, ())}
    for need, sal in offered(run(req, cands)):
        rules = by_sal(cands, need, sal).eligibility
        assert not contract_excludes(dict(rules.terms), said, rules.minimum_age, rules.maximum_age)


@settings(max_examples=examples(300), deadline=None)
@given(requests, candidates())
def test_an_eligible_service_in_reach_with_open_units_is_offered(req: MatchRequest, cands: list[Candidate]) -> None:
    """The converse, so that a matcher offering nothing cannot pass: a service §3.2 admits, within the
    radius, with a fresh public pool that has units left over after the wait list and holds, is offered
    (limit 50 is above any generated catalog)."""
    said = {k: v for k, v in dataclasses.asdict(req.participant).items() if v not in (None, ())}
    got = offered(run(req, cands))
    for c in cands:
        rules = c.eligibility
        untracked = not c.pools or (c.need != "shelter" and all(p.unit == "bed" for p in c.pools))
        one_open_bed_pool = (
            c.need == "shelter"
            and len(c.pools) == 1
            and not c.pools[0].reserved_for
            and c.pools[0].unit == "bed"
            and AT - c.pools[0].updated < timedelta(hours=24)
            and c.pools[0].available - c.pools[0].waitlist - c.pools[0].active_holds > 0
        )
        if (
            c.need in req.needs
            and c.reach == "radius"
            and c.distance_km is not None
            and c.distance_km <= req.radius_km
            and (untracked or one_open_bed_pool)
            and not contract_excludes(dict(rules.terms), said, rules.minimum_age, rules.maximum_age)
        ):
            assert (c.need, c.service_at_location_id) in got


@settings(max_examples=examples(300), deadline=None)
@given(requests, candidates())
def test_no_option_rests_on_units_owed_to_others(req: MatchRequest, cands: list[Candidate]) -> None:
    all_pools = {p.id: p for c in cands for p in c.pools}
    for answer in run(req, cands):
        for option in answer.options:
            if option.capacity.capacity_id is None:
                continue
            pool = all_pools[option.capacity.capacity_id]
            # R2: a public pool with available - waitlist - holds <= 0 is never the basis of an option.
            assert offerable_units(pool, req.program) > 0
            if not pool.reserved_for:
                assert pool.available - pool.waitlist - pool.active_holds > 0
            # R3: a program pool only for its program.
            else:
                assert req.program in pool.reserved_for


@settings(max_examples=examples(200), deadline=None)
@given(requests, candidates(), st.integers(1, 10))
def test_more_people_waiting_never_adds_options(req: MatchRequest, cands: list[Candidate], more: int) -> None:
    longer = [
        dataclasses.replace(c, pools=tuple(dataclasses.replace(p, waitlist=p.waitlist + more) for p in c.pools))
        for c in cands
    ]
    assert offered(run(req, longer)) <= offered(run(req, cands))


@settings(max_examples=examples(200), deadline=None)
@given(requests, candidates(), st.floats(0, 50, allow_nan=False))
def test_a_wider_radius_never_removes_an_option(req: MatchRequest, cands: list[Candidate], extra: float) -> None:
    wider = dataclasses.replace(req, radius_km=req.radius_km + extra)
    assert offered(run(req, cands)) <= offered(run(wider, cands))


@settings(max_examples=examples(200), deadline=None)
@given(requests, candidates())
def test_program_pools_are_never_offered_without_their_program(req: MatchRequest, cands: list[Candidate]) -> None:
    public = dataclasses.replace(req, program=None)
    for answer in run(public, cands):
        for option in answer.options:
            assert option.capacity.pool != "program"


@settings(max_examples=examples(200), deadline=None)
@given(requests, candidates(), st.randoms(use_true_random=False))
def test_same_catalog_same_request_same_answer(req: MatchRequest, cands: list[Candidate], rnd: random.Random) -> None:
    shuffled = list(cands)
    rnd.shuffle(shuffled)
    assert run(req, cands) == run(req, shuffled)


@settings(max_examples=examples(200), deadline=None)
@given(requests, candidates())
def test_every_need_gets_options_or_a_gap(req: MatchRequest, cands: list[Candidate]) -> None:
    answers = run(req, cands)
    assert [a.need for a in answers] == list(req.needs)
    for a in answers:
        assert a.options or a.gap is not None
        if a.gap is not None and a.options:
            assert a.gap.reason == "unconfirmed_only"


hours = st.sampled_from(
    [
        (),
        (ScheduleRule(freq="WEEKLY", byday="MO,TU,WE,TH,FR,SA,SU", opens_at=time(0, 0), closes_at=time(23, 59)),),
        (ScheduleRule(freq="WEEKLY", byday="SU", opens_at=time(9, 0), closes_at=time(10, 0)),),
    ]
)


@settings(max_examples=examples(400), deadline=None)
@given(requests, candidates(), st.integers(0, 4), st.booleans(), st.data())
def test_stopping_once_the_answer_is_settled_gives_the_exhaustive_answer(  # type: ignore[no-untyped-def]
    req: MatchRequest, cands: list[Candidate], limit: int, open_now: bool, data
) -> None:
    """The matcher stops judging candidates once none left could enter the first `limit` options; the
    answer (options, their order and words, the gap) must be exactly the one judging every candidate gives."""
    req = dataclasses.replace(req, limit=limit, open_now=open_now)
    cands = [dataclasses.replace(c, schedules=data.draw(hours)) for c in cands]
    for need in req.needs:
        quick = match_need(need, req, cands, AT, Freshness())
        full = match_need(need, req, cands, AT, Freshness(), exhaustive=True)
        assert quick == full


def test_far_candidates_are_not_judged_once_the_answer_is_settled(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Ten open shelters 1..10 km away and a limit of 2: the far ones cannot beat the two nearest, so
    the matcher stops judging early, and still answers exactly as when it judges all ten."""
    import matcher.match as match_module

    cands = [
        candidate(
            f"S{k}",
            km=float(k),
            schedules=(
                ScheduleRule(freq="WEEKLY", byday="MO,TU,WE,TH,FR,SA,SU", opens_at=time(0, 0), closes_at=time(23, 59)),
            ),
        )
        for k in range(1, 11)
    ]
    req = MatchRequest(needs=("shelter",), radius_km=15.0, limit=2)
    judged: list[str] = []
    real = match_module.evaluate

    def counting(c, *args):  # type: ignore[no-untyped-def]
        judged.append(c.name)
        return real(c, *args)

    monkeypatch.setattr(match_module, "evaluate", counting)
    quick = match_need("shelter", req, cands, AT, Freshness())
    assert len(judged) < len(cands)
    judged.clear()
    assert quick == match_need("shelter", req, cands, AT, Freshness(), exhaustive=True)
    assert len(judged) == len(cands)
    assert [o.name for o in quick.options] == ["S1", "S2"]
