"""Routes of the directory room: the HSDS 3.1 read API (Open Referral), its diversion extensions
(geo, needs, intercepts, open-at, eligibility), user error reports and curator corrections."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Final

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from api.deps import CuratorDep, ReaderDep, SessionDep, SettingsDep
from api.directory.queries import (
    DirectoryQuery,
    Hit,
    RuleFilter,
    count_of,
    hits_of,
    page_and_total,
    place_selection,
    service_selection,
)
from api.directory.schemas import (
    ListParams,
    ReportIn,
    ReportResolution,
    ServicePatch,
    directory_query,
    invalid,
)
from api.throttle import AnonymousWriteDep
from catalog.projections import refresh_services
from catalog.search import SearchUnavailable, get_search_backend
from catalog.serialize import CatalogSerializer, Level
from catalog.tables import Metadata, Organization, Service, ServiceReport, Taxonomy, TaxonomyTerm
from divert.errors import NotFound, error_body
from divert.settings import Settings

router = APIRouter(tags=["directory"])

NDJSON_BATCH: Final = 500
NDJSON_MEDIA_TYPE: Final = "application/x-ndjson"


# ---- shared pieces -------------------------------------------------------------------------------




def _serializer(session: Session, settings: Settings) -> CatalogSerializer:
    return CatalogSerializer(session, datetime.now(UTC), settings.freshness)


def hsds_page(total: int, page: int, per_page: int, contents: list[Any]) -> dict[str, Any]:
    """The HSDS page shape; `size` is the number of items on this page, as HSDS defines it."""
    total_pages = max((total + per_page - 1) // per_page, 1) if total else 0
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": total == 0,
        "contents": contents,
    }


def _level(minimal: bool, full: bool, default: Level = "list") -> Level:
    if minimal and full:
        raise invalid("minimal", "minimal and full exclude each other")
    return "minimal" if minimal else "full" if full else default


def _search_unavailable(exc: SearchUnavailable) -> JSONResponse:
    return JSONResponse(error_body("search_unavailable", str(exc)), status_code=503)


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
    open_at: Annotated[
        str | None, Query(description="ISO 8601 date-time; closed services are left out")
    ] = None,
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

Selector = Callable[[DirectoryQuery, Any], Select[Any]]
Builder = Callable[[CatalogSerializer, Sequence[str], Level], list[dict[str, Any]]]


def _selection(session: Session, settings: Settings, q: DirectoryQuery, selector: Selector) -> Select[Any]:
    ranking = get_search_backend(settings).ranking(session, q.search) if q.search else None
    return selector(q, ranking)


def _decorated(objects: list[dict[str, Any]], hits: Sequence[Hit], q: DirectoryQuery) -> list[dict[str, Any]]:
    by_id = {o["id"]: o for o in objects}
    out = []
    for h in hits:
        obj = by_id.get(h.id)
        if obj is None:
            continue
        if q.by_distance:
            obj["distance_km"] = h.distance_km
            obj["reach"] = h.reach
        obj.update(h.extras)
        out.append(obj)
    return out


def _list(
    session: Session,
    settings: Settings,
    q: DirectoryQuery,
    paging: ListParams,
    level: Level,
    selector: Selector,
    build: Builder,
) -> Any:
    try:
        if paging.format == "ndjson":
            return _ndjson(session.get_bind(), settings, q, selector, build, level)
        selection = _selection(session, settings, q, selector)
    except SearchUnavailable as exc:
        return _search_unavailable(exc)
    offset = (paging.page - 1) * paging.per_page
    if q.needs_rules:
        rules = RuleFilter(session, q, settings.timezone)
        kept = [h for chunk in rules.stream(hits_of(session.execute(selection).all())) for h in chunk]
        total, hits = len(kept), kept[offset : offset + paging.per_page]
    elif q.search:
        # A search orders every match anyway: page and total from one pass (see page_and_total).
        rows, total = page_and_total(session, selection, paging.per_page, offset)
        hits = list(hits_of(rows))
    else:
        total = count_of(session, selection)
        hits = list(hits_of(session.execute(selection.limit(paging.per_page).offset(offset))))
    serializer = _serializer(session, settings)
    contents = _decorated(build(serializer, [h.id for h in hits], level), hits, q)
    return hsds_page(total, paging.page, paging.per_page, contents)


def _ndjson(
    bind: Any, settings: Settings, q: DirectoryQuery, selector: Selector, build: Builder, level: Level
) -> StreamingResponse:
    """Every result, one JSON object per line. Ids come through a server-side cursor in batches and
    each batch is built with its own few queries, so memory stays flat however big the directory."""
    ids_session = Session(bind=bind)
    try:
        selection = _selection(ids_session, settings, q, selector)
    except BaseException:
        ids_session.close()
        raise

    def lines() -> Iterator[bytes]:
        objects_session = Session(bind=bind)
        try:
            serializer = _serializer(objects_session, settings)
            rules = RuleFilter(objects_session, q, settings.timezone) if q.needs_rules else None
            result = ids_session.execute(selection, execution_options={"yield_per": NDJSON_BATCH})
            for rows in result.partitions():
                hits = list(hits_of(rows))
                if rules is not None:
                    hits = rules.apply(hits)
                for obj in _decorated(build(serializer, [h.id for h in hits], level), hits, q):
                    yield orjson.dumps(obj) + b"\n"
        finally:
            objects_session.close()
            ids_session.close()

    return StreamingResponse(lines(), media_type=NDJSON_MEDIA_TYPE)


def _services(serializer: CatalogSerializer, ids: Sequence[str], level: Level) -> list[dict[str, Any]]:
    return serializer.services(ids, level)


def _places(serializer: CatalogSerializer, ids: Sequence[str], level: Level) -> list[dict[str, Any]]:
    return serializer.service_at_locations(ids, level)


# ---- services and services at locations -------------------------------------------------------


@router.get("/services", summary="HSDS services (search, taxonomy, geo, needs, open-at, eligibility)")
def list_services(
    session: SessionDep,
    settings: SettingsDep,
    caller: ReaderDep,
    q: DirectoryDep,
    paging: ListDep,
    minimal: bool = False,
    full: bool = False,
) -> Any:
    return _list(session, settings, q, paging, _level(minimal, full), service_selection, _services)


@router.get("/services/{service_id}", summary="One HSDS service, fully nested")
def get_service(
    service_id: Annotated[str, Path(max_length=200)],
    session: SessionDep,
    settings: SettingsDep,
    caller: ReaderDep,
) -> dict[str, Any]:
    found = _serializer(session, settings).services([service_id], "full")
    if not found:
        raise NotFound(f"no service {service_id!r}")
    return found[0]


@router.get(
    "/service_at_locations",
    summary="HSDS services at locations; with lat/lon/radius_km nearest first with distance_km",
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
    return _list(session, settings, q, paging, _level(minimal, full), place_selection, _places)


@router.get("/service_at_locations/{service_at_location_id}", summary="One HSDS service at a location")
def get_service_at_location(
    service_at_location_id: Annotated[str, Path(max_length=200)],
    session: SessionDep,
    settings: SettingsDep,
    caller: ReaderDep,
) -> dict[str, Any]:
    found = _serializer(session, settings).service_at_locations([service_at_location_id], "full")
    if not found:
        raise NotFound(f"no service_at_location {service_at_location_id!r}")
    return found[0]


# ---- organizations and taxonomies ---------------------------------------------------------------


def _simple_list(
    session: Session,
    settings: Settings,
    paging: ListParams,
    id_query: Select[Any],
    build: Callable[[CatalogSerializer, Sequence[str]], list[dict[str, Any]]],
) -> Any:
    """Lists without geo or rules: ids in SQL order, objects built per page (or per ndjson batch)."""
    if paging.format == "ndjson":
        bind = session.get_bind()

        def lines() -> Iterator[bytes]:
            with Session(bind=bind) as ids_session, Session(bind=bind) as objects_session:
                serializer = _serializer(objects_session, settings)
                result = ids_session.execute(id_query, execution_options={"yield_per": NDJSON_BATCH})
                for rows in result.partitions():
                    for obj in build(serializer, [r[0] for r in rows]):
                        yield orjson.dumps(obj) + b"\n"

        return StreamingResponse(lines(), media_type=NDJSON_MEDIA_TYPE)
    total = count_of(session, id_query)
    offset = (paging.page - 1) * paging.per_page
    ids = [r[0] for r in session.execute(id_query.limit(paging.per_page).offset(offset))]
    return hsds_page(total, paging.page, paging.per_page, build(_serializer(session, settings), ids))


def _text_filter(columns: Sequence[Any], search: str | None) -> Any:
    if not search or not search.strip():
        return None
    if len(search) > 200:
        raise invalid("search", "at most 200 characters")
    pattern = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(*[c.ilike(pattern) for c in columns])


@router.get("/organizations", summary="HSDS organizations")
def list_organizations(
    session: SessionDep,
    settings: SettingsDep,
    caller: ReaderDep,
    paging: ListDep,
    search: str | None = None,
    full: bool = False,
    full_service: bool = False,
) -> Any:
    stmt = select(Organization.id).order_by(Organization.name, Organization.id)
    condition = _text_filter(
        [Organization.name, Organization.alternate_name, Organization.description], search
    )
    if condition is not None:
        stmt = stmt.where(condition)
    level: Level = "full" if full or full_service else "list"
    return _simple_list(
        session, settings, paging, stmt, lambda s, ids: s.organizations(ids, level, full_service=full_service)
    )


@router.get("/organizations/{organization_id}", summary="One HSDS organization with its services")
def get_organization(
    organization_id: Annotated[str, Path(max_length=200)],
    session: SessionDep,
    settings: SettingsDep,
    caller: ReaderDep,
    full_service: bool = False,
) -> dict[str, Any]:
    found = _serializer(session, settings).organizations([organization_id], "full", full_service=full_service)
    if not found:
        raise NotFound(f"no organization {organization_id!r}")
    return found[0]


@router.get("/taxonomies", summary="HSDS taxonomies")
def list_taxonomies(
    session: SessionDep, settings: SettingsDep, caller: ReaderDep, paging: ListDep, search: str | None = None
) -> Any:
    stmt = select(Taxonomy.id).order_by(Taxonomy.name, Taxonomy.id)
    condition = _text_filter([Taxonomy.name, Taxonomy.description], search)
    if condition is not None:
        stmt = stmt.where(condition)
    return _simple_list(session, settings, paging, stmt, lambda s, ids: s.taxonomies(ids))


@router.get("/taxonomies/{taxonomy_id}", summary="One HSDS taxonomy")
def get_taxonomy(
    taxonomy_id: Annotated[str, Path(max_length=200)],
    session: SessionDep,
    settings: SettingsDep,
    caller: ReaderDep,
) -> dict[str, Any]:
    found = _serializer(session, settings).taxonomies([taxonomy_id])
    if not found:
        raise NotFound(f"no taxonomy {taxonomy_id!r}")
    return found[0]


@router.get("/taxonomy_terms", summary="HSDS taxonomy terms")
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
    stmt = select(TaxonomyTerm.id).order_by(TaxonomyTerm.taxonomy, TaxonomyTerm.code, TaxonomyTerm.id)
    condition = _text_filter([TaxonomyTerm.name, TaxonomyTerm.code, TaxonomyTerm.description], search)
    if condition is not None:
        stmt = stmt.where(condition)
    if taxonomy_id:
        # By taxonomy id, or by the taxonomy's name as HSDS `taxonomy` ("divert-needs").
        stmt = stmt.where(or_(TaxonomyTerm.taxonomy_id == taxonomy_id, TaxonomyTerm.taxonomy == taxonomy_id))
    if parent_id:
        stmt = stmt.where(TaxonomyTerm.parent_id == parent_id)
    if top_only:
        stmt = stmt.where(TaxonomyTerm.parent_id.is_(None))
    return _simple_list(session, settings, paging, stmt, lambda s, ids: s.taxonomy_terms(ids))


@router.get("/taxonomy_terms/{term_id}", summary="One HSDS taxonomy term")
def get_taxonomy_term(
    term_id: Annotated[str, Path(max_length=200)],
    session: SessionDep,
    settings: SettingsDep,
    caller: ReaderDep,
) -> dict[str, Any]:
    found = _serializer(session, settings).taxonomy_terms([term_id])
    if not found:
        raise NotFound(f"no taxonomy term {term_id!r}")
    return found[0]


# ---- data quality: reports and curator corrections ----------------------------------------------


def _report_object(r: ServiceReport) -> dict[str, Any]:
    return {
        "id": r.id,
        "service_id": r.service_id,
        "field": r.field,
        "message": r.message,
        "status": r.status,
        "resolution": r.resolution,
        "created_at": r.created_at.isoformat() if r.created_at else None,
        "resolved_at": r.resolved_at.isoformat() if r.resolved_at else None,
    }


@router.post(
    "/services/{service_id}/reports",
    status_code=201,
    summary="Report that a listing is wrong (anyone who may read the directory)",
)
def report_service(
    service_id: Annotated[str, Path(max_length=200)], body: ReportIn, session: SessionDep,
    caller: AnonymousWriteDep,
) -> dict[str, Any]:
    if session.get(Service, service_id) is None:
        raise NotFound(f"no service {service_id!r}")
    report = ServiceReport(
        id=str(uuid.uuid4()),
        service_id=service_id,
        field=body.field,
        message=body.message.strip() or body.message,
        status="open",
        created_at=datetime.now(UTC),
    )
    session.add(report)
    session.flush()
    return _report_object(report)


@router.get("/reports", summary="Listing reports for curators")
def list_reports(
    session: SessionDep,
    caller: CuratorDep,
    paging: ListDep,
    status: Annotated[str | None, Query(description="open | resolved | rejected")] = None,
    service_id: str | None = None,
) -> Any:
    if status is not None and status not in ("open", "resolved", "rejected"):
        raise invalid("status", "must be open, resolved or rejected")
    if paging.format != "json":
        raise invalid("format", "reports are listed as json pages")
    stmt = select(ServiceReport).order_by(ServiceReport.created_at, ServiceReport.id)
    if status:
        stmt = stmt.where(ServiceReport.status == status)
    if service_id:
        stmt = stmt.where(ServiceReport.service_id == service_id)
    total = int(
        session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    )
    rows = session.execute(stmt.limit(paging.per_page).offset((paging.page - 1) * paging.per_page)).scalars()
    return hsds_page(total, paging.page, paging.per_page, [_report_object(r) for r in rows])


@router.patch("/reports/{report_id}", summary="Resolve or reject a listing report")
def resolve_report(
    report_id: Annotated[str, Path(max_length=200)],
    body: ReportResolution,
    session: SessionDep,
    caller: CuratorDep,
) -> dict[str, Any]:
    report = session.get(ServiceReport, report_id)
    if report is None:
        raise NotFound(f"no report {report_id!r}")
    report.status = body.status
    report.resolution = body.resolution
    report.resolved_at = datetime.now(UTC)
    session.flush()
    return _report_object(report)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@router.patch("/services/{service_id}", summary="Correct a service's own fields (curators)")
def patch_service(
    service_id: Annotated[str, Path(max_length=200)],
    body: ServicePatch,
    session: SessionDep,
    settings: SettingsDep,
    caller: CuratorDep,
) -> dict[str, Any]:
    service = session.get(Service, service_id, with_for_update=True)
    if service is None:
        raise NotFound(f"no service {service_id!r}")
    given = body.model_dump(exclude_unset=True)
    if "name" in given and given["name"] is None:
        raise invalid("name", "a service must keep a name")
    if "status" in given and given["status"] is None:
        raise invalid("status", "a service must keep a status")
    low = given.get("minimum_age", service.minimum_age)
    high = given.get("maximum_age", service.maximum_age)
    if low is not None and high is not None and low > high:
        raise invalid("minimum_age", "must not exceed maximum_age")
    now = datetime.now(UTC)
    changes = {k: v for k, v in given.items() if getattr(service, k) != v}
    for field_name, value in sorted(changes.items()):
        # HSDS metadata: the provenance of every change, who made it and from what to what.
        session.add(
            Metadata(
                id=str(uuid.uuid4()),
                resource_id=service_id,
                resource_type="service",
                last_action_date=now,
                last_action_type="update",
                field_name=field_name,
                previous_value=_as_text(getattr(service, field_name)),
                replacement_value=_as_text(value),
                updated_by=caller.actor,
            )
        )
    if changes:
        # content_hash cleared: the next import of the source file is then a real update, not "unchanged".
        session.execute(update(Service).where(Service.id == service_id)
                        .values(**changes, last_modified=now, content_hash=None))
        session.flush()
        refresh_services(session, [service_id])
    session.expire_all()
    return _serializer(session, settings).services([service_id], "full")[0]
