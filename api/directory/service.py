"""What the directory room decides: listings in the HSDS page shape (or NDJSON), single objects, listing
reports and curator corrections. Routes call these; SQL lives in queries.py and repository.py."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import orjson
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import Select
from sqlalchemy.orm import Session

from api.auth.keys import Caller
from api.directory import repository
from api.directory.queries import (
    DirectoryQuery,
    Hit,
    RuleFilter,
    count_of,
    hits_of,
    page_and_total,
    place_selection,
    searched_place_page,
    searched_place_selection,
)
from api.directory.schemas import ListParams, ReportIn, ReportResolution, ServicePatch, invalid
from api.paging import hsds_page
from catalog.projections import refresh_services
from catalog.provenance import provenance_row
from catalog.search import SearchesSites, SearchUnavailable, SiteSearch
from catalog.search.backends import get_search_backend
from catalog.serialize import CatalogSerializer, Level
from catalog.tables import ServiceReport
from divert.errors import NotFound, Unavailable
from divert.settings import Settings

NDJSON_BATCH: Final = 500
NDJSON_MEDIA_TYPE: Final = "application/x-ndjson"

Selector = Callable[[DirectoryQuery, Any], Select[Any]]
Builder = Callable[[CatalogSerializer, Sequence[str], Level], list[dict[str, Any]]]


def serializer(session: Session, settings: Settings) -> CatalogSerializer:
    return CatalogSerializer(session, datetime.now(UTC), settings.freshness)


def level_of(minimal: bool, full: bool, default: Level = "list") -> Level:
    if minimal and full:
        raise invalid("minimal", "minimal and full exclude each other")
    return "minimal" if minimal else "full" if full else default


def services(serializer: CatalogSerializer, ids: Sequence[str], level: Level) -> list[dict[str, Any]]:
    return serializer.services(ids, level)


def places(serializer: CatalogSerializer, ids: Sequence[str], level: Level) -> list[dict[str, Any]]:
    return serializer.service_at_locations(ids, level)


def _site_search(session: Session, settings: Settings, q: DirectoryQuery, selector: Selector) -> SiteSearch | None:
    """A search with a radius over places, with a backend that matches places by their own copy of
    the search document (search_site): its match; otherwise None."""
    if not (q.search and selector is place_selection and q.by_distance):
        return None
    try:
        backend = get_search_backend(settings)
        if isinstance(backend, SearchesSites):
            return backend.site_search(session, q.search)
    except SearchUnavailable as exc:
        raise Unavailable(str(exc), code="search_unavailable") from exc
    return None


def _selection(session: Session, settings: Settings, q: DirectoryQuery, selector: Selector) -> Select[Any]:
    if not q.search:
        return selector(q, None)
    found = _site_search(session, settings, q, selector)
    if found is not None:
        return searched_place_selection(q, found)
    try:
        ranking = get_search_backend(settings).ranking(session, q.search)
    except SearchUnavailable as exc:
        raise Unavailable(str(exc), code="search_unavailable") from exc
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


def listing(
    session: Session,
    settings: Settings,
    q: DirectoryQuery,
    paging: ListParams,
    level: Level,
    selector: Selector,
    build: Builder,
) -> Response:
    """Services or services at locations matching the query: one HSDS page, or every one as NDJSON."""
    if paging.format == "ndjson":
        return _ndjson(session.get_bind(), settings, q, selector, build, level)
    offset = (paging.page - 1) * paging.per_page
    found = None if q.needs_rules else _site_search(session, settings, q, selector)
    if found is not None:
        # A radius search over places: page and total from one pass, its statement built once per shape.
        rows, total = searched_place_page(session, q, found, paging.per_page, offset)
        hits = list(hits_of(rows))
        contents = _decorated(build(serializer(session, settings), [h.id for h in hits], level), hits, q)
        return json_answer(hsds_page(total, paging.page, paging.per_page, contents))
    selection = _selection(session, settings, q, selector)
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
    contents = _decorated(build(serializer(session, settings), [h.id for h in hits], level), hits, q)
    return json_answer(hsds_page(total, paging.page, paging.per_page, contents))


def json_answer(body: dict[str, Any]) -> Response:
    """The page as JSON bytes, encoded once: the objects are plain JSON values already (catalog.serialize
    builds them), so FastAPI's generic encoding walk over every nested object is left out."""
    return Response(orjson.dumps(body), media_type="application/json")


