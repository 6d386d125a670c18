"""Routes of the directory room: the HSDS 3.1 read API (Open Referral), its diversion extensions
(geo, needs, intercepts, open-at, eligibility), user error reports and curator corrections.

Routes parse and call service.py; SQL lives in queries.py (search selections) and repository.py."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Path, Query, Request

from api.deps import AnonymousWriteDep, CuratorDep, ReaderDep, SessionDep, SettingsDep, UnitOfWorkRoute
from api.directory import repository, service
from api.directory.hsds_schemas import Organization, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from api.directory.queries import DirectoryQuery, place_selection, service_selection
from api.directory.schemas import (
    ListParams,
    PointOut,
    ReportIn,
    ReportOut,
    ReportResolution,
    ServicePatch,
    directory_query,
    invalid,
)
from api.paging import Page
from catalog.serialize import Level
from divert.settings import Settings

router = APIRouter(tags=["directory"], route_class=UnitOfWorkRoute)

NDJSON_BATCH: Final = 500
NDJSON_MEDIA_TYPE: Final = "application/x-ndjson"


def hsds_answer(model: Any, description: str, *, ndjson: bool = False) -> dict[str, Any]:
    """Route arguments that declare an HSDS answer in the OpenAPI document without validating it per
    request: catalog/serialize.py builds the objects (nulls pruned) and a page of full services is the
    directory's hot path; tests/api/test_hsds_declared.py validates real answers against the models."""
    answer: dict[str, Any] = {"model": model, "description": description}
    if ndjson:  # format=ndjson: every result, one object per line
        answer["content"] = {
            NDJSON_MEDIA_TYPE: {"schema": {"type": "string", "description": "one JSON object per line"}}
        }
    return {"response_model": None, "responses": {200: answer}}


def directory_params(
    request: Request,
    search: Annotated[str | None, Query(description="full text, typo tolerant")] = None,
    taxonomy_term_id: Annotated[list[str] | None, Query(description="services with this term")] = None,
    taxonomy_id: Annotated[str | None, Query(description="services with any term of this taxonomy")] = None,
    organization_id: Annotated[str | None, Query()] = None,
    modified_after: Annotated[str | None, Query(description="ISO 8601 date or date-time")] = None,
    need: Annotated[list[str] | None, Query(description="divert-needs codes (any of)")] = None,
    intercept: Annotated[list[str] | None, Query(description="sim-intercept 0..5 (any of)")] = None,
    language: Annotated[list[str] | None, Query(description="language code or name (any of)")] = None,
    status: Annotated[str | None, Query(description="HSDS service status")] = None,
    lat: Annotated[float | None, Query(description="latitude of the person, WGS84")] = None,
    lon: Annotated[float | None, Query(description="longitude of the person, WGS84")] = None,
    radius_km: Annotated[float | None, Query(description="radius around lat/lon in km (default 15)")] = None,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat")] = None,
    postcode: Annotated[str | None, Query(description="US ZIP code, resolved offline")] = None,
    proximity: Annotated[
        float | None, Query(description="radius around the postcode centroid, in METERS (as HSDS defines it)")
    ] = None,
    open_at: Annotated[str | None, Query(description="ISO 8601 date-time; closed services are left out")] = None,
    age: Annotated[float | None, Query(description="participant age (eligibility)")] = None,
    gender: Annotated[str | None, Query()] = None,
    active_substance_use: Annotated[bool | None, Query()] = None,
    on_moud: Annotated[bool | None, Query()] = None,
    sex_work: Annotated[bool | None, Query()] = None,
    has_id: Annotated[bool | None, Query()] = None,
    criminal_record: Annotated[bool | None, Query()] = None,
    pets: Annotated[bool | None, Query()] = None,
    insurance: Annotated[list[str] | None, Query()] = None,
) -> DirectoryQuery:
    settings: Settings = request.app.state.settings
    return directory_query(
        region_timezone=settings.timezone,
        search=search,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        modified_after=modified_after,
        need=need,
        intercept=intercept,
        language=language,
        status=status,
        lat=lat,
        lon=lon,
        radius_km=radius_km,
        bbox=bbox,
        postcode=postcode,
        proximity=proximity,
        open_at=open_at,
        participant={
            "age": age,
            "gender": gender,
            "active_substance_use": active_substance_use,
            "on_moud": on_moud,
            "sex_work": sex_work,
            "has_id": has_id,
            "criminal_record": criminal_record,
            "pets": pets,
            "insurance": insurance,
        },
    )


