"""SQL of the directory room besides the search selections (queries.py): organization and taxonomy
listings, listing reports, curator corrections, places' coordinates and where the region is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, case, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from api.directory.schemas import invalid
from catalog.tables import (
    Location,
    Metadata,
    Organization,
    Phone,
    Service,
    ServiceAtLocation,
    ServiceReport,
    Taxonomy,
    TaxonomyTerm,
)

MAX_SEARCH_CHARS: Final = 200


def _text_filter(columns: Sequence[Any], search: str | None) -> ColumnElement[bool] | None:
    """A case-insensitive substring match on any of the columns (LIKE wildcards in the text escaped)."""
    if not search or not search.strip():
        return None
    if len(search) > MAX_SEARCH_CHARS:
        raise invalid("search", f"at most {MAX_SEARCH_CHARS} characters")
    pattern = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(*[c.ilike(pattern) for c in columns])


def organization_ids(search: str | None) -> Select[Any]:
    stmt = select(Organization.id).order_by(Organization.name, Organization.id)
    condition = _text_filter([Organization.name, Organization.alternate_name, Organization.description], search)
    return stmt if condition is None else stmt.where(condition)


def taxonomy_ids(search: str | None) -> Select[Any]:
    stmt = select(Taxonomy.id).order_by(Taxonomy.name, Taxonomy.id)
    condition = _text_filter([Taxonomy.name, Taxonomy.description], search)
    return stmt if condition is None else stmt.where(condition)


def taxonomy_term_ids(
    search: str | None, taxonomy_id: str | None, parent_id: str | None, top_only: bool
) -> Select[Any]:
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
    return stmt


# ---- listing reports and curator corrections ------------------------------------------------------


def service_exists(session: Session, service_id: str) -> bool:
    return session.get(Service, service_id) is not None


def add_report(session: Session, report: ServiceReport) -> ServiceReport:
    session.add(report)
    session.flush()
    return report


def report(session: Session, report_id: str) -> ServiceReport | None:
    return session.get(ServiceReport, report_id)


def report_page(
    session: Session, status: str | None, service_id: str | None, offset: int, limit: int
) -> tuple[int, list[ServiceReport]]:
    stmt = select(ServiceReport).order_by(ServiceReport.created_at, ServiceReport.id)
    if status:
        stmt = stmt.where(ServiceReport.status == status)
    if service_id:
        stmt = stmt.where(ServiceReport.service_id == service_id)
    total = int(session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one())
    return total, list(session.execute(stmt.limit(limit).offset(offset)).scalars())


def service_for_update(session: Session, service_id: str) -> Service | None:
    """The service, row-locked until the request's unit of work ends (two curators edit one after the other)."""
    return session.get(Service, service_id, with_for_update=True)


def correct_service(
    session: Session, service_id: str, changes: dict[str, Any], provenance: list[dict[str, Any]], now: datetime
) -> None:
    """Writes a curator's changes and their provenance rows. content_hash is cleared: the next import
    of the source file is then a real update, not "unchanged"."""
    if provenance:
        session.execute(insert(Metadata), provenance)
    session.execute(
        update(Service).where(Service.id == service_id).values(**changes, last_modified=now, content_hash=None)
    )
    session.flush()


# ---- places on the pages' maps ------------------------------------------------------------------


def place_points(session: Session, service_at_location_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    rows = session.execute(
        select(ServiceAtLocation.id, Location.latitude, Location.longitude, _first_phone())
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(ServiceAtLocation.id.in_(service_at_location_ids), Location.latitude.is_not(None))
    ).all()
    return {
        sal_id: {"lat": lat, "lon": lon, "phone": phone}
        for sal_id, lat, lon, phone in rows
        if lat is not None and lon is not None
    }


def _first_phone() -> Any:
    """The number to call for a service at a place (a match option's call link): the place's own, then
    the location's, the service's, the organization's."""
    org = (
        select(Service.organization_id)
        .where(Service.id == ServiceAtLocation.service_id)
        .correlate(ServiceAtLocation)
        .scalar_subquery()
    )
    rank = case(
        (Phone.service_at_location_id == ServiceAtLocation.id, 0),
        (Phone.location_id == Location.id, 1),
        (Phone.service_id == ServiceAtLocation.service_id, 2),
        else_=3,
    )
    return (
        select(Phone.number)
        .where(
            or_(
                Phone.service_at_location_id == ServiceAtLocation.id,
                Phone.location_id == Location.id,
                Phone.service_id == ServiceAtLocation.service_id,
                Phone.organization_id == org,
            )
        )
        .order_by(rank, Phone.id)
        .limit(1)
        .correlate(ServiceAtLocation, Location)
        .scalar_subquery()
    )


# A region's map opens centred on its catalog; a sample of locations is enough for a centre and keeps
# this query cheap at a million rows.
_CENTRE_SQL: Final = text(
    "SELECT avg(latitude), avg(longitude) FROM "
    "(SELECT latitude, longitude FROM location WHERE latitude IS NOT NULL AND longitude IS NOT NULL "
    "LIMIT 500) AS sample"
)


def region_centre(session: Session) -> dict[str, float] | None:
    lat, lon = session.execute(_CENTRE_SQL).one()
    return {"lat": round(float(lat), 5), "lon": round(float(lon), 5)} if lat is not None else None