def _ndjson(
    bind: Any, settings: Settings, q: DirectoryQuery, selector: Selector, build: Builder, level: Level
) -> StreamingResponse:
    """Every result, one JSON object per line. Ids come through a server-side cursor in batches and
    each batch is built with its own few queries, so memory stays flat however big the directory.
    The stream outlives the request's unit of work, so it reads through sessions of its own."""
    ids_session = Session(bind=bind)
    try:
        selection = _selection(ids_session, settings, q, selector)
    except BaseException:
        ids_session.close()
        raise

    def lines() -> Iterator[bytes]:
        objects_session = Session(bind=bind)
        try:
            objects = serializer(objects_session, settings)
            rules = RuleFilter(objects_session, q, settings.timezone) if q.needs_rules else None
            result = ids_session.execute(selection, execution_options={"yield_per": NDJSON_BATCH})
            for rows in result.partitions():
                hits = list(hits_of(rows))
                if rules is not None:
                    hits = rules.apply(hits)
                for obj in _decorated(build(objects, [h.id for h in hits], level), hits, q):
                    yield orjson.dumps(obj) + b"\n"
        finally:
            objects_session.close()
            ids_session.close()

    return StreamingResponse(lines(), media_type=NDJSON_MEDIA_TYPE)


def simple_listing(
    session: Session,
    settings: Settings,
    paging: ListParams,
    id_query: Select[Any],
    build: Callable[[CatalogSerializer, Sequence[str]], list[dict[str, Any]]],
) -> dict[str, Any] | StreamingResponse:
    """Lists without geo or rules: ids in SQL order, objects built per page (or per ndjson batch)."""
    if paging.format == "ndjson":
        bind = session.get_bind()

        def lines() -> Iterator[bytes]:
            with Session(bind=bind) as ids_session, Session(bind=bind) as objects_session:
                objects = serializer(objects_session, settings)
                result = ids_session.execute(id_query, execution_options={"yield_per": NDJSON_BATCH})
                for rows in result.partitions():
                    for obj in build(objects, [r[0] for r in rows]):
                        yield orjson.dumps(obj) + b"\n"

        return StreamingResponse(lines(), media_type=NDJSON_MEDIA_TYPE)
    total = count_of(session, id_query)
    offset = (paging.page - 1) * paging.per_page
    ids = [r[0] for r in session.execute(id_query.limit(paging.per_page).offset(offset))]
    return hsds_page(total, paging.page, paging.per_page, build(serializer(session, settings), ids))


def one(found: list[dict[str, Any]], what: str, object_id: str) -> dict[str, Any]:
    if not found:
        raise NotFound(f"no {what} {object_id!r}")
    return found[0]


# ---- data quality: reports and curator corrections ----------------------------------------------

REPORT_STATUSES: Final = ("open", "resolved", "rejected")


def report_view(r: ServiceReport) -> dict[str, Any]:
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


def report_listing(session: Session, service_id: str, body: ReportIn) -> dict[str, Any]:
    """Someone says a listing is wrong. Anonymous: nothing about the reporter is kept."""
    if not repository.service_exists(session, service_id):
        raise NotFound(f"no service {service_id!r}")
    report = ServiceReport(
        id=str(uuid.uuid4()),
        service_id=service_id,
        field=body.field,
        message=body.message.strip() or body.message,
        status="open",
        created_at=datetime.now(UTC),
    )
    return report_view(repository.add_report(session, report))


def reports(session: Session, paging: ListParams, status: str | None, service_id: str | None) -> dict[str, Any]:
    if status is not None and status not in REPORT_STATUSES:
        raise invalid("status", "must be open, resolved or rejected")
    if paging.format != "json":
        raise invalid("format", "reports are listed as json pages")
    total, rows = repository.report_page(
        session, status, service_id, (paging.page - 1) * paging.per_page, paging.per_page
    )
    return hsds_page(total, paging.page, paging.per_page, [report_view(r) for r in rows])


def resolve_report(session: Session, report_id: str, body: ReportResolution) -> dict[str, Any]:
    report = repository.report(session, report_id)
    if report is None:
        raise NotFound(f"no report {report_id!r}")
    report.status = body.status
    report.resolution = body.resolution
    report.resolved_at = datetime.now(UTC)
    session.flush()
    return report_view(report)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def correct_service(
    session: Session, settings: Settings, caller: Caller, service_id: str, body: ServicePatch
) -> dict[str, Any]:
    """A curator's correction of a service's own fields, with the provenance of every changed field."""
    service = repository.service_for_update(session, service_id)
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
    if changes:
        # HSDS metadata: the provenance of every change, who made it and from what to what.
        provenance = [
            provenance_row(
                resource_type="service",
                resource_id=service_id,
                action="update",
                field_name=name,
                previous=_as_text(getattr(service, name)),
                replacement=_as_text(value),
                actor=caller.actor,
                at=now,
            )
            for name, value in sorted(changes.items())
        ]
        repository.correct_service(session, service_id, changes, provenance, now)
        refresh_services(session, [service_id])
    session.expire_all()
    return serializer(session, settings).services([service_id], "full")[0]
