"""The catalog's tables: HSDS 3.1 entities with the diversion profile, plus capacity, holds, gaps, keys.

Column names follow HSDS 3.1 field names so that import, export and the read API map one to one.
HSDS parts the matcher never queries (contacts, funding, cost options, accessibility, required
documents, programs, urls, identifiers) are kept verbatim in `extra` (JSONB) so nothing is lost on
a round trip.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, ClassVar

from geoalchemy2 import Geography
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    Table,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSONB, list[str]: ARRAY(Text)}
    # Every model here maps one table; saying so lets `Model.__table__` be used where a Table is
    # expected (COPY targets, column lists) without a cast at each use.
    __table__: ClassVar[Table]  # type: ignore[misc]


def _fk(target: str) -> ForeignKey:
    return ForeignKey(target, ondelete="CASCADE")


class Organization(Base):
    __tablename__ = "organization"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(Text)
    tax_status: Mapped[str | None] = mapped_column(Text)
    tax_id: Mapped[str | None] = mapped_column(Text)
    year_incorporated: Mapped[float | None] = mapped_column(Float)
    legal_status: Mapped[str | None] = mapped_column(Text)
    logo: Mapped[str | None] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text)
    parent_organization_id: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    content_hash: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Service(Base):
    __tablename__ = "service"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    organization_id: Mapped[str] = mapped_column(_fk("organization.id"), index=True)
    program_id: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="active")
    interpretation_services: Mapped[str | None] = mapped_column(Text)
    application_process: Mapped[str | None] = mapped_column(Text)
    fees_description: Mapped[str | None] = mapped_column(Text)
    wait_time: Mapped[str | None] = mapped_column(Text)
    fees: Mapped[str | None] = mapped_column(Text)
    accreditations: Mapped[str | None] = mapped_column(Text)
    eligibility_description: Mapped[str | None] = mapped_column(Text)
    minimum_age: Mapped[float | None] = mapped_column(Float)
    maximum_age: Mapped[float | None] = mapped_column(Float)
    assured_date: Mapped[date | None] = mapped_column(Date)
    assurer_email: Mapped[str | None] = mapped_column(Text)
    licenses: Mapped[str | None] = mapped_column(Text)
    alert: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    # Weighted full-text document (name A, alternate name/terms B, organization C, description D),
    # maintained by catalog.projections on every write.
    search_vector: Mapped[Any] = mapped_column(TSVECTOR, nullable=True)
    search_text: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    __table_args__ = (
        Index("ix_service_search_vector", "search_vector", postgresql_using="gin"),
        Index(
            "ix_service_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_service_last_modified", "last_modified"),
    )


class Location(Base):
    __tablename__ = "location"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    location_type: Mapped[str] = mapped_column(Text, server_default="physical")
    url: Mapped[str | None] = mapped_column(Text)
    organization_id: Mapped[str | None] = mapped_column(Text, index=True)
    name: Mapped[str | None] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    transportation: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    external_identifier: Mapped[str | None] = mapped_column(Text)
    external_identifier_type: Mapped[str | None] = mapped_column(Text)
    geog: Mapped[Any] = mapped_column(Geography("POINT", srid=4326, spatial_index=False), nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    content_hash: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    __table_args__ = (Index("ix_location_geog", "geog", postgresql_using="gist"),)


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    service_id: Mapped[str] = mapped_column(_fk("service.id"), index=True)
    location_id: Mapped[str] = mapped_column(_fk("location.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class Address(Base):
    __tablename__ = "address"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    location_id: Mapped[str] = mapped_column(_fk("location.id"), index=True)
    attention: Mapped[str | None] = mapped_column(Text)
    address_1: Mapped[str | None] = mapped_column(Text)
    address_2: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    state_province: Mapped[str | None] = mapped_column(Text)
    postal_code: Mapped[str | None] = mapped_column(Text, index=True)
    country: Mapped[str | None] = mapped_column(Text)
    address_type: Mapped[str | None] = mapped_column(Text)


class Phone(Base):
    __tablename__ = "phone"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    location_id: Mapped[str | None] = mapped_column(_fk("location.id"), index=True)
    service_id: Mapped[str | None] = mapped_column(_fk("service.id"), index=True)
    organization_id: Mapped[str | None] = mapped_column(_fk("organization.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(Text)
    service_at_location_id: Mapped[str | None] = mapped_column(_fk("service_at_location.id"))
    number: Mapped[str] = mapped_column(Text)
    extension: Mapped[float | None] = mapped_column(Float)
    type: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class Schedule(Base):
    """HSDS schedule with every RFC 5545 field HSDS 3.1 carries."""

    __tablename__ = "schedule"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    service_id: Mapped[str | None] = mapped_column(_fk("service.id"), index=True)
    location_id: Mapped[str | None] = mapped_column(_fk("location.id"), index=True)
    service_at_location_id: Mapped[str | None] = mapped_column(_fk("service_at_location.id"), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    dtstart: Mapped[date | None] = mapped_column(Date)
    timezone: Mapped[float | None] = mapped_column(Float)
    until: Mapped[date | None] = mapped_column(Date)
    count: Mapped[int | None] = mapped_column(Integer)
    wkst: Mapped[str | None] = mapped_column(Text)
    freq: Mapped[str | None] = mapped_column(Text)
    interval: Mapped[int | None] = mapped_column(Integer)
    byday: Mapped[str | None] = mapped_column(Text)
    byweekno: Mapped[str | None] = mapped_column(Text)
    bymonthday: Mapped[str | None] = mapped_column(Text)
    byyearday: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    opens_at: Mapped[time | None] = mapped_column(Time(timezone=False))
    closes_at: Mapped[time | None] = mapped_column(Time(timezone=False))
    # The UTC offset written with opens_at/closes_at ("09:00+05:00"), in minutes, when one was given.
    time_offset_minutes: Mapped[int | None] = mapped_column(Integer)
    schedule_link: Mapped[str | None] = mapped_column(Text)
    attending_type: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)


class ServiceArea(Base):
    __tablename__ = "service_area"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    service_id: Mapped[str | None] = mapped_column(_fk("service.id"), index=True)
    service_at_location_id: Mapped[str | None] = mapped_column(_fk("service_at_location.id"))
    name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    extent: Mapped[str | None] = mapped_column(Text)
    extent_type: Mapped[str | None] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text)
    # Parsed from a GeoJSON `extent`; null when the extent is absent or not GeoJSON.
    geog: Mapped[Any] = mapped_column(Geography("GEOMETRY", srid=4326, spatial_index=False), nullable=True)
    __table_args__ = (Index("ix_service_area_geog", "geog", postgresql_using="gist"),)


class Language(Base):
    __tablename__ = "language"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    service_id: Mapped[str | None] = mapped_column(_fk("service.id"), index=True)
    location_id: Mapped[str | None] = mapped_column(_fk("location.id"), index=True)
    phone_id: Mapped[str | None] = mapped_column(_fk("phone.id"))
    name: Mapped[str | None] = mapped_column(Text)
    code: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class Taxonomy(Base):
    __tablename__ = "taxonomy"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str | None] = mapped_column(Text)


class TaxonomyTerm(Base):
    __tablename__ = "taxonomy_term"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    code: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(Text)
    taxonomy: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(Text)
    taxonomy_id: Mapped[str | None] = mapped_column(ForeignKey("taxonomy.id", ondelete="SET NULL"))
    term_uri: Mapped[str | None] = mapped_column(Text)
    # The profile taxonomy this term belongs to (divert-needs, divert-eligibility, sim-intercept),
    # resolved from `taxonomy` or the taxonomy object's name at write time; null for other taxonomies.
    profile: Mapped[str | None] = mapped_column(Text, index=True)
    __table_args__ = (Index("ix_taxonomy_term_profile_code", "profile", "code"),)


class NeedMapping(Base):
    """A curator's mapping of another taxonomy's term (211 HSIS, Open Eligibility) onto a divert need."""

    __tablename__ = "need_mapping"
    taxonomy_term_id: Mapped[str] = mapped_column(_fk("taxonomy_term.id"), primary_key=True)
    need: Mapped[str] = mapped_column(Text, primary_key=True)


class Attribute(Base):
    __tablename__ = "attribute"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    link_id: Mapped[str] = mapped_column(Text, index=True)
    taxonomy_term_id: Mapped[str] = mapped_column(_fk("taxonomy_term.id"), index=True)
    link_type: Mapped[str | None] = mapped_column(Text)
    link_entity: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(Text)


class Unit(Base):
    __tablename__ = "unit"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    scheme: Mapped[str | None] = mapped_column(Text)
    identifier: Mapped[str | None] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text)


class ServiceCapacity(Base):
    """A capacity pool: current state. Every report is also appended to capacity_report."""

    __tablename__ = "service_capacity"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    service_id: Mapped[str] = mapped_column(_fk("service.id"), index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("unit.id"))
    available: Mapped[float] = mapped_column(Numeric)
    maximum: Mapped[float | None] = mapped_column(Numeric)
    description: Mapped[str | None] = mapped_column(Text)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    waitlist: Mapped[int] = mapped_column(Integer, server_default="0")
    reserved_for: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id", ondelete="SET NULL"))


class CapacityReport(Base):
    """Append-only history of every capacity report, whatever its source."""

    __tablename__ = "capacity_report"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    capacity_id: Mapped[str] = mapped_column(_fk("service_capacity.id"))
    available: Mapped[float] = mapped_column(Numeric)
    maximum: Mapped[float | None] = mapped_column(Numeric)
    waitlist: Mapped[int | None] = mapped_column(Integer)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # push | feed | import | curator | hold
    source: Mapped[str] = mapped_column(Text)
    applied: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # The API key name or feed id that sent it (never a participant).
    actor: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_capacity_report_capacity_received", "capacity_id", "received_at"),)


class Hold(Base):
    """A unit held for a warm handoff. Stores the program, never the participant."""

    __tablename__ = "hold"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    capacity_id: Mapped[str] = mapped_column(_fk("service_capacity.id"))
    program: Mapped[str | None] = mapped_column(Text)
    # active | confirmed | released | expired
    state: Mapped[str] = mapped_column(Text, server_default="active")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    key_id: Mapped[int | None] = mapped_column(BigInteger)
    __table_args__ = (Index("ix_hold_active", "capacity_id", postgresql_where=text("state = 'active'")),)


class MatchSite(Base):
    """Projection for the matcher's candidate query: one row per (need, service at a place).

    Rebuilt by catalog.projections whenever a service is written. Partitioned by need (LIST, one
    partition per need of the vocabulary and a default), each with a GiST on the point: the
    candidate query's `need = ...` prunes to one partition, whose index holds only that need's
    places, so radius + KNN walk no other need's entries (capacity, which changes fast, is never
    in an index here). See migration 0006.
    """

    __tablename__ = "match_site"
    need: Mapped[str] = mapped_column(Text, primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, server_default=text("nextval('match_site_id_seq')"))
    service_id: Mapped[str] = mapped_column(_fk("service.id"))
    service_at_location_id: Mapped[str | None] = mapped_column(Text)
    location_id: Mapped[str | None] = mapped_column(Text)
    # Null for a service reached only through its service area (mobile / outreach).
    geog: Mapped[Any] = mapped_column(Geography("POINT", srid=4326, spatial_index=False), nullable=True)
    has_area: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    __table_args__ = (
        Index("ix_match_site_geog", "geog", postgresql_using="gist"),
        Index("ix_match_site_service", "service_id"),
        Index("ix_match_site_area", "need", postgresql_where=text("has_area")),
        {"postgresql_partition_by": "LIST (need)"},
    )


class AreaSite(Base):
    """Projection for the candidate query's service-area branch: one row per (service area, need) of
    an active service that meets the need there (mobile, outreach), with the area's polygon.

    Rebuilt with `match_site` by catalog.projections; the GiST index finds the areas under a person,
    and the need is checked before the (costlier) cover test. See migration 0007.
    """

    __tablename__ = "area_site"
    service_area_id: Mapped[str] = mapped_column(Text, primary_key=True)
    need: Mapped[str] = mapped_column(Text, primary_key=True)
    service_id: Mapped[str] = mapped_column(_fk("service.id"))
    geog: Mapped[Any] = mapped_column(Geography("GEOMETRY", srid=4326, spatial_index=False))
    __table_args__ = (
        Index("ix_area_site_geog", "geog", postgresql_using="gist"),
        Index("ix_area_site_service", "service_id"),
    )


class SearchSite(Base):
    """Projection for the directory's geo + text search: one row per service at a place with a point,
    carrying the point and its service's name and search document (copies of `service.name`,
    `search_vector` and `search_text`).

    Rebuilt by catalog.projections with the search document, for the services written and those
    sharing a place with them (a moved building moves their rows too). One GiST index over the point,
    the document and the trigrams answers "within r of here and matching these words" in one index
    scan: the radius prunes the tree, the words are tested on the index entries, and only matching
    rows are read; before, every place in the radius fetched its service row to test the words. See
    migration 0014.

    The rows are kept in place order (migration 0017): `place_order` is the point's geohash (a
    Z-order curve), generated by PostgreSQL; the table is clustered on its index, with room left on
    every page (fillfactor 90) so a row rewritten by an edit stays where it is. A search's matches in
    a city then share pages instead of being spread over the table in import order.
    `divert search order` says how ordered the table still is and clusters it again.
    """

    __tablename__ = "search_site"
    # The service_at_location's id; the row goes with it (and so with its service or its location).
    id: Mapped[str] = mapped_column(_fk("service_at_location.id"), primary_key=True)
    # Copies of that service_at_location's keys, without foreign keys of their own: the one above
    # already removes the row, and each would cost a check per row written (migration 0018).
    service_id: Mapped[str] = mapped_column(Text)
    location_id: Mapped[str] = mapped_column(Text)
    geog: Mapped[Any] = mapped_column(Geography("POINT", srid=4326, spatial_index=False))
    service_name: Mapped[str | None] = mapped_column(Text)
    search_vector: Mapped[Any] = mapped_column(TSVECTOR, nullable=True)
    search_text: Mapped[str | None] = mapped_column(Text)
    place_order: Mapped[str | None] = mapped_column(
        Text(collation="C"), Computed("st_geohash(geog, 12)", persisted=True)
    )
    __table_args__ = (
        Index(
            "ix_search_site_geog_text",
            "geog",
            "search_vector",
            "search_text",
            postgresql_using="gist",
            postgresql_ops={"search_text": "gist_trgm_ops"},
        ),
        Index("ix_search_site_service", "service_id"),
        Index("ix_search_site_place_order", "place_order"),
        {"postgresql_with": {"fillfactor": 90}},
    )


class MatchProfile(Base):
    """Projection for the matcher: a service's eligibility terms, languages and hours, ready to read.

    One row per service, rebuilt with `match_site` (catalog.projections), so the candidate query
    reads one row per candidate instead of aggregating four tables per request. Capacity is not
    here: it changes by the minute and is read live.
    """

    __tablename__ = "match_profile"
    service_id: Mapped[str] = mapped_column(_fk("service.id"), primary_key=True)
    # [[code, value], ...] of the eligibility profile's terms, ordered by code then attribute id.
    terms: Mapped[Any] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    # [[code, location_id or null], ...]: the service's own languages and those of its places.
    languages: Mapped[Any] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    # Schedule rows on the service, on its service_at_locations or on its locations, as JSON objects
    # of the fields the matcher reads (nulls left out).
    schedules: Mapped[Any] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    # What a candidate row shows and the age bounds eligibility reads, so the candidate query needs
    # no join to service or organization (the organization's name is kept in step by the refresh).
    name: Mapped[str | None] = mapped_column(Text)
    organization: Mapped[str | None] = mapped_column(Text)
    minimum_age: Mapped[int | None] = mapped_column(Integer)
    maximum_age: Mapped[int | None] = mapped_column(Integer)


class GapEvent(Base):
    """A need the matcher could not meet, coarsened for planners (CONTRACT R8). No participant data."""

    __tablename__ = "gap_event"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    need: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    intercept: Mapped[int | None] = mapped_column(Integer)
    pathway: Mapped[str | None] = mapped_column(Text)  # deflection-pathway the person came by, if said
    cell: Mapped[str] = mapped_column(Text)  # H3 cell, resolution 7
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    program: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_gap_event_hour", "hour"), Index("ix_gap_event_need_cell", "need", "cell"))


class NamedArea(Base):
    """A planner's named area (county, council district) loaded from GeoJSON."""

    __tablename__ = "named_area"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(Text)
    geog: Mapped[Any] = mapped_column(Geography("GEOMETRY", srid=4326, spatial_index=False))
    __table_args__ = (Index("ix_named_area_geog", "geog", postgresql_using="gist"),)


