"""The matcher's words in the request's language (CONTRACT §2.2: `Accept-Language` es, else en).

Codes (need codes, warnings, gap reasons, statuses) never change with the language; only the words
for people do. Each phrase is one template per language, filled with `str.format`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

EN: Final = "en"
ES: Final = "es"
LANGUAGES: Final = (EN, ES)

_PHRASES: Final[dict[str, tuple[str, str]]] = {
    # reasons of an option
    "program_reserved": ("program-reserved {unit}", "{unit} reservada por el programa"),
    "open_units": ("{count} open {units}", "{count} {units} libres"),
    "untracked": ("capacity not tracked: call or walk in", "capacidad no registrada: llame o acuda"),
    "no_sobriety": ("no sobriety requirement", "no exige abstinencia"),
    "feature.low_barrier": ("low barrier", "pocos requisitos"),
    "feature.housing_first": ("housing first", "vivienda primero"),
    "feature.walk_in": ("walk-in", "sin cita"),
    "feature.peer_staffed": ("peer staffed", "atendido por pares"),
    "speaks": ("speaks {languages}", "habla {languages}"),
    "open_now": ("open now", "abierto ahora"),
    "opens": ("opens {when}", "abre {when}"),
    "serves_area": ("serves this area", "atiende esta zona"),
    "receives_by": ("receives by {pathway}", "recibe por {pathway}"),
    # deflection pathways (matcher.vocabulary.PATHWAYS), as a reason says them
    "pathway.self_referral": ("self-referral", "autoderivación"),
    "pathway.active_outreach": ("active outreach", "búsqueda activa"),
    "pathway.naloxone_plus": ("naloxone plus", "naloxona plus"),
    "pathway.officer_prevention": ("officer prevention", "prevención policial"),
    "pathway.officer_intervention": ("officer intervention", "intervención policial"),
    "km": ("{km:.1f} km", "{km:.1f} km"),
    # why a service's rules exclude a participant (matcher.eligibility)
    "x.sobriety_required": ("requires sobriety", "exige abstinencia"),
    "x.excludes_moud": ("does not admit people on MOUD", "no admite a personas con MOUD"),
    "x.excludes_sex_work": ("does not admit people doing sex work", "no admite a personas que ejercen trabajo sexual"),
    "x.id_required": ("requires ID", "exige identificación"),
    "x.excludes_criminal_record": (
        "does not admit people with a criminal record",
        "no admite a personas con antecedentes penales",
    ),
    "x.no_pets": ("no pets", "no admite mascotas"),
    "x.genders": ("serves {genders} only", "solo atiende a {genders}"),
    "x.insurance": ("takes {insurance} only", "solo acepta {insurance}"),
    "x.minimum_age": ("minimum age {age}", "edad mínima {age}"),
    "x.maximum_age": ("maximum age {age}", "edad máxima {age}"),
    # gap details (matcher.gaps)
    "within": ("within {km} km", "a menos de {km} km"),
    "where": ("{name} ({place})", "{name} ({place})"),
    "gap.unconfirmed_only": (
        "only unconfirmed reports: {services} {within} last reported room, but the report is older than "
        "its time-to-live; call to confirm (nearest: {nearest})",
        "solo informes sin confirmar: {services} {within} informaron plazas, pero el informe es más "
        "antiguo que su vigencia; llame para confirmar (más cercano: {nearest})",
    ),
    "gap.none_in_area": (
        "nothing for {need} {within}, and no service area covers this location",
        "nada para {need} {within}, y ninguna zona de servicio cubre este lugar",
    ),
    "gap.eligibility.one": (
        "{services} {within} meets this need but it does not admit this participant ({listed}); nearest: {nearest}",
        "{services} {within} cubre esta necesidad pero no admite a esta persona ({listed}); más cercano: {nearest}",
    ),
    "gap.eligibility.many": (
        "{services} {within} meet this need but none admits this participant ({listed}); nearest: {nearest}",
        "{services} {within} cubren esta necesidad pero ninguno admite a esta persona ({listed}); "
        "más cercano: {nearest}",
    ),
    "gap.no_capacity": (
        "{services} {within} {verb} no available {units}{extra}; nearest: {nearest}",
        "{services} {within} no {verb} {units} disponibles{extra}; más cercano: {nearest}",
    ),
    "gap.reserved_elsewhere": (
        "; {count} {units} there are reserved for other programs",
        "; {count} {units} allí están reservadas para otros programas",
    ),
    "gap.waitlist_only": (
        "{services} {within} {verb} {count} {units}, all owed to {owed} already waiting or held; nearest: {nearest}",
        "{services} {within} {verb} {count} {units}, todas debidas a {owed} que ya esperan o las "
        "tienen retenidas; más cercano: {nearest}",
    ),
    "gap.closed": (
        "{services} {within} could take this participant but {none_open} open at this time; nearest: {nearest}",
        "{services} {within} podrían atender a esta persona pero {none_open} abierto a esta hora; "
        "más cercano: {nearest}",
    ),
    "gap.closed.next": ("; {name} opens {when}, {place}", "; {name} abre {when}, {place}"),
    "gap.closed.one": ("it is not", "no está"),
    "gap.closed.many": ("none is", "ninguno está"),
    "beyond": (
        "nearest option {room} beyond {km} km: {name} at {distance:.1f} km",
        "opción más cercana {room} a más de {km} km: {name} a {distance:.1f} km",
    ),
    "beyond.open": ("with room", "con plazas"),
    "beyond.untracked": ("(capacity not tracked)", "(capacidad no registrada)"),
    "beyond.unconfirmed": ("(unconfirmed report)", "(informe sin confirmar)"),
}

# (singular, plural) per language for counted nouns.
_NOUNS: Final[dict[str, tuple[tuple[str, str], tuple[str, str]]]] = {
    "service": (("service", "services"), ("servicio", "servicios")),
    "eligible service": (("eligible service", "eligible services"), ("servicio admisible", "servicios admisibles")),
    "person": (("person", "people"), ("persona", "personas")),
    "bed": (("bed", "beds"), ("cama", "camas")),
    "slot": (("slot", "slots"), ("plaza", "plazas")),
    "appointment": (("appointment", "appointments"), ("cita", "citas")),
    "unit": (("unit", "units"), ("unidad", "unidades")),
}
_VERBS: Final[dict[str, tuple[tuple[str, str], tuple[str, str]]]] = {
    "reports": (("reports", "report"), ("informa de", "informan de")),
    "has": (("has", "have"), ("tiene", "tienen")),
}
_WEEKDAYS: Final = (
    ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
)

# Need code -> words in Spanish (English words come from matcher.vocabulary.NEEDS).
NEEDS_ES: Final[dict[str, str]] = {
    "shelter": "albergue de emergencia",
    "housing": "vivienda",
    "withdrawal_management": "desintoxicación",
    "moud": "medicamentos para el trastorno por uso de opioides",
    "sud_treatment": "tratamiento de adicciones",
    "mental_health": "salud mental",
    "crisis": "atención de crisis",
    "harm_reduction": "reducción de daños",
    "health_care": "atención médica",
    "food": "alimentos",
    "clothing": "ropa",
    "legal": "ayuda legal",
    "id_documents": "documentos de identidad",
    "benefits": "prestaciones públicas",
    "employment": "empleo",
    "education": "educación",
    "transportation": "transporte",
    "peer_support": "apoyo de pares",
    "case_management": "gestión de casos",
}


def language(accept_language: str | None) -> str:
    """`es` when the first language the client names is Spanish (es, es-MX, ...), else `en`."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag and tag != "*":
            return ES if tag.split("-")[0] == ES else EN
    return EN


