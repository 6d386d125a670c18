"""The matcher as a case manager would describe it, on plain objects (no database)."""

from __future__ import annotations

from datetime import time

from matcher_factories import AT, bed_pool, candidate

from matcher.eligibility import Participant, excludes
from matcher.hours import ScheduleRule
from matcher.match import match_needs
from matcher.model import SERVICE_AREA, MatchRequest
from matcher.pools import Freshness


def answer(cands, **kw):  # type: ignore[no-untyped-def]
    req = MatchRequest(needs=kw.pop("needs", ("shelter",)), **kw)
    return {a.need: a for a in match_needs(req, cands, AT, Freshness())}


def names(a) -> list[str]:  # type: ignore[no-untyped-def]
    return [o.name for o in a.options]


def test_nearest_first_when_all_else_is_equal() -> None:
    cands = [
        candidate("Harbor", km=3.0, pools=(bed_pool("c-h", 4),), features=("low_barrier",)),
        candidate("Pioneer", km=1.0, pools=(bed_pool("c-p", 2),), features=("low_barrier",)),
    ]
    a = answer(cands)["shelter"]
    assert names(a) == ["Pioneer", "Harbor"]
    assert a.gap is None
    first = a.options[0]
    assert first.capacity.status == "open" and first.capacity.pool == "public"
    assert first.capacity.open_units == 2 and first.capacity.capacity_id == "c-p"
    assert "1.0 km" in first.reasons and "low barrier" in first.reasons
    assert "no sobriety requirement" in first.reasons


def test_waitlist_owns_the_units() -> None:
    cands = [candidate("Queue", km=0.5, pools=(bed_pool("q", 2, waitlist=5),))]
    a = answer(cands)["shelter"]
    assert a.options == ()
    assert a.gap is not None and a.gap.reason == "waitlist_only"
    assert "2 beds, all owed to 5 people already waiting" in a.gap.detail


def test_holds_take_the_last_unit() -> None:
    a = answer([candidate("Last", pools=(bed_pool("l", 1, holds=1),))])["shelter"]
    assert a.gap is not None and a.gap.reason == "waitlist_only"


def test_program_pool_first_and_only_for_its_program() -> None:
    bought = candidate("Bought", km=2.0, pools=(bed_pool("pub", 0), bed_pool("lead", 2, reserved_for=("lead-kc",))))
    near = candidate("Near", km=0.5, pools=(bed_pool("n", 3),))
    a = answer([bought, near], program="lead-kc")["shelter"]
    assert names(a) == ["Bought", "Near"]
    assert a.options[0].capacity.pool == "program" and "program-reserved bed" in a.options[0].reasons
    b = answer([bought, near])["shelter"]
    assert names(b) == ["Near"]
    c = answer([bought], program="other")["shelter"]
    assert c.options == () and c.gap is not None and c.gap.reason == "no_capacity"
    assert "reserved for other programs" in c.gap.detail


def test_stale_report_is_unconfirmed_and_ranked_last() -> None:
    stale = candidate("Old", km=0.2, need="withdrawal_management", pools=(bed_pool("o", 3, hours_old=74),))
    fresh = candidate("Fresh", km=9.0, need="withdrawal_management", pools=(bed_pool("f", 1),))
    a = answer([stale, fresh], needs=("withdrawal_management",))["withdrawal_management"]
    assert names(a) == ["Fresh", "Old"]
    assert a.options[1].capacity.status == "unconfirmed"
    assert "capacity_unconfirmed" in a.options[1].warnings
    assert a.gap is None
    only = answer([stale], needs=("withdrawal_management",))["withdrawal_management"]
    assert names(only) == ["Old"] and only.gap is not None and only.gap.reason == "unconfirmed_only"


def test_stale_report_without_units_is_full() -> None:
    a = answer([candidate("Old", pools=(bed_pool("o", 0, hours_old=74),))])["shelter"]
    assert a.gap is not None and a.gap.reason == "no_capacity"