class LocationCell(Base):
    """A location's H3 cell (resolution 7, as an integer) for the gap map; no h3 extension in Postgres.

    Filled lazily by api.gaps from the coordinates stored beside it; a row whose location has moved
    since is recomputed, so the cache never disagrees with `location.geog`.
    """

    __tablename__ = "location_cell"
    location_id: Mapped[str] = mapped_column(_fk("location.id"), primary_key=True)
    h3_r7: Mapped[int] = mapped_column(BigInteger)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)


class GapSite(Base):
    """Projection for the planner gap map: one row per match site and intercept of its service, with
    the site's resolution-7 H3 cell (no cell and no location: reached by service area only).

    Rebuilt with `match_site` by catalog.projections (catalog.gap_sites), so a map groups these rows by
    (intercept, need, cell) instead of deriving cells, intercepts and low-barrier terms per request.
    Pools are not here: their state changes by the minute and is joined live.
    """

    __tablename__ = "gap_site"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(_fk("service.id"))
    location_id: Mapped[str | None] = mapped_column(Text)
    need: Mapped[str] = mapped_column(Text)
    intercept: Mapped[int] = mapped_column(Integer)
    cell: Mapped[int | None] = mapped_column(BigInteger)
    low_barrier: Mapped[bool] = mapped_column(Boolean)
    # The service fails the harm-reduction test (matcher.vocabulary.HARM_REDUCTION_BARRIERS; migration 0013).
    barrier: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    __table_args__ = (
        Index("ix_gap_site_key", "intercept", "need", "cell"),
        Index("ix_gap_site_service", "service_id"),
    )


