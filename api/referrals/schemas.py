"""Request and response shapes of the referrals room (CONTRACT §2.7): referrals, moves, outcomes, webhooks."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.capacity.schemas import SafeText
from api.match.schemas import LocationIn
from matcher.vocabulary import INTERCEPTS, NEEDS

# How long a provider has to answer before a `sent` referral expires (minutes).
RESPOND_WITHIN_DEFAULT = 60
RESPOND_WITHIN_MIN = 5
RESPOND_WITHIN_MAX = 1440

STATES = ("sent", "accepted", "declined", "arrived", "enrolled", "no_show", "cancelled", "expired")
OPEN_STATES = ("sent", "accepted", "arrived")
DECLINE_REASONS = ("no_capacity", "not_eligible", "participant_declined", "no_contact", "other")

NeedCode = Literal[tuple(NEEDS)]  # type: ignore[valid-type]
Id = Annotated[SafeText, Field(min_length=1, max_length=200)]


class ReferralIn(BaseModel):
    """A referral names the service and the need, never the person.

    Fields outside the contract (a `participant` object copied from the match request, a name) are
    ignored: they are not read, stored or logged.
    """

    model_config = ConfigDict(extra="ignore")

    service_id: Id
    need: NeedCode  # type: ignore[valid-type]
    hold_id: Id | None = None
    program: Annotated[SafeText, Field(min_length=1, max_length=200)] | None = None
    intercept: Annotated[int, Field(ge=min(INTERCEPTS), le=max(INTERCEPTS), strict=True)] | None = None
    location: LocationIn | None = None
    respond_within_minutes: Annotated[int, Field(ge=RESPOND_WITHIN_MIN, le=RESPOND_WITHIN_MAX, strict=True)] = (
        RESPOND_WITHIN_DEFAULT
    )


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # Required; left optional here so a missing reason is answered by the service naming the field.
    reason: Literal[DECLINE_REASONS] | None = None  # type: ignore[valid-type]


class HistoryEntryOut(BaseModel):
    state: str
    at: str
    reason: str | None = None


class ReferralOut(BaseModel):
    id: str
    reference: str
    state: str
    service_id: str
    service_name: str | None = None
    organization_id: str | None = None
    need: str
    hold_id: str | None = None
    program: str | None = None
    intercept: int | None = None
    cell: str | None = None
    created_at: str
    respond_by: str
    updated_at: str
    history: list[HistoryEntryOut]


class ReferralPage(BaseModel):
    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[ReferralOut]


Count = int | Literal["<5"]


class OutcomeRowOut(BaseModel):
    need: str
    intercept: int | None
    program: str | None
    referred: Count
    accepted: Count
    declined: Count
    arrived: Count
    enrolled: Count
    no_show: Count
    cancelled: Count
    expired: Count
    median_minutes_to_accept: float | None
    median_minutes_to_enroll: float | None
    decline_reasons: dict[str, Count]


class OutcomesOut(BaseModel):
    rows: list[OutcomeRowOut]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    url: Annotated[SafeText, Field(min_length=1, max_length=2000)]
    organization_id: Id | None = None


class WebhookOut(BaseModel):
    id: str
    organization_id: str
    url: str
    created_at: str
    secret: str | None = None  # only in the answer to POST /v1/webhooks
    deliveries: dict[str, int] | None = None