DirectoryDep = Annotated[DirectoryQuery, Depends(directory_params)]
ListDep = Annotated[ListParams, Depends()]


# ---- services and services at locations -------------------------------------------------------


@router.get(
    "/services",
    summary="HSDS services (search, taxonomy, geo, needs, open-at, eligibility)",
    **hsds_answer(Page[Service], "an HSDS page of services (minimal, list or full shape)", ndjson=True),
)
def list_services(
    session: SessionDep,
    settings: SettingsDep,
    caller: ReaderDep,
    q: DirectoryDep,
    paging: ListDep,
    minimal: bool = False,
    full: bool = False,
) -> Any:
    return service.listing(
        session, settings, q, paging, service.level_of(minimal, full), service_selection, service.services
    )


@router.get(
    "/services/{service_id}",
    summary="One HSDS service, fully nested",
    **hsds_answer(Service, "the service, full shape"),
)
def get_service(
    service_id: Annotated[str, Path(max_length=200)],
    session: SessionDep,
    settings: SettingsDep,
    caller: ReaderDep,
) -> dict[str, Any]:
    return service.one(service.serializer(session, settings).services([service_id], "full"), "service", service_id)


@router.get(
    "/service_at_locations",
    summary="HSDS services at locations; with lat/lon/radius_km nearest first with distance_km",
    **hsds_answer(Page[ServiceAtLocation], "an HSDS page of services at locations", ndjson=True),
)
def list_service_at_locations(
    session: SessionDep,
    settings: SettingsDep,
    caller: ReaderDep,
    q: DirectoryDep,
    paging: ListDep,
    minimal: bool = False,
    full: bool = False,
) -> Any:
    return service.listing(
        session, settings, q, paging, service.level_of(minimal, full), place_selection, service.places
    )


@router.get(
    "/service_at_locations/{service_at_location_id}",
    summary="One HSDS service at a location",
    **hsds_answer(ServiceAtLocation, "the service at a location, full shape"),
)
def get_service_at_location(
    service_at_location_id: Annotated[str, Path(max_length=200)],
    session: SessionDep,
    settings: SettingsDep,
    caller: ReaderDep,
) -> dict[str, Any]:
    found = service.serializer(session, settings).service_at_locations([service_at_location_id], "full")
    return service.one(found, "service_at_location", service_at_location_id)


# The match page asks where its options are in one request; a page of results never has more.
MAX_PLACES: Final = 100


def id_list(raw: str, field: str = "ids", most: int = MAX_PLACES) -> list[str]:
    wanted = [i for i in dict.fromkeys(part.strip() for part in raw.split(",")) if i]
    if len(wanted) > most:
        raise invalid(field, f"at most {most} ids")
    return wanted


@router.get(
    "/places",
    summary="Coordinates of services at locations, by id (for drawing options on a map)",
    response_model=dict[str, PointOut],
)
def place_points(
    session: SessionDep,
    caller: ReaderDep,
    ids: Annotated[str, Query(max_length=20_000, description="comma-separated service_at_location ids")],
) -> dict[str, dict[str, Any]]:
    """Match options name their place (CONTRACT §2.2) but carry no coordinates; this answers for all
    of a result's places in one round trip instead of one HSDS read per option."""
    return repository.place_points(session, id_list(ids))


# ---- organizations and taxonomies ---------------------------------------------------------------


@router.get(
    "/organizations", summary="HSDS organizations", **hsds_answer(Page[Organization], "an HSDS page of organizations")
)
def list_organizations(
    session: SessionDep,
    settings: SettingsDep,
    caller: ReaderDep,
    paging: ListDep,
    search: str | None = None,
    full: bool = False,
    full_service: bool = False,
) -> Any:
    level: Level = "full" if full or full_service else "list"
    return service.simple_listing(
        session,
        settings,
        paging,
        repository.organization_ids(search),
        lambda s, ids: s.organizations(ids, level, full_service=full_service),
    )