class GapCell(Base):
    """How many gap_site rows (sites × intercept) each (intercept, need, res-7 cell) has: the gap map's
    row keys, one row each. Moved by the same statement that rewrites gap_site; rows at 0 stay."""

    __tablename__ = "gap_cell"
    intercept: Mapped[int] = mapped_column(Integer, primary_key=True)
    need: Mapped[str] = mapped_column(Text, primary_key=True)
    cell: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sites: Mapped[int] = mapped_column(Integer)
    barrier_sites: Mapped[int] = mapped_column(Integer, server_default=text("0"))  # of them, behind a barrier
    # The supply roll-up of the key (migration 0015; catalog.gap_sites.refresh_cell_supply, in the same
    # transaction as the catalog write): the services counted as the map counts them, and the pools that
    # measure its sites (each once, with its service and that service's barrier flag). Pool state is
    # read live for these pools only.
    services: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    low_barrier_services: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    untracked_services: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    barrier_services: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    free_untracked_services: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    pool_ids: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    pool_services: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    pool_barriers: Mapped[list[bool]] = mapped_column(ARRAY(Boolean), server_default=text("'{}'::boolean[]"))
    # The keys with sites, for counting and listing a map's rows by index-only scans (migration 0015).
    __table_args__ = (Index("ix_gap_cell_sited", "intercept", "need", "cell", postgresql_where=text("sites > 0")),)


