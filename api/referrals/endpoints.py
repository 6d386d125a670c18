"""Routes of the referrals room (CONTRACT §2.7): send a referral, the six moves, lists, outcomes for
planners, and provider webhooks. Write routes commit before they answer."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from math import ceil
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Response

from api.capacity.schemas import NO_NUL_PATTERN
from api.deps import SessionDep, SettingsDep, UnitOfWorkRoute
from api.gaps.params import parse_intercepts, parse_needs, parse_window
from api.referrals import service, webhooks
from api.referrals.auth import OutcomesReaderDep, ReferralReaderDep, ReferrerDep, WebhookOwnerDep
from api.referrals.schemas import (
    DeclineIn,
    OutcomesOut,
    ReferralIn,
    ReferralOut,
    ReferralPage,
    WebhookIn,
    WebhookOut,
)
from divert.errors import InvalidInput

router = APIRouter(route_class=UnitOfWorkRoute)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500

ReferralId = Annotated[str, Path(pattern=NO_NUL_PATTERN, max_length=200)]
WebhookId = Annotated[str, Path(pattern=NO_NUL_PATTERN, max_length=200)]
TextParam = Annotated[str | None, Query(pattern=NO_NUL_PATTERN, max_length=200)]
PageDep = Annotated[int, Query(ge=1, le=1_000_000)]
PerPageDep = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]


def _now() -> datetime:
    return datetime.now(UTC)


# --- referrals -----------------------------------------------------------------------------------------


@router.post(
    "/referrals",
    status_code=201,
    response_model=ReferralOut,
    response_model_exclude_none=True,
    summary="Send a referral: tell a provider a person is on the way",
    tags=["referrals"],
    responses={409: {"description": "the hold is not active, not on this service, or already referred"}},
)
def send_referral(body: ReferralIn, caller: ReferrerDep, session: SessionDep) -> dict[str, Any]:
    result = service.send_referral(session, caller, body, _now())
    return result


@router.get(
    "/referrals",
    response_model=ReferralPage,
    response_model_exclude_none=True,
    summary="Referrals the caller may see: sent by this key, or to this provider",
    tags=["referrals"],
)
def list_referrals(
    caller: ReferralReaderDep,
    session: SessionDep,
    state: TextParam = None,
    reference: TextParam = None,
    page: PageDep = 1,
    per_page: PerPageDep = DEFAULT_PAGE_SIZE,
) -> dict[str, Any]:
    total, contents = service.list_referrals(session, caller, state, reference, (page - 1) * per_page, per_page, _now())
    pages = ceil(total / per_page) if total else 0
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not contents,
        "contents": contents,
    }


@router.get(
    "/referrals/{referral_id}",
    response_model=ReferralOut,
    response_model_exclude_none=True,
    summary="One referral and its history",
    tags=["referrals"],
)
def read_referral(referral_id: ReferralId, caller: ReferralReaderDep, session: SessionDep) -> dict[str, Any]:
    return service.read_referral(session, caller, referral_id, _now())


def _move(session: SessionDep, caller: Any, referral_id: str, action: str, reason: str | None = None) -> dict[str, Any]:
    result = service.move_referral(session, caller, referral_id, action, _now(), reason)
    return result


_MOVE: dict[str, Any] = {
    "response_model": ReferralOut,
    "response_model_exclude_none": True,
    "tags": ["referrals"],
    "responses": {
        403: {"description": "this key may not make this move"},
        409: {"description": "invalid_transition: not a move from the referral's state"},
    },
}


@router.post("/referrals/{referral_id}/accept", summary="Provider: we will take this person", **_MOVE)
def accept(referral_id: ReferralId, caller: ReferralReaderDep, session: SessionDep) -> dict[str, Any]:
    return _move(session, caller, referral_id, "accept")


@router.post(
    "/referrals/{referral_id}/decline", summary="Provider: we cannot take this person (with a reason)", **_MOVE
)
def decline(
    referral_id: ReferralId, caller: ReferralReaderDep, session: SessionDep, body: DeclineIn | None = None
) -> dict[str, Any]:
    return _move(session, caller, referral_id, "decline", body.reason if body else None)


@router.post("/referrals/{referral_id}/arrive", summary="Provider: the person arrived", **_MOVE)
def arrive(referral_id: ReferralId, caller: ReferralReaderDep, session: SessionDep) -> dict[str, Any]:
    return _move(session, caller, referral_id, "arrive")


@router.post(
    "/referrals/{referral_id}/enroll", summary="Provider: the person is enrolled (the held unit is taken)", **_MOVE
)
def enroll(referral_id: ReferralId, caller: ReferralReaderDep, session: SessionDep) -> dict[str, Any]:
    return _move(session, caller, referral_id, "enroll")


@router.post("/referrals/{referral_id}/no_show", summary="Provider: the person did not come", **_MOVE)
def no_show(referral_id: ReferralId, caller: ReferralReaderDep, session: SessionDep) -> dict[str, Any]:
    return _move(session, caller, referral_id, "no_show")


@router.post("/referrals/{referral_id}/cancel", summary="Sender: the referral is withdrawn", **_MOVE)
def cancel(referral_id: ReferralId, caller: ReferralReaderDep, session: SessionDep) -> dict[str, Any]:
    return _move(session, caller, referral_id, "cancel")


# --- outcomes ------------------------------------------------------------------------------------------

OUTCOME_FORMATS = ("json", "csv")
OUTCOME_CSV_COLUMNS = (
    "need",
    "intercept",
    "program",
    "referred",
    "accepted",
    "declined",
    "arrived",
    "enrolled",
    "no_show",
    "cancelled",
    "expired",
    "median_minutes_to_accept",
    "median_minutes_to_enroll",
)


def _outcomes_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(OUTCOME_CSV_COLUMNS)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in OUTCOME_CSV_COLUMNS])
    return out.getvalue()


@router.get(
    "/outcomes",
    response_model=OutcomesOut,
    tags=["referrals"],
    summary="Planners: how referrals ended, by need × intercept × program, small counts suppressed",
)
def outcomes(
    caller: OutcomesReaderDep,
    session: SessionDep,
    settings: SettingsDep,
    from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Annotated[str | None, Query(max_length=40)] = None,
    need: Annotated[str | None, Query(max_length=2000)] = None,
    intercept: Annotated[str | None, Query(max_length=100)] = None,
    program: TextParam = None,
    format: Annotated[str | None, Query(max_length=10)] = None,
) -> Any:
    chosen_format = (format or "json").strip().lower()
    if chosen_format not in OUTCOME_FORMATS:
        raise InvalidInput(
            f"invalid format: one of {', '.join(OUTCOME_FORMATS)}",
            errors=[{"field": "format", "message": f"one of {', '.join(OUTCOME_FORMATS)}"}],
        )
    window = parse_window(from_, to, ZoneInfo(settings.timezone), _now())
    query = service.OutcomeQuery(
        start=window.start,
        end=window.end,
        needs=parse_needs(need) if need else None,
        intercepts=parse_intercepts(intercept) if intercept else None,
        program=program,
    )
    rows = service.outcomes(session, query)
    if chosen_format == "csv":
        return Response(
            _outcomes_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="outcomes.csv"'},
        )
    return {"rows": rows}


# --- webhooks ------------------------------------------------------------------------------------------


@router.post(
    "/webhooks",
    status_code=201,
    response_model=WebhookOut,
    response_model_exclude_none=True,
    tags=["webhooks"],
    summary="Provider: be told of new referrals and moves (the secret is shown once)",
)
def create_webhook(
    body: WebhookIn, caller: WebhookOwnerDep, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    result = webhooks.register_endpoint(session, settings, caller, body, _now())
    return result


@router.get(
    "/webhooks",
    response_model=list[WebhookOut],
    response_model_exclude_none=True,
    tags=["webhooks"],
    summary="This organization's webhooks and their deliveries (never the secret)",
)
def list_webhooks(caller: WebhookOwnerDep, session: SessionDep) -> list[dict[str, Any]]:
    return webhooks.list_endpoints(session, caller)


@router.delete("/webhooks/{webhook_id}", status_code=204, tags=["webhooks"], summary="Stop a webhook")
def delete_webhook(webhook_id: WebhookId, caller: WebhookOwnerDep, session: SessionDep) -> Response:
    webhooks.delete_endpoint(session, caller, webhook_id)
    return Response(status_code=204)
