"""The HSDS root (`GET /v1/`), the published diversion profile, and the health check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import CallerDep, SessionDep
from divert.errors import Unauthorized
from matcher.vocabulary import ELIGIBILITY_TERMS, INFORMATIONAL_TERMS, INTERCEPTS, NEEDS, PATHWAYS

router = APIRouter()

PROFILE_PATH = "/v1/profile"


@router.get("/v1/", summary="HSDS root")
def hsds_root(request: Request) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    return {"version": "3.1", "profile": base + PROFILE_PATH, "openapi_url": base + "/openapi.json"}


@router.get(PROFILE_PATH, summary="The diversion profile of HSDS 3.1 (CONTRACT §3)")
def profile() -> dict[str, Any]:
    return {
        "name": "divert diversion profile",
        "hsds_version": "3.1",
        "taxonomies": {
            "divert-needs": sorted(NEEDS),
            "divert-eligibility": sorted(ELIGIBILITY_TERMS) + sorted(INFORMATIONAL_TERMS),
            "sim-intercept": {str(k): v for k, v in INTERCEPTS.items()},
            # The pathways by which a service receives people (pre-arrest deflection, intercepts 0-1).
            "deflection-pathway": dict(PATHWAYS),
        },
        "service_capacity_additions": {
            "waitlist": "integer >= 0: people already waiting for this unit (default 0)",
            "reserved_for": "array of program codes whose purchased units these are; empty = public pool",
            "location_id": "optional: the site the units are at",
        },
    }


@router.get("/healthz", summary="Liveness and database reachability")
def healthz(session: SessionDep) -> JSONResponse:
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:  # the database being down is exactly what this reports
        return JSONResponse({"error": "database_unavailable", "detail": type(exc).__name__, "status": "error",
                             "database": "unreachable"}, status_code=503, headers={"Retry-After": "5"})
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/v1/whoami", summary="The role and bindings of the calling key")
def whoami(caller: CallerDep) -> dict[str, Any]:
    if caller.role is None:
        raise Unauthorized("send an API key as 'Authorization: Bearer <token>'")
    return {"role": caller.role, "organization_id": caller.organization_id, "program": caller.program,
            "name": caller.name}