class GapCoverCell(Base):
    """A res-7 cell whose service-area cover is kept in gap_cover (every cell that has had a gap_site
    row), with its centre as the map tests it (migration 0015; catalog.gap_sites)."""

    __tablename__ = "gap_cover_cell"
    cell: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    centre: Mapped[Any] = mapped_column(Geography("POINT", srid=4326, spatial_index=False))
    __table_args__ = (Index("ix_gap_cover_cell_centre", "centre", postgresql_using="gist"),)


class GapCover(Base):
    """A service whose service area covers the centre of a gap_cover_cell cell (CONTRACT R6 reach on
    the planner map), kept by catalog.gap_sites with every catalog write."""

    __tablename__ = "gap_cover"
    cell: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    service_id: Mapped[str] = mapped_column(Text, primary_key=True)
    __table_args__ = (Index("ix_gap_cover_service", "service_id"),)


class GapChange(Base):
    """One row per transaction that rewrote the gap map's supply projection (gap_site, gap_cell,
    gap_cover), added by catalog.gap_sites.refresh_gap_sites: a process holding a copy of the
    projection's structure (api/gaps/sim_structure.py) compares (count, max id) to know it is current."""

    __tablename__ = "gap_change"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ApiKey(Base):
    """An API key. Only a SHA-256 of the token is stored."""

    __tablename__ = "api_key"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(Text, unique=True)
    role: Mapped[str] = mapped_column(Text)
    organization_id: Mapped[str | None] = mapped_column(Text)
    program: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Feed(Base):
    """A provider's capacity feed (HSDS service_capacity JSON), polled by the scheduler."""

    __tablename__ = "feed"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    organization_id: Mapped[str | None] = mapped_column(Text)
    interval_seconds: Mapped[int] = mapped_column(Integer, server_default="300")
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified_header: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consecutive_failures: Mapped[int] = mapped_column(Integer, server_default="0")
    next_poll_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_result: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Metadata(Base):
    """HSDS metadata: provenance of each change (who changed which field, when, from what to what)."""

    __tablename__ = "metadata"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    resource_id: Mapped[str] = mapped_column(Text, index=True)
    resource_type: Mapped[str] = mapped_column(Text)
    last_action_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_action_type: Mapped[str] = mapped_column(Text)
    field_name: Mapped[str] = mapped_column(Text)
    previous_value: Mapped[str] = mapped_column(Text)
    replacement_value: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(Text)


