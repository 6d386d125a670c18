"""Routes of the match room: POST /v1/match (case_manager, operator, admin)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Header
from fastapi.responses import Response

from api import throttle
from api.deps import CaseWorkerDep, SessionDep, SettingsDep, UnitOfWorkRoute
from api.lean import body_schema, validated, work_and_commit
from api.match.schemas import MatchIn, MatchOut
from api.match.service import match_connection, run_match
from matcher.words import language

router = APIRouter(tags=["match"], route_class=UnitOfWorkRoute)


# A hot route (api/lean.py): the key's throttle count, the body's validation and the match run in one
# worker-thread hop on one connection. The answer is built in the exact response shape already and
# serialized directly (MatchOut documents it in OpenAPI; tests/api/test_match_declared.py holds it).
@router.post(
    "/match",
    response_model=MatchOut,
    response_model_exclude_unset=False,
    summary="Options per need that will take this participant now, or the gap",
    openapi_extra=body_schema(MatchIn),
)
async def match(
    document: Annotated[Any, Body()],
    session: SessionDep,
    settings: SettingsDep,
    caller: CaseWorkerDep,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """Answers each named need with options ranked by the matching rules (CONTRACT §2.3), or a gap
    with its reason in plain words (Spanish with `Accept-Language: es`; codes stay codes). Gaps are
    recorded coarsened for planners; nothing about the participant is stored or logged."""
    lang = language(accept_language)

    def answer() -> dict[str, Any]:
        # Counted before the body is judged, as a throttle dependency would: a flood of bad bodies
        # is throttled too, and a count is kept even when the request fails afterwards.
        connection = match_connection(session)
        throttle.hit_on(connection, settings, "match", f"key:{caller.key_id}", settings.matches_per_key)
        return run_match(session, settings, caller, validated(MatchIn, document), lang)

    return Response(orjson.dumps(await work_and_commit(session, answer)), media_type="application/json")