@router.get(
    "/organizations/{organization_id}",
    summary="One HSDS organization with its services",
    **hsds_answer(Organization, "the organization, full shape"),
)
def get_organization(
    organization_id: Annotated[str, Path(max_length=200)],
    session: SessionDep,
    settings: SettingsDep,
    caller: ReaderDep,
    full_service: bool = False,
) -> dict[str, Any]:
    found = service.serializer(session, settings).organizations([organization_id], "full", full_service=full_service)
    return service.one(found, "organization", organization_id)


@router.get("/taxonomies", summary="HSDS taxonomies", **hsds_answer(Page[Taxonomy], "an HSDS page of taxonomies"))
def list_taxonomies(
    session: SessionDep, settings: SettingsDep, caller: ReaderDep, paging: ListDep, search: str | None = None
) -> Any:
    return service.simple_listing(
        session, settings, paging, repository.taxonomy_ids(search), lambda s, ids: s.taxonomies(ids)
    )


@router.get("/taxonomies/{taxonomy_id}", summary="One HSDS taxonomy", **hsds_answer(Taxonomy, "the taxonomy"))
def get_taxonomy(
    taxonomy_id: Annotated[str, Path(max_length=200)],
    session: SessionDep,
    settings: SettingsDep,
    caller: ReaderDep,
) -> dict[str, Any]:
    return service.one(service.serializer(session, settings).taxonomies([taxonomy_id]), "taxonomy", taxonomy_id)


@router.get(
    "/taxonomy_terms",
    summary="HSDS taxonomy terms",
    **hsds_answer(Page[TaxonomyTerm], "an HSDS page of taxonomy terms"),
)
def list_taxonomy_terms(
    session: SessionDep,
    settings: SettingsDep,
    caller: ReaderDep,
    paging: ListDep,
    search: str | None = None,
    taxonomy_id: str | None = None,
    parent_id: str | None = None,
    top_only: bool = False,
) -> Any:
    return service.simple_listing(
        session,
        settings,
        paging,
        repository.taxonomy_term_ids(search, taxonomy_id, parent_id, top_only),
        lambda s, ids: s.taxonomy_terms(ids),
    )


@router.get(
    "/taxonomy_terms/{term_id}", summary="One HSDS taxonomy term", **hsds_answer(TaxonomyTerm, "the taxonomy term")
)
def get_taxonomy_term(
    term_id: Annotated[str, Path(max_length=200)],
    session: SessionDep,
    settings: SettingsDep,
    caller: ReaderDep,
) -> dict[str, Any]:
    return service.one(service.serializer(session, settings).taxonomy_terms([term_id]), "taxonomy term", term_id)


# ---- data quality: reports and curator corrections ----------------------------------------------


@router.post(
    "/services/{service_id}/reports",
    status_code=201,
    summary="Report that a listing is wrong (anyone who may read the directory)",
    response_model=ReportOut,
)
def report_service(
    service_id: Annotated[str, Path(max_length=200)],
    body: ReportIn,
    session: SessionDep,
    caller: AnonymousWriteDep,
) -> dict[str, Any]:
    return service.report_listing(session, service_id, body)


@router.get("/reports", summary="Listing reports for curators", response_model=Page[ReportOut])
def list_reports(
    session: SessionDep,
    caller: CuratorDep,
    paging: ListDep,
    status: Annotated[str | None, Query(description="open | resolved | rejected")] = None,
    service_id: str | None = None,
) -> Any:
    return service.reports(session, paging, status, service_id)


@router.patch("/reports/{report_id}", summary="Resolve or reject a listing report", response_model=ReportOut)
def resolve_report(
    report_id: Annotated[str, Path(max_length=200)],
    body: ReportResolution,
    session: SessionDep,
    caller: CuratorDep,
) -> dict[str, Any]:
    return service.resolve_report(session, report_id, body)


@router.patch(
    "/services/{service_id}",
    summary="Correct a service's own fields (curators)",
    **hsds_answer(Service, "the corrected service, full shape"),
)
def patch_service(
    service_id: Annotated[str, Path(max_length=200)],
    body: ServicePatch,
    session: SessionDep,
    settings: SettingsDep,
    caller: CuratorDep,
) -> dict[str, Any]:
    return service.correct_service(session, settings, caller, service_id, body)