class ServiceReport(Base):
    """A user's report that a listing is wrong, for curators to resolve."""

    __tablename__ = "service_report"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    service_id: Mapped[str] = mapped_column(_fk("service.id"), index=True)
    field: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="open")  # open | resolved | rejected
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SearchOutbox(Base):
    """Services changed since the search index last synced (Meilisearch backend); no change is lost."""

    __tablename__ = "search_outbox"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SourceRecord(Base):
    """Provenance of imported records: which source/file/record produced which catalog service."""

    __tablename__ = "source_record"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(Text)  # hsds | findtreatment | hmis | 211
    source_key: Mapped[str] = mapped_column(Text)
    service_id: Mapped[str] = mapped_column(_fk("service.id"), index=True)
    content_hash: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The source's own mapped HSDS document when it was merged into a service another source owns
    # (importers.dedup); null for a record that is its service.
    document: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True), nullable=True)
    __table_args__ = (UniqueConstraint("source", "source_key", name="uq_source_record"),)


class Referral(Base):
    """A case manager's word to a provider that a person is on the way (CONTRACT §2.7).

    No participant field: the service, the need, the program, the intercept, the location coarsened
    to an H3 cell (R8), and a short reference the person shows at the door. The organization is the
    service's at the time of referral, so the receiving provider keeps seeing it.
    """

    __tablename__ = "referral"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    reference: Mapped[str] = mapped_column(Text)
    # sent | accepted | declined | arrived | enrolled | no_show | cancelled | expired
    state: Mapped[str] = mapped_column(Text)
    service_id: Mapped[str] = mapped_column(_fk("service.id"), index=True)
    organization_id: Mapped[str | None] = mapped_column(Text, index=True)
    need: Mapped[str] = mapped_column(Text)
    hold_id: Mapped[str | None] = mapped_column(ForeignKey("hold.id", ondelete="SET NULL"))
    program: Mapped[str | None] = mapped_column(Text)
    intercept: Mapped[int | None] = mapped_column(Integer)
    cell: Mapped[str | None] = mapped_column(Text)  # H3 cell, resolution 7
    key_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    respond_by: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        # A reference is read aloud at the door: unique among referrals not yet ended.
        Index(
            "uq_referral_open_reference",
            "reference",
            unique=True,
            postgresql_where=text("state IN ('sent', 'accepted', 'arrived')"),
        ),
        Index("ix_referral_due", "respond_by", postgresql_where=text("state = 'sent'")),
        Index("ix_referral_created", "created_at"),
    )


