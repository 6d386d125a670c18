"""The HSDS root (`GET /v1/`), the published diversion profile, the deployment's configuration for
the pages, and the health check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import CallerDep, SessionDep, SettingsDep
from api.directory.repository import region_centre
from divert import __version__
from divert.db import ping
from divert.errors import Unauthorized
from matcher.vocabulary import (
    ELIGIBILITY_TERMS,
    GAP_REASONS,
    INFORMATIONAL_TERMS,
    INTERCEPTS,
    NEEDS,
    PATHWAYS,
)

router = APIRouter()


class RootOut(BaseModel):
    version: str
    profile: str
    openapi_url: str


class ProfileOut(BaseModel):
    name: str
    hsds_version: str
    taxonomies: dict[str, list[str] | dict[str, str]]
    service_capacity_additions: dict[str, str]


class ConfigOut(BaseModel):
    version: str
    tile_url: str | None
    needs: dict[str, str]
    intercepts: dict[str, str]
    gap_reasons: list[str]
    map_centre: dict[str, float] | None


class WhoAmIOut(BaseModel):
    role: str
    organization_id: str | None
    program: str | None
    name: str | None


class HealthOut(BaseModel):
    status: str
    database: str
    detail: str | None = None


PROFILE_PATH = "/v1/profile"


@router.get("/v1/", summary="HSDS root", response_model=RootOut)
def hsds_root(request: Request) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    return {"version": "3.1", "profile": base + PROFILE_PATH, "openapi_url": base + "/openapi.json"}


@router.get(PROFILE_PATH, summary="The diversion profile of HSDS 3.1 (CONTRACT §3)", response_model=ProfileOut)
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


@router.get("/v1/config", summary="What the pages need to know about this deployment", response_model=ConfigOut)
def deployment_config(settings: SettingsDep, session: SessionDep, response: Response) -> dict[str, Any]:
    """The vocabulary, the base map and where the region is (the maps open centred on the catalog)."""
    response.headers["Cache-Control"] = "no-cache"
    return {
        "version": __version__,
        "tile_url": settings.tile_url,
        "needs": NEEDS,
        "intercepts": {str(k): v for k, v in INTERCEPTS.items()},
        "gap_reasons": list(GAP_REASONS) + ["unconfirmed_only"],
        "map_centre": region_centre(session),
    }


@router.get(
    "/healthz",
    summary="Liveness and database reachability",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "the database cannot be reached"}},
)
def healthz(session: SessionDep) -> JSONResponse:
    try:
        ping(session)
    except Exception as exc:  # the database being down is exactly what this reports
        return JSONResponse(
            {
                "error": "database_unavailable",
                "detail": type(exc).__name__,
                "status": "error",
                "database": "unreachable",
            },
            status_code=503,
            headers={"Retry-After": "5"},
        )
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/v1/whoami", summary="The role and bindings of the calling key", response_model=WhoAmIOut)
def whoami(caller: CallerDep) -> dict[str, Any]:
    if caller.role is None:
        raise Unauthorized("send an API key as 'Authorization: Bearer <token>'")
    return {
        "role": caller.role,
        "organization_id": caller.organization_id,
        "program": caller.program,
        "name": caller.name,
    }
