"""Scenario worlds of the importers' tests, importable by name from any test module.

They live here rather than in conftest.py: `from conftest import ...` finds whichever conftest was
imported first, which is another room's when several test folders run in one session.
"""

from __future__ import annotations

import pathlib
from typing import Any

import world as w

INTEROP = pathlib.Path(__file__).resolve().parents[1] / "data" / "interop" / "hsds-3.1-examples"
UPDATED = "2026-11-22T18:00:00-08:00"


def small_world() -> list[dict[str, Any]]:
    """Three services: a shelter with a public and a program pool, a detox with hours, mobile outreach."""
    return w.world(
        [
            {
                "name": "Harbor Shelter",
                "org": "Harbor Housing",
                "at": (1, 1),
                "needs": ["shelter"],
                "elig": {"genders": "female,male,nonbinary"},
                "info": ["low_barrier", "housing_first"],
                "intercepts": [0, 1],
                "languages": ["en", "es"],
                "schedules": [("MO,TU,WE,TH,FR,SA,SU", "18:00", "08:00")],
                "pools": [
                    {"name": "public", "available": 4, "maximum": 40, "waitlist": 6, "updated": UPDATED},
                    {
                        "name": "lead",
                        "available": 2,
                        "maximum": 5,
                        "reserved_for": ["lead-king-county"],
                        "updated": UPDATED,
                    },
                ],
            },
            {
                "name": "Eastside Detox",
                "org": "Eastside Health",
                "at": (-3, 5),
                "needs": ["withdrawal_management", "moud"],
                "elig": {"excludes_moud": True},
                "minimum_age": 18,
                "schedules": [("MO,TU,WE,TH,FR", "09:00:00", "17:00+05:00")],
                "pools": [{"unit": "bed", "available": 1, "maximum": 12, "updated": UPDATED}],
            },
            {
                "name": "Street Outreach",
                "org": "Harbor Housing",
                "at": (0, 0),
                "needs": ["harm_reduction", "food"],
                "area_km": 5,
            },
        ]
    )