class ReferralEvent(Base):
    """A referral's history: one row per state it reached, appended and never rewritten."""

    __tablename__ = "referral_event"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(_fk("referral.id"), index=True)
    state: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)


class WebhookEndpoint(Base):
    """A provider's URL told of new referrals and moves (Standard Webhooks). The secret signs each
    delivery, so it is kept; it is shown once, when the endpoint is registered."""

    __tablename__ = "webhook_endpoint"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    organization_id: Mapped[str] = mapped_column(Text, index=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(Text)
    key_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebhookDelivery(Base):
    """One message to one endpoint, retried with backoff until delivered or given up."""

    __tablename__ = "webhook_delivery"
    id: Mapped[str] = mapped_column(Text, primary_key=True)  # the `webhook-id`, the same on every retry
    endpoint_id: Mapped[str] = mapped_column(_fk("webhook_endpoint.id"), index=True)
    event_type: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    state: Mapped[str] = mapped_column(Text)  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_webhook_delivery_due", "next_attempt_at", postgresql_where=text("state = 'pending'")),)


class RequestThrottle(Base):
    """Requests counted per throttle bucket and fixed time window (api.throttle), shared by every API
    replica. A bucket names a kind and a SHA-256 of the key id or address, never the address itself."""

    __tablename__ = "request_throttle"
    bucket: Mapped[str] = mapped_column(Text, primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, server_default="0")
    __table_args__ = (Index("ix_request_throttle_window", "window_start"),)
