"""The diversion profile's vocabulary (CONTRACT §3): needs, eligibility terms, intercepts, units."""

from __future__ import annotations

from typing import Final

NEEDS_TAXONOMY: Final = "divert-needs"
ELIGIBILITY_TAXONOMY: Final = "divert-eligibility"
INTERCEPT_TAXONOMY: Final = "sim-intercept"
PATHWAY_TAXONOMY: Final = "deflection-pathway"
PROFILE_TAXONOMIES: Final = (NEEDS_TAXONOMY, ELIGIBILITY_TAXONOMY, INTERCEPT_TAXONOMY, PATHWAY_TAXONOMY)

# Need code -> plain words, for people.
NEEDS: Final[dict[str, str]] = {
    "shelter": "Emergency shelter",
    "housing": "Housing",
    "withdrawal_management": "Withdrawal management (detox)",
    "moud": "Medications for opioid use disorder",
    "sud_treatment": "Substance use treatment",
    "mental_health": "Mental health care",
    "crisis": "Crisis care",
    "harm_reduction": "Harm reduction",
    "health_care": "Health care",
    "food": "Food",
    "clothing": "Clothing",
    "legal": "Legal help",
    "id_documents": "Identity documents",
    "benefits": "Public benefits",
    "employment": "Employment",
    "education": "Education",
    "transportation": "Transportation",
    "peer_support": "Peer support",
    "case_management": "Case management",
}

# Eligibility terms that exclude (CONTRACT §3.2); value semantics in matcher.eligibility.
ELIGIBILITY_TERMS: Final = frozenset(
    {
        "sobriety_required",
        "excludes_moud",
        "excludes_sex_work",
        "id_required",
        "excludes_criminal_record",
        "genders",
        "no_pets",
        "insurance",
    }
)
# Rules that fail the harm-reduction test (CONTRACT §2.5): a service that requires sobriety, excludes
# people on MOUD or who do sex work, or requires religious participation shuts out the people a
# diversion program serves. The gap map calls supply behind one of them `barriers_only`.
HARM_REDUCTION_BARRIERS: Final = (
    "sobriety_required",
    "excludes_moud",
    "excludes_sex_work",
    "religious_participation_required",
)
# Terms that never exclude but rank.
INFORMATIONAL_TERMS: Final = frozenset(
    {
        "housing_first",
        "low_barrier",
        "walk_in",
        "religious_participation_required",
        "peer_staffed",
    }
)

INTERCEPTS: Final[dict[int, str]] = {
    0: "Community services and crisis",
    1: "Law enforcement",
    2: "Initial detention and first court appearance",
    3: "Jails and courts",
    4: "Reentry",
    5: "Community corrections",
}

# The five pathways of pre-arrest deflection (CONTRACT §3.3b): how a service receives people, the
# Sequential Intercept Model's intercept 0-1 work. Code -> plain words.
PATHWAYS: Final[dict[str, str]] = {
    "self_referral": "Self-referral",
    "active_outreach": "Active outreach",
    "naloxone_plus": "Naloxone plus",
    "officer_prevention": "Officer prevention",
    "officer_intervention": "Officer intervention",
}

GAP_REASONS: Final = ("none_in_area", "eligibility", "no_capacity", "waitlist_only", "closed")

# Needs met by staying somewhere: only these are measured by `bed` pools (matcher.capacity). A
# shelter's beds say nothing about its meal program, so its `food` need stays untracked.
BED_NEEDS: Final = frozenset(
    {
        "shelter",
        "housing",
        "withdrawal_management",
        "sud_treatment",
        "mental_health",
        "crisis",
    }
)
