"""CONTRACT §3.2 read as a table, for tests that need an answer the matcher did not compute.

Written from the contract's words alone, not from matcher/eligibility.py: a test that asks the
product's own `excludes` what the right answer is cannot notice when `excludes` is wrong.

§3.2: "attribute `value` in brackets; absent means not stated".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

# The yes/no terms of §3.2, as the table says them: term [true] excludes a participant whose
# field has this value.
YES_NO_TERMS: dict[str, tuple[str, bool]] = {
    "sobriety_required": ("active_substance_use", True),
    "excludes_moud": ("on_moud", True),
    "excludes_sex_work": ("sex_work", True),
    "id_required": ("has_id", False),
    "excludes_criminal_record": ("criminal_record", True),
    "no_pets": ("pets", True),
}

# §3.2: informational terms "never exclude but rank".
INFORMATIONAL_TERMS = ("housing_first", "low_barrier", "walk_in", "religious_participation_required", "peer_staffed")


def _entries(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",") if part.strip()}


def contract_excludes(
    terms: Mapping[str, str],
    participant: Mapping[str, Any],
    minimum_age: float | None = None,
    maximum_age: float | None = None,
) -> bool:
    """Does §3.2 say these rules exclude this participant? A field left out excludes nothing (R1)."""
    for term, (field, excluding) in YES_NO_TERMS.items():
        if terms.get(term) == "true" and participant.get(field) is excluding:
            return True
    gender = participant.get("gender")
    if "genders" in terms and gender is not None and gender.lower() not in _entries(terms["genders"]):
        return True
    said = {i.lower() for i in participant.get("insurance") or ()}
    if "insurance" in terms and said and not (said & _entries(terms["insurance"])):
        return True
    age = participant.get("age")
    if age is not None and minimum_age is not None and age < minimum_age:
        return True
    return age is not None and maximum_age is not None and age > maximum_age


class Row(NamedTuple):
    """One line of §3.2 against one participant value: does the service admit the person?"""

    term: str  # the §3.2 term, or minimum_age / maximum_age
    value: Any  # the attribute value (or the age bound)
    field: str  # the participant field
    said: Any  # what the case manager said
    excluded: bool

    @property
    def id(self) -> str:
        return f"{self.term}={self.value}:{self.field}={self.said}"

    @property
    def asks(self) -> str | None:
        """R10: the `ask:` code a service with this rule carries when the field is left out (every row
        left out here has its rule in force); `ask:age` for both age bounds."""
        if self.said is not None:
            return None
        return "ask:age" if self.term in ("minimum_age", "maximum_age") else f"ask:{self.term}"


# Every term × each value a participant field can take (True, False, left out), written by hand.
ROWS: tuple[Row, ...] = (
    Row("sobriety_required", "true", "active_substance_use", True, True),
    Row("sobriety_required", "true", "active_substance_use", False, False),
    Row("sobriety_required", "true", "active_substance_use", None, False),
    Row("excludes_moud", "true", "on_moud", True, True),
    Row("excludes_moud", "true", "on_moud", False, False),
    Row("excludes_moud", "true", "on_moud", None, False),
    Row("excludes_sex_work", "true", "sex_work", True, True),
    Row("excludes_sex_work", "true", "sex_work", False, False),
    Row("excludes_sex_work", "true", "sex_work", None, False),
    Row("id_required", "true", "has_id", False, True),
    Row("id_required", "true", "has_id", True, False),
    Row("id_required", "true", "has_id", None, False),
    Row("excludes_criminal_record", "true", "criminal_record", True, True),
    Row("excludes_criminal_record", "true", "criminal_record", False, False),
    Row("excludes_criminal_record", "true", "criminal_record", None, False),
    Row("no_pets", "true", "pets", True, True),
    Row("no_pets", "true", "pets", False, False),
    Row("no_pets", "true", "pets", None, False),
    Row("genders", "female,nonbinary", "gender", "female", False),
    Row("genders", "female,nonbinary", "gender", "nonbinary", False),
    Row("genders", "female,nonbinary", "gender", "male", True),
    Row("genders", "female,nonbinary", "gender", None, False),
    Row("insurance", "medicaid,uninsured", "insurance", ["medicaid"], False),
    Row("insurance", "medicaid,uninsured", "insurance", ["uninsured"], False),
    Row("insurance", "medicaid,uninsured", "insurance", ["private"], True),
    Row("insurance", "medicaid,uninsured", "insurance", ["private", "medicaid"], False),
    Row("insurance", "medicaid", "insurance", ["uninsured"], True),
    Row("insurance", "medicaid,uninsured", "insurance", None, False),
    Row("minimum_age", 18, "age", 17, True),
    Row("minimum_age", 18, "age", 18, False),
    Row("minimum_age", 18, "age", 60, False),
    Row("minimum_age", 18, "age", None, False),
    Row("maximum_age", 24, "age", 25, True),
    Row("maximum_age", 24, "age", 24, False),
    Row("maximum_age", 24, "age", 12, False),
    Row("maximum_age", 24, "age", None, False),
)

# Every participant field set to the value most often excluded: a service with no rules, or with only
# informational terms, still admits this person.
EVERYTHING_SAID: dict[str, Any] = {
    "age": 70,
    "gender": "male",
    "active_substance_use": True,
    "on_moud": True,
    "sex_work": True,
    "has_id": False,
    "criminal_record": True,
    "pets": True,
    "languages": ["vi"],
    "insurance": ["private"],
}


def rules_of(row: Row) -> tuple[dict[str, str], float | None, float | None]:
    """The row's service rules as (terms, minimum_age, maximum_age)."""
    if row.term == "minimum_age":
        return {}, row.value, None
    if row.term == "maximum_age":
        return {}, None, row.value
    return {row.term: row.value}, None, None


def participant_of(row: Row) -> dict[str, Any]:
    return {} if row.said is None else {row.field: row.said}
