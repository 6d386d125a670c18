"""The words of options and gaps in Spanish (CONTRACT §2.2: `Accept-Language: es`), sentence by
sentence as a Spanish-reading case manager sees them; codes (warnings, reasons of a gap) stay the same.
Every expected sentence is written out by hand."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from matcher_factories import AT, bed_pool, candidate

from matcher.eligibility import Participant
from matcher.hours import ScheduleRule, next_open
from matcher.match import match_need
from matcher.model import SERVICE_AREA, Candidate, Gap, MatchRequest
from matcher.pools import Freshness

MONDAY_9 = (ScheduleRule(freq="WEEKLY", byday="MO", opens_at=time(9), closes_at=time(10)),)
ALWAYS = (ScheduleRule(freq="DAILY", opens_at=time(0), closes_at=time(0)),)

GAPS = [
    (
        "one excludes",
        [candidate("Sober House", km=1.0, elig={"sobriety_required": "true"}, pools=(bed_pool("s"),))],
        {"active_substance_use": True},
        "eligibility",
        "1 servicio a menos de 15 km cubre esta necesidad pero no admite a esta persona (exige abstinencia: 1); "
        "más cercano: Sober House (1.0 km)",
    ),
    (
        "two exclude, one serves the area",
        [
            candidate("Sober House", km=2.0, elig={"sobriety_required": "true"}, pools=(bed_pool("s"),)),
            candidate("Van", km=None, reach=SERVICE_AREA, elig={"no_pets": "true"}, pools=(bed_pool("v"),)),
        ],
        {"active_substance_use": True, "pets": True},
        "eligibility",
        "2 servicios a menos de 15 km cubren esta necesidad pero ninguno admite a esta persona (exige abstinencia: 1; "
        "no admite mascotas: 1); más cercano: Van (atiende esta zona)",
    ),
    (
        "full, program beds elsewhere",
        [
            candidate("Full House", km=3.0, pools=(bed_pool("f", available=0),)),
            candidate("Bought House", km=4.0, pools=(bed_pool("b", available=3, reserved_for=("lead",)),)),
        ],
        {},
        "no_capacity",
        "2 servicios admisibles a menos de 15 km no informan de camas disponibles; 3 camas allí están reservadas para "
        "otros programas; más cercano: Full House (3.0 km)",
    ),
    (
        "one full",
        [candidate("Full House", km=3.0, pools=(bed_pool("f", available=0),))],
        {},
        "no_capacity",
        "1 servicio admisible a menos de 15 km no informa de camas disponibles; más cercano: Full House (3.0 km)",
    ),
    (
        "one wait list",
        [candidate("Queue", km=1.0, pools=(bed_pool("q", available=1, waitlist=1),))],
        {},
        "waitlist_only",
        "1 servicio a menos de 15 km tiene 1 cama, todas debidas a 1 persona que ya esperan o las tienen retenidas; "
        "más cercano: Queue (1.0 km)",
    ),
    (
        "two wait lists",
        [
            candidate("Queue", km=1.0, pools=(bed_pool("q", available=2, waitlist=3),)),
            candidate("Held", km=2.0, pools=(bed_pool("h", available=1, holds=2),)),
        ],
        {},
        "waitlist_only",
        "2 servicios a menos de 15 km tienen 3 camas, todas debidas a 5 personas que ya esperan o las tienen "
        "retenidas; más cercano: Queue (1.0 km)",
    ),
    (
        "closed, the van",
        [candidate("Van", km=None, reach=SERVICE_AREA, pools=(bed_pool("v"),), schedules=MONDAY_9)],
        {"open_now": True},
        "closed",
        "1 servicio a menos de 15 km podrían atender a esta persona pero no está abierto a esta hora; "
        "más cercano: Van (atiende esta zona); Van abre lun 09:00, atiende esta zona",
    ),
    (
        "two closed",
        [
            candidate("Day Beds", km=1.0, pools=(bed_pool("d"),), schedules=MONDAY_9),
            candidate("Van", km=None, reach=SERVICE_AREA, pools=(bed_pool("v"),), schedules=MONDAY_9),
        ],
        {"open_now": True},
        "closed",
        "2 servicios a menos de 15 km podrían atender a esta persona pero ninguno está abierto a esta hora; "
        "más cercano: Van (atiende esta zona); Van abre lun 09:00, atiende esta zona",
    ),
    (
        "unconfirmed only",
        [candidate("Van", km=None, reach=SERVICE_AREA, pools=(bed_pool("o", hours_old=30),))],
        {},
        "unconfirmed_only",
        "solo informes sin confirmar: 1 servicio a menos de 15 km informaron plazas, pero el informe es más antiguo "
        "que su vigencia; llame para confirmar (más cercano: Van (atiende esta zona))",
    ),
]


@pytest.mark.parametrize(("why", "cands", "said", "reason", "detail"), GAPS, ids=[g[0] for g in GAPS])
def test_each_gap_in_spanish(
    why: str, cands: list[Candidate], said: dict[str, object], reason: str, detail: str
) -> None:
    fields = dict(said)
    open_now = bool(fields.pop("open_now", False))
    request = MatchRequest(
        needs=("shelter",), open_now=open_now, lang="es", participant=Participant.from_mapping(fields)
    )
    assert match_need("shelter", request, cands, AT, Freshness()).gap == Gap(reason, detail)


def reasons(cand: Candidate, need: str = "shelter", **request: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    answer = match_need(
        need,
        MatchRequest(needs=(need,), lang="es", **request),
        [cand],
        AT,  # type: ignore[arg-type]
        Freshness(),
    )
    (option,) = answer.options
    return option.reasons, option.warnings


def test_option_reasons_in_spanish() -> None:
    bought = candidate(
        "Bought", km=1.0, pools=(bed_pool("b", reserved_for=("lead",)),), languages=("es",), schedules=ALWAYS
    )
    assert reasons(bought, program="lead", participant=Participant(languages=("es",))) == (
        ("cama reservada por el programa", "no exige abstinencia", "habla es", "abierto ahora", "1.0 km"),
        (),
    )
    slots = candidate(
        "Slots",
        need="moud",
        km=2.0,
        pools=(bed_pool("s", available=2, unit="slot"),),
        features=("low_barrier", "peer_staffed", "housing_first"),
    )
    assert reasons(slots, need="moud") == (
        ("2 plazas libres", "vivienda primero", "pocos requisitos", "atendido por pares", "2.0 km"),
        ("hours unknown",),
    )
    food = candidate("Food", need="food", km=None, reach=SERVICE_AREA, pathways=frozenset({"officer_intervention"}))
    assert reasons(
        food, need="food", pathway="officer_intervention", participant=Participant(active_substance_use=True)
    ) == (
        (
            "capacidad no registrada: llame o acuda",
            "no exige abstinencia",
            "recibe por intervención policial",
            "atiende esta zona",
        ),
        ("hours unknown",),
    )


def test_the_pathway_the_person_comes_by_adds_its_reason_and_weight() -> None:
    # docs/matching.md: + 0.08 for a service receiving people by the request's pathway.
    crisis = candidate("Crisis", km=0.0, pools=(bed_pool("c"),), pathways=frozenset({"officer_intervention"}))
    (plain,) = match_need("shelter", MatchRequest(needs=("shelter",)), [crisis], AT, Freshness()).options
    (by,) = match_need(
        "shelter", MatchRequest(needs=("shelter",), pathway="officer_intervention"), [crisis], AT, Freshness()
    ).options
    assert plain.score == 0.75 and by.score == 0.83
    assert "receives by officer intervention" in by.reasons and "receives by officer intervention" not in plain.reasons


def test_next_open_takes_a_zone_object_as_well_as_a_name() -> None:
    la = ZoneInfo("America/Los_Angeles")
    sunday_evening = datetime(2026, 12, 6, 20, 0, tzinfo=la)
    assert next_open(MONDAY_9, sunday_evening, la) == datetime(2026, 12, 7, 9, 0, tzinfo=la)
    assert next_open(MONDAY_9, sunday_evening, "America/Los_Angeles") == datetime(2026, 12, 7, 9, 0, tzinfo=la)
