"""Routes of the match room: POST /v1/match (case_manager, operator, admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CaseWorkerDep, SessionDep, SettingsDep
from api.match.schemas import MatchIn, MatchOut
from api.match.service import run_match

router = APIRouter(tags=["match"])


@router.post("/match", response_model=MatchOut, response_model_exclude_unset=False,
             summary="Options per need that will take this participant now, or the gap")
def match(body: MatchIn, session: SessionDep, settings: SettingsDep, caller: CaseWorkerDep) -> Any:
    """Answers each named need with options ranked by the matching rules (CONTRACT §2.3), or a gap
    with its reason in plain words. Gaps are recorded coarsened for planners; nothing about the
    participant is stored or logged."""
    return run_match(session, settings, caller, body)