def _index(lang: str) -> int:
    return 1 if lang == ES else 0


def say(lang: str, key: str, **values: object) -> str:
    return _PHRASES[key][_index(lang)].format(**values)


def noun(lang: str, word: str, n: float = 1) -> str:
    """A noun for a count of n ("1 bed", "2 beds"); an unknown unit keeps its code, with an English s."""
    forms = _NOUNS.get(word)
    if forms is None:
        return word if n == 1 else f"{word}s"
    singular, plural = forms[_index(lang)]
    return singular if n == 1 else plural


def number(x: float) -> str:
    return f"{int(x)}" if float(x).is_integer() else f"{x:g}"


def count(lang: str, n: float, word: str) -> str:
    return f"{number(n)} {noun(lang, word, n)}"


def verb(lang: str, word: str, n: int) -> str:
    singular, plural = _VERBS[word][_index(lang)]
    return singular if n == 1 else plural


def when(lang: str, opens: datetime) -> str:
    """An opening as the door says it, in its own zone: "Mon 09:00" / "lun 09:00"."""
    return f"{_WEEKDAYS[_index(lang)][opens.weekday()]} {opens:%H:%M}"


def need_words(lang: str, need: str, english: str) -> str:
    return NEEDS_ES.get(need, english) if lang == ES else english


__all__ = ["EN", "ES", "LANGUAGES", "count", "language", "need_words", "noun", "number", "say", "verb", "when"]
