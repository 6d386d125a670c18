"""Eligibility (CONTRACT R1, §3.2): which of a service's rules exclude a participant, in plain words.

The one implementation: the matcher and the directory API both call `excludes`. A participant field
left out (None) excludes nothing, so an anonymous request sees every service a person could use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from functools import cached_property, lru_cache
from typing import Any, Final

from matcher.words import EN, number, say

# Attribute values that switch a yes/no term off; anything else (including no value) means it applies.
FALSE_VALUES: Final = frozenset({"false", "no", "0", "n", "f", "off"})
_FALSE_VALUES: Final = FALSE_VALUES


@dataclass(frozen=True)
class Participant:
    """What a case manager may say about the person (all optional, never stored)."""

    age: float | None = None
    gender: str | None = None
    active_substance_use: bool | None = None
    on_moud: bool | None = None
    sex_work: bool | None = None
    has_id: bool | None = None
    criminal_record: bool | None = None
    pets: bool | None = None
    languages: tuple[str, ...] = ()
    insurance: tuple[str, ...] = ()

    # Hashed once: the rule caches below look a participant up for every candidate of a request.
    @cached_property
    def _hash(self) -> int:
        return hash(tuple(getattr(self, f.name) for f in fields(self)))

    def __hash__(self) -> int:
        return self._hash

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> Participant:
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {k: v for k, v in data.items() if k in known and v is not None}
        for key in ("languages", "insurance"):
            if key in values:
                values[key] = tuple(str(x) for x in values[key])
        return cls(**values)


@dataclass(frozen=True)
class Eligibility:
    """A service's eligibility: profile terms (code -> attribute value) plus HSDS min/max age."""

    terms: tuple[tuple[str, str | None], ...] = ()
    minimum_age: float | None = None
    maximum_age: float | None = None

    @cached_property  # one object per distinct rule set (catalog.candidates), hashed by every rule cache
    def _hash(self) -> int:
        return hash((self.terms, self.minimum_age, self.maximum_age))

    def __hash__(self) -> int:
        return self._hash

    @classmethod
    def of(
        cls,
        terms: Mapping[str, str | None] | Iterable[tuple[str, str | None]] = (),
        minimum_age: float | None = None,
        maximum_age: float | None = None,
    ) -> Eligibility:
        pairs = terms.items() if isinstance(terms, Mapping) else terms
        return cls(tuple(sorted((str(k), v) for k, v in pairs)), minimum_age, maximum_age)

    def value(self, term: str) -> str | None:
        for code, value in self.terms:
            if code == term:
                return value
        return None

    def states(self, term: str) -> bool:
        """Does the service state this yes/no term (attribute present and not "false")?"""
        for code, value in self.terms:
            if code == term:
                return value is None or value.strip().lower() not in _FALSE_VALUES
        return False


def _listed(value: str | None) -> set[str]:
    """An attribute comma list ("female,nonbinary", or a JSON-ish list) as lower-case entries."""
    if not value:
        return set()
    cleaned = value.strip().strip("[]")
    return {p.strip().strip("\"'").lower() for p in cleaned.split(",") if p.strip().strip("\"'")}


# Yes/no terms: (term, participant field, value that excludes); the words are matcher.words "x.<term>".
_FLAG_RULES: Final = (
    ("sobriety_required", "active_substance_use", True),
    ("excludes_moud", "on_moud", True),
    ("excludes_sex_work", "sex_work", True),
    ("id_required", "has_id", False),
    ("excludes_criminal_record", "criminal_record", True),
    ("no_pets", "pets", True),
)


def excludes(
    rules: Eligibility | Mapping[str, Any], participant: Participant | Mapping[str, Any] | None, lang: str = EN
) -> list[str]:
    """The reasons this service's rules exclude this participant; empty when it admits them.

    `rules` may be an `Eligibility` or a plain mapping of term code -> value (with optional
    `minimum_age` / `maximum_age` keys), as the directory API has it.
    """
    if not isinstance(rules, Eligibility):
        mapping = dict(rules)
        rules = Eligibility.of(
            {k: (None if v is None else str(v)) for k, v in mapping.items() if k not in ("minimum_age", "maximum_age")},
            mapping.get("minimum_age"),
            mapping.get("maximum_age"),
        )
    if not isinstance(participant, Participant):
        participant = Participant.from_mapping(participant)

    reasons: list[str] = []
    for term, field_name, excluded_value in _FLAG_RULES:
        said = getattr(participant, field_name)
        if said is not None and said == excluded_value and rules.states(term):
            reasons.append(say(lang, f"x.{term}"))

    genders = _listed(rules.value("genders"))
    if participant.gender is not None and genders and participant.gender.strip().lower() not in genders:
        reasons.append(say(lang, "x.genders", genders=", ".join(sorted(genders))))

    accepted = _listed(rules.value("insurance"))
    said_insurance = {i.strip().lower() for i in participant.insurance if i.strip()}
    # An empty list says nothing (left out); "uninsured" is an entry like any other.
    if accepted and said_insurance and not (accepted & said_insurance):
        reasons.append(say(lang, "x.insurance", insurance=", ".join(sorted(accepted))))

    if participant.age is not None:
        if rules.minimum_age is not None and participant.age < rules.minimum_age:
            reasons.append(say(lang, "x.minimum_age", age=number(rules.minimum_age)))
        if rules.maximum_age is not None and participant.age > rules.maximum_age:
            reasons.append(say(lang, "x.maximum_age", age=number(rules.maximum_age)))
    return reasons


@lru_cache(maxsize=8192)
def excluded_by(rules: Eligibility, participant: Participant, lang: str = EN) -> tuple[str, ...]:
    """`excludes` for the matcher's hot loop: the same service comes back for several needs and
    places, and services share rules, so each (rules, participant) pair is judged once."""
    return tuple(excludes(rules, participant, lang))


def asks(rules: Eligibility, participant: Participant) -> tuple[str, ...]:
    """R10: the §3.2 terms of this service that a participant field left out would decide ("age" for
    the HSDS age bounds), in a fixed order. A missing fact excludes nothing (R1), so the rule is named
    instead, for the case manager to ask before referring."""
    terms = [
        term for term, field_name, _ in _FLAG_RULES if getattr(participant, field_name) is None and rules.states(term)
    ]
    if participant.gender is None and _listed(rules.value("genders")):
        terms.append("genders")
    if not any(i.strip() for i in participant.insurance) and _listed(rules.value("insurance")):
        terms.append("insurance")
    if participant.age is None and (rules.minimum_age is not None or rules.maximum_age is not None):
        terms.append("age")
    return tuple(terms)


@lru_cache(maxsize=8192)
def asked_of(rules: Eligibility, participant: Participant) -> tuple[str, ...]:
    """`asks` for the matcher's hot loop (cached like `excluded_by`)."""
    return asks(rules, participant)


__all__ = ["FALSE_VALUES", "Eligibility", "Participant", "asked_of", "asks", "excluded_by", "excludes"]
