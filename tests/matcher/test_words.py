"""matcher.words without the API: which language a request's `Accept-Language` picks (CONTRACT §2.2:
Spanish when the client names Spanish first, else English; codes never change) and the small words a
sentence is built of (counts, plurals, unknown units, weekdays, needs). Expected words written by hand."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from matcher.gaps import classify_gap
from matcher.words import count, language, need_words, noun, number, say, verb, when


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "en"),
        ("", "en"),
        ("es", "es"),
        ("ES", "es"),
        ("es-MX", "es"),
        ("es-419;q=0.9", "es"),
        (" es ; q=1 , en", "es"),
        ("en-US,es;q=0.8", "en"),
        ("fr, es", "en"),  # the first language named decides: French is not offered, so English
        ("*, es", "es"),  # a wildcard names no language; Spanish is the first named
        (",es", "es"),
        ("*", "en"),
        ("esperanto", "en"),
        ("e", "en"),
    ],
)
def test_accept_language_picks_spanish_only_when_spanish_comes_first(header: str | None, lang: str) -> None:
    assert language(header) == lang


def test_numbers_are_written_without_a_needless_decimal() -> None:
    assert number(3) == "3"
    assert number(3.0) == "3"
    assert number(2.5) == "2.5"
    assert number(1_000_000) == "1000000"
    assert number(0) == "0"


def test_nouns_count_in_both_languages_and_an_unknown_unit_keeps_its_code() -> None:
    assert count("en", 1, "bed") == "1 bed"
    assert count("en", 2, "bed") == "2 beds"
    assert count("en", 0, "person") == "0 people"
    assert count("en", 1.5, "slot") == "1.5 slots"
    assert count("es", 1, "appointment") == "1 cita"
    assert count("es", 3, "service") == "3 servicios"
    assert noun("en", "chair") == "chair"
    assert noun("en", "chair", 2) == "chairs"
    assert noun("es", "chair", 2) == "chairs"
    assert noun("es", "unit", 2) == "unidades"


def test_verbs_agree_with_their_count() -> None:
    assert verb("en", "has", 1) == "has"
    assert verb("en", "has", 2) == "have"
    assert verb("en", "reports", 0) == "report"
    assert verb("es", "reports", 1) == "informa de"
    assert verb("es", "has", 4) == "tienen"


def test_an_opening_is_said_as_the_door_says_it() -> None:
    la = ZoneInfo("America/Los_Angeles")
    assert when("en", datetime(2026, 12, 13, 7, 5, tzinfo=la)) == "Sun 07:05"
    assert when("es", datetime(2026, 12, 9, 21, 0, tzinfo=la)) == "mié 21:00"
    assert when("xx", datetime(2026, 12, 7, 9, 0, tzinfo=la)) == "Mon 09:00"


def test_need_words_in_spanish_fall_back_to_the_given_words() -> None:
    assert need_words("es", "crisis", "crisis care") == "atención de crisis"
    assert need_words("en", "crisis", "crisis care") == "crisis care"
    assert need_words("es", "unknown_need", "something") == "something"
    assert say("es", "km", km=1.25) == "1.2 km"  # the same in both languages


def test_the_none_in_area_gap_in_spanish_names_the_need_in_spanish() -> None:
    gap = classify_gap("crisis", [], 10.0, 0, False, lang="es")
    assert gap is not None and gap.reason == "none_in_area"
    assert gap.detail == "nada para atención de crisis a menos de 10 km, y ninguna zona de servicio cubre este lugar"
    en = classify_gap("crisis", [], 2.5, 0, False)
    assert en is not None and en.detail == (
        "nothing for crisis care within 2.5 km, and no service area covers this location"
    )
