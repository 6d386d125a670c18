"""R1 against CONTRACT §3.2 read as a table (tests/contract_rules.py), one row per term × participant
value: the expected answer is written by hand from the contract, never asked of the matcher."""

from __future__ import annotations

import pytest
from contract_rules import EVERYTHING_SAID, INFORMATIONAL_TERMS, ROWS, Row, contract_excludes, participant_of, rules_of
from matcher_factories import AT, bed_pool, candidate

from matcher.eligibility import Eligibility, Participant, excludes
from matcher.match import match_need
from matcher.model import MatchRequest
from matcher.pools import Freshness


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_the_written_oracle_agrees_with_each_hand_written_row(row: Row) -> None:
    terms, minimum, maximum = rules_of(row)
    assert contract_excludes(terms, participant_of(row), minimum, maximum) is row.excluded


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_excludes_follows_each_row(row: Row) -> None:
    terms, minimum, maximum = rules_of(row)
    rules = Eligibility.of(terms, minimum, maximum)
    reasons = excludes(rules, Participant.from_mapping(participant_of(row)))
    assert bool(reasons) is row.excluded, reasons
    # The directory API hands `excludes` a plain mapping: the same answer.
    mapping = {**terms, "minimum_age": minimum, "maximum_age": maximum}
    assert bool(excludes(mapping, participant_of(row))) is row.excluded


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_the_matcher_offers_exactly_the_services_a_row_admits(row: Row) -> None:
    terms, minimum, maximum = rules_of(row)
    ruled = candidate(
        "Ruled", km=1.0, pools=(bed_pool("p-ruled"),), eligibility=Eligibility.of(terms, minimum, maximum)
    )
    open_door = candidate("Open Door", km=2.0, pools=(bed_pool("p-open"),))
    request = MatchRequest(needs=("shelter",), participant=Participant.from_mapping(participant_of(row)))
    answer = match_need("shelter", request, [ruled, open_door], AT, Freshness())
    names = [o.name for o in answer.options]
    if row.excluded:
        assert names == ["Open Door"]
    elif row.asks:  # R10: a rule the missing fact would decide is named, and the option ranks after
        assert names == ["Open Door", "Ruled"]
        assert row.asks in answer.options[1].warnings
    else:
        assert names == ["Ruled", "Open Door"]
        assert not [w for w in answer.options[0].warnings if w.startswith("ask:")]
    alone = match_need("shelter", request, [ruled], AT, Freshness())
    if row.excluded:
        assert alone.options == () and alone.gap is not None and alone.gap.reason == "eligibility"
    else:
        assert [o.name for o in alone.options] == ["Ruled"] and alone.gap is None


@pytest.mark.parametrize("term", INFORMATIONAL_TERMS)
def test_informational_terms_never_exclude(term: str) -> None:
    assert excludes(Eligibility.of({term: "true"}), Participant.from_mapping(EVERYTHING_SAID)) == []
    assert not contract_excludes({term: "true"}, EVERYTHING_SAID)


def test_a_service_without_rules_admits_anyone_and_an_empty_participant_is_admitted_anywhere() -> None:
    every_rule = Eligibility.of(
        {**{r.term: r.value for r in ROWS if r.term not in ("minimum_age", "maximum_age")}}, 18, 24
    )
    assert excludes(Eligibility(), Participant.from_mapping(EVERYTHING_SAID)) == []
    assert excludes(every_rule, Participant()) == []
    # And every rule at once names every reason (one per term that excludes this person).
    assert len(excludes(every_rule, Participant.from_mapping(EVERYTHING_SAID))) == 9
