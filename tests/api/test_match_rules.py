"""Every rule of CONTRACT §2.3 (R1-R9) end to end: HSDS in through POST /v1/import/hsds, answers out
of POST /v1/match over PostGIS, table-driven. Expected answers come from the contract's words
(tests/contract_rules.py and the tables below), never from matcher code. R10 (asking) is not
covered here.
"""

from __future__ import annotations

from typing import Any

import pytest
import world  # tests/world.py: the scenarios' world builder
from contract_rules import EVERYTHING_SAID, INFORMATIONAL_TERMS, ROWS, contract_excludes, participant_of
from sqlalchemy import text

AT = "2026-11-22T20:00:00-08:00"  # a Sunday evening in Seattle
FRESH = "2026-11-22T18:00:00-08:00"  # two hours before AT
STALE = "2026-11-21T12:00:00-08:00"  # 32 hours before AT: past a bed's 24 h
HERE = {"lat": world.CENTER[0], "lon": world.CENTER[1]}


def _open_beds(**extra: Any) -> list[dict[str, Any]]:
    return [{"available": 3, "updated": FRESH, **extra}]


def rule_services() -> list[dict[str, Any]]:
    """One shelter per §3.2 term and per age bound (as in the table), each 1..n km north with three
    fresh open beds, plus one without rules and one with only informational terms."""
    specs: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for row in ROWS:
        key = (row.term, str(row.value))
        if key in seen:
            continue
        seen.add(key)
        spec: dict[str, Any] = {
            "name": f"Rule {row.term}={row.value}",
            "at": (len(specs) + 1, 0),
            "needs": ["shelter"],
            "pools": _open_beds(),
        }
        if row.term in ("minimum_age", "maximum_age"):
            spec[row.term] = row.value
        else:
            spec["elig"] = {row.term: row.value}
        specs.append(spec)
    specs.append({"name": "No Rules", "at": (len(specs) + 1, 0), "needs": ["shelter"], "pools": _open_beds()})
    specs.append(
        {
            "name": "Only Informational",
            "at": (len(specs) + 1, 0),
            "needs": ["shelter"],
            "info": list(INFORMATIONAL_TERMS),
            "pools": _open_beds(),
        }
    )
    return specs


def admitted(specs: list[dict[str, Any]], participant: dict[str, Any]) -> set[str]:
    """The names §3.2 says admit this participant (the oracle of tests/contract_rules.py)."""
    out = set()
    for spec in specs:
        terms = {k: str(v).lower() if isinstance(v, bool) else v for k, v in spec.get("elig", {}).items()}
        if not contract_excludes(terms, participant, spec.get("minimum_age"), spec.get("maximum_age")):
            out.add(spec["name"])
    return out


