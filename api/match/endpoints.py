"""Routes of the match room: POST /v1/match (case_manager, operator, admin)."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Header
from fastapi.responses import Response

from api.deps import MatchThrottleDep, SessionDep, SettingsDep, UnitOfWorkRoute
from api.match.schemas import MatchIn, MatchOut
from api.match.service import run_match
from matcher.words import language

router = APIRouter(tags=["match"], route_class=UnitOfWorkRoute)


@router.post(
    "/match",
    response_model=MatchOut,
    response_model_exclude_unset=False,
    summary="Options per need that will take this participant now, or the gap",
)
def match(
    body: MatchIn,
    session: SessionDep,
    settings: SettingsDep,
    caller: MatchThrottleDep,
    accept_language: str | None = Header(default=None),
) -> Response:
    """Answers each named need with options ranked by the matching rules (CONTRACT §2.3), or a gap
    with its reason in plain words (Spanish with `Accept-Language: es`; codes stay codes). Gaps are
    recorded coarsened for planners; nothing about the participant is stored or logged."""
    # The answer is built in the exact response shape already; serializing it directly skips a
    # second validation pass on the hot path (MatchOut still documents it in OpenAPI).
    answer = run_match(session, settings, caller, body, language(accept_language))
    return Response(orjson.dumps(answer), media_type="application/json")
