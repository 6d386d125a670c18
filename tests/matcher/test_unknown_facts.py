"""R10 (unknown facts): a rule the case manager has not asked about is named as `ask:<term>`, and within
a tier what needs no asking comes first. Properties over any catalog and request, plus the cases of
the issue (the youth detox bed for an adult case with no age, the clean-and-sober house)."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from matcher_factories import AT, bed_pool, candidate

from matcher.eligibility import Eligibility, Participant, asks, excludes
from matcher.match import match_needs
from matcher.model import Candidate, MatchRequest
from matcher.pools import Freshness

NEEDS = ("shelter", "housing")


def examples(n: int) -> int:
    """Examples per property: `n`, or DIVERT_PROPERTY_EXAMPLES (`make mutate` runs them once per mutant)."""
    return int(os.environ.get("DIVERT_PROPERTY_EXAMPLES", n))


maybe_bool = st.one_of(st.none(), st.booleans())
FLAG_FIELDS = ("active_substance_use", "on_moud", "sex_work", "has_id", "criminal_record", "pets")

participants = st.builds(
    Participant,
    age=st.one_of(st.none(), st.integers(10, 80)),
    gender=st.one_of(st.none(), st.sampled_from(["female", "male", "nonbinary"])),
    active_substance_use=maybe_bool,
    on_moud=maybe_bool,
    sex_work=maybe_bool,
    has_id=maybe_bool,
    criminal_record=maybe_bool,
    pets=maybe_bool,
    insurance=st.lists(st.sampled_from(["medicaid", "uninsured", "private"]), max_size=2).map(tuple),
)
rules = st.builds(
    Eligibility.of,
    st.dictionaries(
        st.sampled_from(
            [
                "sobriety_required",
                "excludes_moud",
                "excludes_sex_work",
                "id_required",
                "excludes_criminal_record",
                "no_pets",
                "genders",
                "insurance",
                "housing_first",
            ]
        ),
        st.sampled_from(["true", "false", "female", "female,nonbinary", "medicaid"]),
        max_size=3,
    ),
    st.one_of(st.none(), st.integers(12, 25)),
    st.one_of(st.none(), st.integers(17, 70)),
)


@st.composite
def catalogs(draw: st.DrawFn) -> list[Candidate]:
    out = []
    for i in range(draw(st.integers(1, 7))):
        pools = tuple(
            bed_pool(
                f"S{i}-p{j}",
                available=draw(st.integers(0, 3)),
                reserved_for=draw(st.sampled_from([(), ("lead",)])),
                hours_old=draw(st.sampled_from([1, 100])),
            )
            for j in range(draw(st.integers(0, 2)))
        )
        service = candidate(f"S{i}", km=draw(st.floats(0, 14, allow_nan=False)), pools=pools)
        service = dataclasses.replace(service, eligibility=draw(rules))
        out += [
            dataclasses.replace(service, need=need)
            for need in draw(st.lists(st.sampled_from(NEEDS), min_size=1, max_size=2, unique=True))
        ]
    return out


def run(participant: Participant, cands: list[Candidate], program: str | None = None) -> dict[str, Any]:
    req = MatchRequest(needs=NEEDS, participant=participant, limit=50, program=program)
    return {(a.need, o.service_id): o for a in match_needs(req, cands, AT, Freshness()) for o in a.options}


def ask_codes(option: Any) -> set[str]:
    return {w for w in option.warnings if w.startswith("ask:")}


# A fact a case manager may add: (field, value).
facts = st.one_of(
    st.tuples(st.sampled_from(FLAG_FIELDS), st.booleans()),
    st.tuples(st.just("age"), st.integers(10, 80)),
    st.tuples(st.just("gender"), st.sampled_from(["female", "male", "nonbinary"])),
    st.tuples(st.just("insurance"), st.sampled_from([("medicaid",), ("uninsured",), ("private",)])),
)


def unset(participant: Participant, field: str) -> Participant:
    return dataclasses.replace(participant, **{field: () if field == "insurance" else None})


@settings(max_examples=examples(300), deadline=None)
@given(catalogs(), participants, facts)
def test_a_fact_that_admits_the_person_never_adds_an_ask(
    cands: list[Candidate], participant: Participant, fact: tuple[str, Any]
) -> None:
    field, value = fact
    without = unset(participant, field)
    told = dataclasses.replace(without, **{field: value})
    before, after = run(without, cands), run(told, cands)
    for key, option in after.items():
        # Still offered after the fact, so the fact admits the person there: nothing new to ask.
        assert key in before
        assert ask_codes(option) <= ask_codes(before[key])
    for c in cands:
        if not excludes(c.eligibility, told):
            assert set(asks(c.eligibility, told)) <= set(asks(c.eligibility, without))


@settings(max_examples=examples(300), deadline=None)
@given(
    catalogs(),
    participants,
    st.sampled_from((*FLAG_FIELDS, "age", "gender", "insurance")),
    st.sampled_from([None, "lead"]),
)
def test_removing_a_fact_never_removes_an_option(
    cands: list[Candidate], participant: Participant, field: str, program: str | None
) -> None:
    assert set(run(participant, cands, program)) <= set(run(unset(participant, field), cands, program))


@settings(max_examples=examples(200), deadline=None)
@given(catalogs(), participants)
def test_an_option_with_no_rules_never_carries_an_ask(cands: list[Candidate], participant: Participant) -> None:
    # No rule: no excluding term switched on (a "false" value or an informational term is no rule)
    # and no age bound; judged here from the data, not by the code under test.
    def has_rules(e: Eligibility) -> bool:
        return (
            e.minimum_age is not None
            or e.maximum_age is not None
            or any(
                code in ("genders", "insurance")
                and value  # a list: any entry is a rule
                or code not in ("housing_first", "genders", "insurance")
                and value != "false"
                for code, value in e.terms
            )
        )

    plain = {c.service_id for c in cands if not has_rules(c.eligibility)}
    for (_, service_id), option in run(participant, cands).items():
        if service_id in plain:
            assert not ask_codes(option)


@settings(max_examples=examples(200), deadline=None)
@given(catalogs(), participants, st.sampled_from([None, "lead"]))
def test_within_a_tier_what_needs_no_asking_comes_first(
    cands: list[Candidate], participant: Participant, program: str | None
) -> None:
    req = MatchRequest(needs=NEEDS, participant=participant, limit=50, program=program)
    by_id = {(c.need, c.service_id): c for c in cands}
    for answer in match_needs(req, cands, AT, Freshness()):
        ranks = []
        for o in answer.options:
            pool = next((p for p in by_id[(answer.need, o.service_id)].pools if p.id == o.capacity.capacity_id), None)
            program_pool = pool is not None and pool.is_program_pool
            level = 2 if o.capacity.status == "unconfirmed" else (0 if program_pool else 1)
            ranks.append((level, bool(ask_codes(o))))
        assert ranks == sorted(ranks)


def test_adult_with_no_age_is_asked_about_the_youth_bed() -> None:
    youth = dataclasses.replace(
        candidate("Youth Detox", need="withdrawal_management", km=0.5, pools=(bed_pool("y", 2),)),
        eligibility=Eligibility.of({}, minimum_age=13, maximum_age=17),
    )
    adult = candidate("Adult Detox", need="withdrawal_management", km=3.0, pools=(bed_pool("a", 2),))
    req = MatchRequest(needs=("withdrawal_management",))
    (answer,) = match_needs(req, [youth, adult], AT, Freshness())
    assert [o.name for o in answer.options] == ["Adult Detox", "Youth Detox"]
    assert "ask:age" in answer.options[1].warnings and not ask_codes(answer.options[0])
    (told,) = match_needs(dataclasses.replace(req, participant=Participant(age=34)), [youth, adult], AT, Freshness())
    assert [o.name for o in told.options] == ["Adult Detox"]


def test_every_unasked_term_is_named() -> None:
    rules = Eligibility.of(
        {
            "sobriety_required": "true",
            "excludes_moud": "true",
            "genders": "female",
            "insurance": "medicaid",
            "no_pets": "false",
        },
        maximum_age=24,
    )
    assert asks(rules, Participant()) == ("sobriety_required", "excludes_moud", "genders", "insurance", "age")
    assert (
        asks(
            rules,
            Participant(active_substance_use=False, gender="female", insurance=("medicaid",), age=20, on_moud=False),
        )
        == ()
    )


def test_asking_does_not_cross_tiers() -> None:
    """A program bed that needs asking still ranks before a public bed that does not (R3 first)."""
    bought = dataclasses.replace(
        candidate("Bought", km=4.0, pools=(bed_pool("b", 1, reserved_for=("lead",)),)),
        eligibility=Eligibility.of({"sobriety_required": "true"}),
    )
    public = candidate("Public", km=1.0, pools=(bed_pool("p", 3),))
    req = MatchRequest(needs=("shelter",), program="lead")
    (answer,) = match_needs(req, [bought, public], AT, Freshness())
    assert [o.name for o in answer.options] == ["Bought", "Public"]
    assert answer.options[0].warnings[-1] == "ask:sobriety_required"