def match(client: Any, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    body.setdefault("location", HERE)
    body.setdefault("at", AT)
    body.setdefault("limit", 50)
    r = client.post("/v1/match", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return {n["need"]: n for n in r.json()["needs"]}


@pytest.fixture
def rule_world(import_catalog: Any) -> list[dict[str, Any]]:
    specs = rule_services()
    import_catalog(world.world(specs))
    return specs


def test_r1_each_term_and_age_bound_against_each_participant_value(client, make_key, rule_world) -> None:  # type: ignore[no-untyped-def]
    """One request per row of §3.2 × participant value: exactly the services the contract admits."""
    headers = make_key("case_manager")
    for row in ROWS:
        said = participant_of(row)
        got = {o["name"] for o in match(client, headers, needs=["shelter"], participant=said)["shelter"]["options"]}
        assert got == admitted(rule_world, said), row.id
        # The row's own service, explicitly: out exactly when the hand-written row says so.
        assert (f"Rule {row.term}={row.value}" in got) is (not row.excluded), row.id


def test_r1_a_person_who_says_everything_still_gets_the_services_without_rules(client, make_key, rule_world) -> None:  # type: ignore[no-untyped-def]
    answer = match(client, make_key("case_manager"), needs=["shelter"], participant=EVERYTHING_SAID)["shelter"]
    # 70 years old passes only the minimum age; every other rule shuts this person out.
    assert {o["name"] for o in answer["options"]} == {"No Rules", "Only Informational", "Rule minimum_age=18"}
    assert admitted(rule_world, EVERYTHING_SAID) == {"No Rules", "Only Informational", "Rule minimum_age=18"}
    nobody = match(client, make_key("case_manager"), needs=["shelter"])["shelter"]
    assert {o["name"] for o in nobody["options"]} == {s["name"] for s in rule_world}


# --- tiers (R3, R4, R5) and order (R9) ----------------------------------------------------------------

TIER_WORLD = [
    {"name": "Stale Beds", "at": (0.3, 0), "needs": ["shelter"], "pools": [{"available": 4, "updated": STALE}]},
    {"name": "Public Beds", "at": (1, 0), "needs": ["shelter"], "pools": _open_beds()},
    {"name": "Untracked Shelter", "at": (2, 0), "needs": ["shelter"]},
    {
        "name": "Bought Beds",
        "at": (6, 0),
        "needs": ["shelter"],
        "pools": [{"name": "lead", "available": 2, "reserved_for": ["lead"], "updated": FRESH}],
    },
    {"name": "Full Public Beds", "at": (0.5, 0), "needs": ["shelter"], "pools": [{"available": 0, "updated": FRESH}]},
]


@pytest.mark.parametrize(
    ("program", "order", "statuses"),
    [
        # Purchased capacity first (R3) though furthest; open and untracked by nearness; unconfirmed last (R5)
        # though nearest; a full pool never (R2).
        (
            "lead",
            ["Bought Beds", "Public Beds", "Untracked Shelter", "Stale Beds"],
            ["open", "open", "untracked", "unconfirmed"],
        ),
        (None, ["Public Beds", "Untracked Shelter", "Stale Beds"], ["open", "untracked", "unconfirmed"]),
        ("other", ["Public Beds", "Untracked Shelter", "Stale Beds"], ["open", "untracked", "unconfirmed"]),
    ],
)
def test_tiers_program_first_unconfirmed_last(client, make_key, import_catalog, program, order, statuses) -> None:  # type: ignore[no-untyped-def]
    import_catalog(world.world(TIER_WORLD))
    body: dict[str, Any] = {"needs": ["shelter"]}
    if program:
        body["program"] = program
    answer = match(client, make_key("case_manager"), **body)["shelter"]
    assert [o["name"] for o in answer["options"]] == order
    assert [o["capacity"]["status"] for o in answer["options"]] == statuses
    pools = {o["name"]: o["capacity"]["pool"] for o in answer["options"]}
    assert pools.get("Bought Beds", "program") == "program" and pools["Public Beds"] == "public"
    assert pools["Untracked Shelter"] is None
    warned = [o["name"] for o in answer["options"] if "capacity_unconfirmed" in o["warnings"]]
    assert warned == ["Stale Beds"]
    assert answer["gap"] is None
    # R9: the same request again, the same answer.
    assert match(client, make_key("case_manager"), **body)["shelter"] == answer


def test_r9_ties_break_by_distance_then_id(client, make_key, import_catalog) -> None:  # type: ignore[no-untyped-def]
    """Two services at one place with the same score: the answer orders them by id, every time."""
    specs = [{"name": f"Twin {k}", "lat": HERE["lat"] + 0.01, "lon": HERE["lon"], "needs": ["food"]} for k in "ABCD"]
    import_catalog(world.world(specs))
    answer = match(client, make_key("case_manager"), needs=["food"])["food"]
    ids = [o["service_id"] for o in answer["options"]]
    assert ids == sorted(world.service_id(s["name"]) for s in specs)
    assert len({o["score"] for o in answer["options"]}) == 1


# --- gap stages (R7) --------------------------------------------------------------------------------

WEEKDAY_DAYTIME = [("MO,TU,WE,TH,FR", "09:00", "17:00")]  # closed on Sunday evening

GAP_STAGES = [
    # (why, catalog, request extras, expected gap reason, options expected?)
    ("nothing for the need anywhere", [{"name": "Pantry", "at": (1, 0), "needs": ["food"]}], {}, "none_in_area", False),
    (
        "only beyond the radius",
        [{"name": "Far Beds", "at": (20, 0), "needs": ["shelter"], "pools": _open_beds()}],
        {"radius_km": 5},
        "none_in_area",
        False,
    ),
    (
        "in reach, none admits",
        [
            {
                "name": "Sober Beds",
                "at": (1, 0),
                "needs": ["shelter"],
                "elig": {"sobriety_required": True},
                "pools": _open_beds(),
            }
        ],
        {"participant": {"active_substance_use": True}},
        "eligibility",
        False,
    ),
    (
        "eligible, no units",
        [{"name": "Full Beds", "at": (1, 0), "needs": ["shelter"], "pools": [{"available": 0, "updated": FRESH}]}],
        {},
        "no_capacity",
        False,
    ),
    (
        "a stale report that left none is full",
        [{"name": "Old Full", "at": (1, 0), "needs": ["shelter"], "pools": [{"available": 0, "updated": STALE}]}],
        {},
        "no_capacity",
        False,
    ),
    (
        "program beds the request may not use",
        [{"name": "Bought Only", "at": (1, 0), "needs": ["shelter"], "pools": _open_beds(reserved_for=["lead"])}],
        {},
        "no_capacity",
        False,
    ),
    (
        "units owed to the wait list",
        [
            {
                "name": "Queue Beds",
                "at": (1, 0),
                "needs": ["shelter"],
                "pools": [{"available": 3, "waitlist": 3, "updated": FRESH}],
            }
        ],
        {},
        "waitlist_only",
        False,
    ),
    (
        "open units, closed at `at`",
        [{"name": "Day Beds", "at": (1, 0), "needs": ["shelter"], "schedules": WEEKDAY_DAYTIME, "pools": _open_beds()}],
        {"open_now": True},
        "closed",
        False,
    ),
    (
        "closed but open_now not asked",
        [{"name": "Day Beds", "at": (1, 0), "needs": ["shelter"], "schedules": WEEKDAY_DAYTIME, "pools": _open_beds()}],
        {},
        None,
        True,
    ),
    (
        "only a stale report with open units",
        [{"name": "Old Beds", "at": (1, 0), "needs": ["shelter"], "pools": [{"available": 3, "updated": STALE}]}],
        {},
        "unconfirmed_only",
        True,
    ),
    (
        "furthest stage wins: eligibility < no_capacity < waitlist_only",
        [
            {
                "name": "Sober Beds",
                "at": (1, 0),
                "needs": ["shelter"],
                "elig": {"sobriety_required": True},
                "pools": _open_beds(),
            },
            {"name": "Full Beds", "at": (2, 0), "needs": ["shelter"], "pools": [{"available": 0, "updated": FRESH}]},
            {
                "name": "Queue Beds",
                "at": (3, 0),
                "needs": ["shelter"],
                "pools": [{"available": 1, "waitlist": 1, "updated": FRESH}],
            },
        ],
        {"participant": {"active_substance_use": True}},
        "waitlist_only",
        False,
    ),
    (
        "furthest stage wins: no_capacity < closed",
        [
            {"name": "Full Beds", "at": (1, 0), "needs": ["shelter"], "pools": [{"available": 0, "updated": FRESH}]},
            {
                "name": "Day Beds",
                "at": (2, 0),
                "needs": ["shelter"],
                "schedules": WEEKDAY_DAYTIME,
                "pools": _open_beds(),
            },
        ],
        {"open_now": True},
        "closed",
        False,
    ),
    (
        "an option means no gap",
        [
            {
                "name": "Sober Beds",
                "at": (1, 0),
                "needs": ["shelter"],
                "elig": {"sobriety_required": True},
                "pools": _open_beds(),
            },
            {"name": "Open Beds", "at": (2, 0), "needs": ["shelter"], "pools": _open_beds()},
        ],
        {"participant": {"active_substance_use": True}},
        None,
        True,
    ),
]


@pytest.mark.parametrize(("why", "specs", "extra", "reason", "has_options"), GAP_STAGES, ids=[g[0] for g in GAP_STAGES])
def test_r7_gap_stage_and_r8_gap_event(
    client, make_key, import_catalog, db, why, specs, extra, reason, has_options
) -> None:  # type: ignore[no-untyped-def]
    import_catalog(world.world(specs))
    answer = match(client, make_key("case_manager"), needs=["shelter"], intercept=2, **extra)["shelter"]
    assert bool(answer["options"]) is has_options, answer
    assert (answer["gap"] or {}).get("reason") == reason, answer
    if reason is not None:
        assert answer["gap"]["detail"]
    with db() as s:
        events = s.execute(text("SELECT need, reason, intercept FROM gap_event")).all()
    assert [tuple(e) for e in events] == ([] if reason is None else [("shelter", reason, 2)])


# --- R2 / R3 arithmetic and R6 reach ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("pool", "program", "open_units"),
    [
        ({"available": 5, "waitlist": 2}, None, 3),  # public: available - waitlist
        ({"available": 5, "waitlist": 5}, None, None),  # all owed: never an option
        ({"available": 5, "waitlist": 9, "reserved_for": ["lead"]}, "lead", 5),  # program: waitlist not owed
        ({"available": 5, "reserved_for": ["lead"]}, "other", None),  # not this program's
    ],
)
def test_r2_r3_units_offered(client, make_key, import_catalog, pool, program, open_units) -> None:  # type: ignore[no-untyped-def]
    import_catalog(
        world.world([{"name": "Beds", "at": (1, 0), "needs": ["shelter"], "pools": [{**pool, "updated": FRESH}]}])
    )
    body: dict[str, Any] = {"needs": ["shelter"]}
    if program:
        body["program"] = program
    options = match(client, make_key("case_manager"), **body)["shelter"]["options"]
    assert [o["capacity"]["open_units"] for o in options] == ([] if open_units is None else [open_units])


def test_r6_reach_is_the_radius_or_a_covering_service_area(client, make_key, import_catalog) -> None:  # type: ignore[no-untyped-def]
    import_catalog(
        world.world(
            [
                {"name": "Inside", "at": (4, 0), "needs": ["harm_reduction"]},
                {"name": "Outside", "at": (6, 0), "needs": ["harm_reduction"]},
                {"name": "Van Covering", "at": (30, 0), "needs": ["harm_reduction"], "area_km": 35},
                {"name": "Van Elsewhere", "at": (30, 0), "needs": ["harm_reduction"], "area_km": 10},
            ]
        )
    )
    answer = match(client, make_key("case_manager"), needs=["harm_reduction"], radius_km=5)
    options = answer["harm_reduction"]["options"]
    assert {o["name"] for o in options} == {"Inside", "Van Covering"}