def test_eligibility_gap_says_why() -> None:
    sober = candidate("Sober Living", need="housing", pools=(bed_pool("s", 3),), elig={"sobriety_required": "true"})
    a = answer([sober], needs=("housing",), participant=Participant(active_substance_use=True))["housing"]
    assert a.options == () and a.gap is not None and a.gap.reason == "eligibility"
    assert "requires sobriety" in a.gap.detail
    # A participant field left out excludes nothing.
    assert names(answer([sober], needs=("housing",))["housing"]) == ["Sober Living"]


def test_untracked_food_and_none_in_area() -> None:
    food = candidate("Food Bank", need="food", km=2.0)
    out = answer([food], needs=("food", "shelter"))
    assert out["food"].options[0].capacity.status == "untracked"
    assert out["food"].options[0].capacity.pool is None
    assert out["shelter"].gap is not None and out["shelter"].gap.reason == "none_in_area"


def test_beds_do_not_measure_a_shelters_meals() -> None:
    meals = candidate("Shelter Meals", need="food", pools=(bed_pool("b", 0),))
    a = answer([meals], needs=("food",))["food"]
    assert names(a) == ["Shelter Meals"] and a.options[0].capacity.status == "untracked"


def test_radius_and_service_area() -> None:
    far = candidate("Distant Clinic", need="harm_reduction", km=30.0)
    van = candidate("Van", need="harm_reduction", km=25.0, reach=SERVICE_AREA)
    a = answer([far, van], needs=("harm_reduction",))["harm_reduction"]
    assert names(a) == ["Van"] and "serves this area" in a.options[0].reasons


def test_closed_only_with_open_now() -> None:
    weekdays = (ScheduleRule(freq="WEEKLY", byday="MO,TU,WE,TH,FR", opens_at=time(9), closes_at=time(17)),)
    clinic = candidate("Day Clinic", need="legal", schedules=weekdays)
    # AT is Sunday 20:00 in Seattle.
    a = answer([clinic], needs=("legal",), open_now=True)["legal"]
    assert a.options == () and a.gap is not None and a.gap.reason == "closed"
    b = answer([clinic], needs=("legal",))["legal"]
    assert b.options[0].open_now is False and "closed now" in b.options[0].warnings
    c = answer([candidate("No Hours", need="legal")], needs=("legal",), open_now=True)["legal"]
    assert c.options[0].open_now is None and "hours unknown" in c.options[0].warnings


def test_fit_ranks_up_and_religion_ranks_down() -> None:
    plain = candidate("Plain", km=1.0, pools=(bed_pool("a", 2),))
    low = candidate("Low Barrier", km=1.3, pools=(bed_pool("b", 2),), features=("low_barrier", "housing_first"))
    church = candidate("Chapel", km=0.8, pools=(bed_pool("c", 2),), features=("religious_participation_required",))
    a = answer([plain, low, church])["shelter"]
    assert names(a) == ["Low Barrier", "Plain", "Chapel"]
    assert "religious participation required" in a.options[2].warnings


def test_language_match_ranks_up() -> None:
    en = candidate("English Only", km=1.0, pools=(bed_pool("a", 2),), languages=("en",))
    es = candidate("Bilingual", km=1.4, pools=(bed_pool("b", 2),), languages=("en", "es"))
    a = answer([en, es], participant=Participant(languages=("es",)))["shelter"]
    assert names(a) == ["Bilingual", "English Only"] and "speaks es" in a.options[0].reasons


def test_limit_per_need() -> None:
    cands = [candidate(f"S{i}", km=float(i), pools=(bed_pool(f"c{i}", 1),)) for i in range(8)]
    assert len(answer(cands, limit=3)["shelter"].options) == 3


def test_excludes_is_one_implementation_for_mappings_too() -> None:
    rules = {
        "genders": "female,nonbinary",
        "insurance": "medicaid,uninsured",
        "minimum_age": 18,
        "id_required": "true",
        "no_pets": "false",
    }
    assert excludes(rules, {}) == []
    assert excludes(rules, {"gender": "male"}) == ["serves female, nonbinary only"]
    assert excludes(rules, {"insurance": ["uninsured"]}) == []
    assert excludes(rules, {"insurance": ["private"]}) == ["takes medicaid, uninsured only"]
    assert excludes(rules, {"age": 17}) == ["minimum age 18"]
    assert excludes(rules, {"has_id": False}) == ["requires ID"]
    assert excludes(rules, {"pets": True}) == []  # the term says false
