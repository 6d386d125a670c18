"""Who may do what in the referrals room, on top of the role checks in api.deps.

A case manager (or operator) sees the referrals its key sent; a provider those to its own
organization's services; admin all. Moves are checked against the moves table (api.referrals.moves).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from api.auth.keys import Caller
from api.deps import require_roles
from catalog.tables import Referral
from divert.errors import Forbidden

ReferrerDep = Annotated[Caller, Depends(require_roles("case_manager", "operator"))]
ReferralReaderDep = Annotated[Caller, Depends(require_roles("case_manager", "operator", "provider"))]
OutcomesReaderDep = Annotated[Caller, Depends(require_roles("planner"))]
WebhookOwnerDep = Annotated[Caller, Depends(require_roles("provider"))]


def is_sender(caller: Caller, referral: Referral) -> bool:
    return caller.key_id is not None and caller.key_id == referral.key_id


def is_provider_of(caller: Caller, referral: Referral) -> bool:
    return (
        caller.role == "provider"
        and caller.organization_id is not None
        and caller.organization_id == referral.organization_id
    )


def ensure_referral_visible(caller: Caller, referral: Referral) -> None:
    if caller.role == "admin" or is_sender(caller, referral) or is_provider_of(caller, referral):
        return
    raise Forbidden(f"referral {referral.id} was neither sent by this key nor sent to its organization")
