"""The words of the field a search query is read with: synonyms and language words, from field_words.json.

Callers say "narcan", "bupe", "detox" or "albergue" where the catalog says naloxone, buprenorphine,
withdrawal management and shelter; they add "spanish" or "español" to mean "a service that speaks
Spanish", not a service whose text contains the word. Both search backends read queries through this
module, so they find the same services: the Postgres backend expands the query (`query_units`), the
Meilisearch backend gets the same groups as its `synonyms` setting (`meili_synonyms`). The words are
data (field_words.json) so a region can add its own without touching code.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

WORDS_FILE: Final = Path(__file__).with_name("field_words.json")
# The longest synonym phrase, in words, looked for at each position of a query.
_WORD: Final = re.compile(r"[\w'-]+", re.UNICODE)


def folded(text: str) -> str:
    """Lower case without accents ("Desintoxicación" -> "desintoxicacion"), as PostgreSQL's unaccent does."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class FieldWords:
    # Folded phrase (a tuple of words) -> every member of its synonym group, as written in the data.
    groups: dict[tuple[str, ...], tuple[str, ...]]
    # Folded phrase -> the language filter values it stands for (the code, then the English name).
    languages: dict[tuple[str, ...], tuple[str, ...]]
    longest: int


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(folded(text)))


@lru_cache(maxsize=1)
def field_words(path: Path = WORDS_FILE) -> FieldWords:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    groups: dict[tuple[str, ...], tuple[str, ...]] = {}
    for group in data["synonyms"]:
        members = tuple(dict.fromkeys(str(w) for w in group))
        for word in members:
            groups[_phrase(word)] = members
    languages: dict[tuple[str, ...], tuple[str, ...]] = {}
    for code, entry in data["languages"].items():
        for word in entry["words"]:
            languages[_phrase(word)] = (code, entry["name"])
    longest = max(len(p) for p in [*groups, *languages])
    return FieldWords(groups, languages, longest)


@dataclass(frozen=True)
class ReadQuery:
    """A query as the search understands it: what to look for, and the languages asked for."""

    # Each unit is one word or phrase of the query with its synonyms (the word itself first); a
    # service must match every unit, any alternative of each.
    units: tuple[tuple[str, ...], ...]
    languages: tuple[str, ...]

    @property
    def text(self) -> str:
        """The query's own words without the language words (what a backend with its own synonyms gets)."""
        return " ".join(unit[0] for unit in self.units)

    @property
    def expanded(self) -> bool:
        return any(len(unit) > 1 for unit in self.units)


def read_query(text: str) -> ReadQuery:
    """Splits a query into words and phrases, each with its synonyms; language words become languages.

    Phrases are matched longest first at each position, so "food stamps" is public benefits, not food.
    """
    vocabulary = field_words()
    words = _WORD.findall(text)
    keys = [folded(w) for w in words]
    units: list[tuple[str, ...]] = []
    languages: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(vocabulary.longest, len(words) - i), 0, -1):
            key = tuple(keys[i : i + size])
            spoken = " ".join(words[i : i + size])
            if key in vocabulary.languages:
                languages.extend(vocabulary.languages[key])
                break
            if key in vocabulary.groups:
                others = [w for w in vocabulary.groups[key] if _phrase(w) != key]
                units.append((spoken, *others))
                break
        else:
            units.append((words[i],))
            size = 1
        i += size
    return ReadQuery(tuple(units), tuple(dict.fromkeys(languages)))


def meili_synonyms() -> dict[str, list[str]]:
    """The synonym groups in Meilisearch's `synonyms` setting shape (each member lists all the others).

    Meilisearch folds accents in documents and queries, but a synonym key is matched as normalized
    text, so both the written and the folded form are listed.
    """
    vocabulary = field_words()
    out: dict[str, list[str]] = {}
    for members in {tuple(m) for m in vocabulary.groups.values()}:
        spellings = list(dict.fromkeys([*members, *(" ".join(_phrase(m)) for m in members)]))
        for word in spellings:
            out[word] = [w for w in spellings if w != word]
    return dict(sorted(out.items()))


__all__ = ["FieldWords", "ReadQuery", "field_words", "folded", "meili_synonyms", "read_query"]
