"""SQL predicates on a service, shared by the directory queries and the Postgres search backend.

Each function takes the service-id column of the caller's query and returns a correlated EXISTS,
so the same meaning of "meets need X" or "at intercept N" holds wherever services are filtered.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import QueryableAttribute

from catalog.tables import (
    Attribute,
    Language,
    Location,
    NeedMapping,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from matcher.vocabulary import INTERCEPT_TAXONOMY, NEEDS_TAXONOMY

# The service-id column of the caller's query: a mapped attribute or any column expression.
IdColumn = ColumnElement[str] | QueryableAttribute[str]


def meets_needs(service_id: IdColumn, needs: Sequence[str]) -> ColumnElement[bool]:
    """Meets any of these divert-needs: a profile attribute, or another taxonomy's term a curator mapped."""
    profile_term = exists(
        select(Attribute.id)
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(
            Attribute.link_entity == "service",
            Attribute.link_id == service_id,
            TaxonomyTerm.profile == NEEDS_TAXONOMY,
            TaxonomyTerm.code.in_(list(needs)),
        )
    )
    mapped_term = exists(
        select(Attribute.id)
        .join(NeedMapping, NeedMapping.taxonomy_term_id == Attribute.taxonomy_term_id)
        .where(
            Attribute.link_entity == "service",
            Attribute.link_id == service_id,
            NeedMapping.need.in_(list(needs)),
        )
    )
    return or_(profile_term, mapped_term)


def at_intercepts(service_id: IdColumn, intercepts: Sequence[int]) -> ColumnElement[bool]:
    """Serves people at any of these Sequential Intercept Model intercepts (sim-intercept terms)."""
    return exists(
        select(Attribute.id)
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(
            Attribute.link_entity == "service",
            Attribute.link_id == service_id,
            TaxonomyTerm.profile == INTERCEPT_TAXONOMY,
            TaxonomyTerm.code.in_([str(i) for i in intercepts]),
        )
    )


def has_terms(service_id: IdColumn, term_ids: Sequence[str]) -> ColumnElement[bool]:
    """HSDS `taxonomy_term_id`: the service carries any of these terms."""
    return exists(
        select(Attribute.id).where(
            Attribute.link_entity == "service",
            Attribute.link_id == service_id,
            Attribute.taxonomy_term_id.in_(list(term_ids)),
        )
    )


def has_taxonomy(service_id: IdColumn, taxonomy_id: str) -> ColumnElement[bool]:
    """HSDS `taxonomy_id`: the service carries any term of this taxonomy (by id or by name)."""
    return exists(
        select(Attribute.id)
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(
            Attribute.link_entity == "service",
            Attribute.link_id == service_id,
            or_(TaxonomyTerm.taxonomy_id == taxonomy_id, TaxonomyTerm.taxonomy == taxonomy_id),
        )
    )


def speaks(service_id: IdColumn, languages: Sequence[str]) -> ColumnElement[bool]:
    """Offered in any of these languages (code or name, any case), by the service or at one of its places."""
    wanted = [lang.strip().lower() for lang in languages if lang.strip()]
    said = or_(func.lower(Language.code).in_(wanted), func.lower(Language.name).in_(wanted))
    by_service = exists(select(Language.id).where(Language.service_id == service_id, said))
    at_place = exists(
        select(Language.id)
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Language.location_id)
        .where(ServiceAtLocation.service_id == service_id, Language.service_id.is_(None), said)
    )
    return or_(by_service, at_place)


def all_of(conditions: Sequence[ColumnElement[bool]]) -> ColumnElement[bool] | None:
    return and_(*conditions) if conditions else None


def geo_point(lat: float, lon: float) -> ColumnElement[object]:
    """A geography point; bound as numbers so the planner sees a constant it can probe the index with."""
    return func.geography(func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326))


def place_within(service_id: IdColumn, lat: float, lon: float, meters: float) -> ColumnElement[bool]:
    """One of the service's places lies within `meters` of the point (ST_DWithin, served by GiST)."""

    return exists(
        select(ServiceAtLocation.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(
            ServiceAtLocation.service_id == service_id,
            func.ST_DWithin(Location.geog, geo_point(lat, lon), meters),
        )
    )


def area_covers(service_id: IdColumn, lat: float, lon: float) -> ColumnElement[bool]:
    """A service area (mobile / outreach) of the service covers the point (CONTRACT R6)."""

    return exists(
        select(ServiceArea.id).where(
            ServiceArea.service_id == service_id, func.ST_Covers(ServiceArea.geog, geo_point(lat, lon))
        )
    )


__all__ = [
    "area_covers",
    "at_intercepts",
    "geo_point",
    "has_taxonomy",
    "has_terms",
    "meets_needs",
    "place_within",
    "speaks",
]
