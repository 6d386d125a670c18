"""Program-reserved pools at services with a harm-reduction barrier (issue 15, CONTRACT §2.5's test).

A program that buys beds at a house that requires sobriety, excludes people on MOUD or who do sex work,
or requires religious participation has bought capacity that shuts out the people it serves. Curators
and planners get the list, with the words of the field, to renegotiate or move the purchase.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.orm import Session

from matcher.vocabulary import ELIGIBILITY_TAXONOMY

# The barrier terms of §2.5, each with what it means for the people a diversion program serves.
BARRIER_TERMS: Final[dict[str, str]] = {
    "sobriety_required": "requires sobriety: people who use now are turned away",
    "excludes_moud": "excludes people on MOUD: people on methadone or buprenorphine are turned away",
    "excludes_sex_work": "excludes people who do sex work",
    "religious_participation_required": "requires religious participation",
}

_RESERVED_AT_BARRIERS: Final = text("""
SELECT c.id AS capacity_id, c.service_id, s.name AS service, o.name AS organization, c.description,
       c.unit_id AS unit, c.available, c.maximum, c.reserved_for,
       array_agg(DISTINCT t.code ORDER BY t.code) AS barriers
FROM service_capacity c
JOIN service s ON s.id = c.service_id
JOIN organization o ON o.id = s.organization_id
JOIN attribute a ON a.link_entity = 'service' AND a.link_id = c.service_id
JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
WHERE cardinality(c.reserved_for) > 0
  AND (CAST(:program AS text) IS NULL OR CAST(:program AS text) = ANY(c.reserved_for))
  AND t.profile = :eligibility_profile AND t.code = ANY(:barrier_terms)
  -- a term switched off ("false") is no barrier, as in matcher.eligibility
  AND lower(coalesce(a.value, 'true')) NOT IN ('false', 'no', '0', 'n', 'f', 'off')
GROUP BY c.id, s.name, o.name
ORDER BY o.name, s.name, c.id
""")


def _number(value: Any) -> int | float | None:
    if value is None:
        return None
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else as_float


def reserved_pools_at_barriers(session: Session, program: str | None = None) -> dict[str, Any]:
    rows = session.execute(
        _RESERVED_AT_BARRIERS,
        {"program": program, "eligibility_profile": ELIGIBILITY_TAXONOMY, "barrier_terms": list(BARRIER_TERMS)},
    ).mappings()
    pools = []
    for r in rows:
        barriers = list(r["barriers"])
        pools.append(
            {
                "capacity_id": r["capacity_id"],
                "service_id": r["service_id"],
                "service": r["service"],
                "organization": r["organization"],
                "description": r["description"],
                "unit": r["unit"],
                "available": _number(r["available"]),
                "maximum": _number(r["maximum"]),
                "reserved_for": list(r["reserved_for"] or ()),
                "barriers": barriers,
                "words": (
                    f"{', '.join(r['reserved_for'] or ())} bought {r['unit']}s at {r['service']}, which "
                    + "; ".join(BARRIER_TERMS[b] for b in barriers)
                    + ": purchased capacity that shuts out the people the program serves"
                ),
            }
        )
    return {"pools": pools}


__all__ = ["BARRIER_TERMS", "reserved_pools_at_barriers"]
