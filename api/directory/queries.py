"""The directory's queries: which services / services-at-locations a request selects, and in what order.

SQL does everything an index can serve (text ranking, radius, bbox, needs, taxonomy, dates), and
returns only ids, distances and sort keys; the objects are built afterwards for one page at a time by
catalog.serialize. Two filters are rules rather than columns and run in Python over batches of ids,
with the one implementation the matcher uses: opening hours (`matcher.hours.is_open`) and
eligibility (`matcher.eligibility.excludes`).

Geography: the radius is in `ST_DWithin(location.geog, point, r, false)` and the order is
`location.geog <-> point`, both on the sphere, so the GiST index `ix_location_geog` serves the query
and the distance shown is the distance the order used (great circle, mean Earth radius).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Float,
    FromClause,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from catalog.search import SiteSearch
from catalog.search.predicates import (
    area_covers,
    at_intercepts,
    geo_point,
    has_taxonomy,
    has_terms,
    meets_needs,
    speaks,
)
from catalog.tables import (
    Address,
    Attribute,
    Location,
    Schedule,
    SearchSite,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from matcher.eligibility import Participant, excludes
from matcher.hours import ScheduleRule, is_open
from matcher.vocabulary import ELIGIBILITY_TAXONOMY

# How a service or place came into reach of a point (CONTRACT R6).
REACH_RADIUS: Final = "radius"
REACH_SERVICE_AREA: Final = "service_area"

OPEN: Final = "open"
HOURS_UNKNOWN: Final = "hours_unknown"

# Ids go through the Python rules (hours, eligibility) this many at a time.
RULE_BATCH: Final = 1000


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


@dataclass(frozen=True)
class DirectoryQuery:
    """A validated directory request (api.directory.schemas builds it from query parameters)."""

    search: str | None = None
    taxonomy_term_ids: tuple[str, ...] = ()
    taxonomy_id: str | None = None
    organization_id: str | None = None
    modified_after: datetime | None = None
    needs: tuple[str, ...] = ()
    intercepts: tuple[int, ...] = ()
    languages: tuple[str, ...] = ()
    status: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_m: float | None = None
    bbox: BBox | None = None
    # A postcode given without `proximity`: places with that postal code, or service areas covering it.
    postcode: str | None = None
    postcode_point: tuple[float, float] | None = None
    open_at: datetime | None = None
    participant: Participant | None = None

    @property
    def by_distance(self) -> bool:
        return self.lat is not None and self.lon is not None and self.radius_m is not None

    @property
    def needs_rules(self) -> bool:
        return self.open_at is not None or self.participant is not None


@dataclass(frozen=True)
class Hit:
    """One selected item: its id, the service it belongs to, and how it was reached."""

    id: str
    service_id: str
    location_id: str | None = None
    distance_km: float | None = None
    reach: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)


# ---- SQL ----------------------------------------------------------------------------------------


def _in_bbox(geog: Any, box: BBox) -> ColumnElement[bool]:
    """Inside the lon/lat rectangle. `&&` against a densified envelope lets the GiST index prefilter
    (a geography box has geodesic edges, so the envelope is segmented and padded to contain the
    rectangle); the exact test is on the point's own coordinates, matching what a client computes."""
    envelope = func.geography(
        func.ST_Segmentize(
            func.ST_MakeEnvelope(
                box.min_lon - 0.01,
                max(box.min_lat - 0.01, -90.0),
                box.max_lon + 0.01,
                min(box.max_lat + 0.01, 90.0),
                4326,
            ),
            0.25,
        )
    )
    point = func.geometry(geog)
    return and_(
        geog.op("&&")(envelope),
        func.ST_X(point).between(box.min_lon, box.max_lon),
        func.ST_Y(point).between(box.min_lat, box.max_lat),
    )


def _postcode_place(location_id: Any, zip5: str) -> ColumnElement[bool]:
    return exists(
        select(Address.id).where(Address.location_id == location_id, func.left(Address.postal_code, 5) == zip5)
    )


def service_conditions(q: DirectoryQuery, service_id: Any = Service.id) -> list[ColumnElement[bool]]:
    """Filters on the service itself (not on where it is)."""
    conditions: list[ColumnElement[bool]] = []
    if q.organization_id:
        conditions.append(Service.organization_id == q.organization_id)
    if q.modified_after is not None:
        conditions.append(Service.last_modified >= q.modified_after)
    if q.status:
        conditions.append(Service.status == q.status)
    if q.taxonomy_term_ids:
        conditions.append(has_terms(service_id, q.taxonomy_term_ids))
    if q.taxonomy_id:
        conditions.append(has_taxonomy(service_id, q.taxonomy_id))
    if q.needs:
        conditions.append(meets_needs(service_id, q.needs))
    if q.intercepts:
        conditions.append(at_intercepts(service_id, q.intercepts))
    if q.languages:
        conditions.append(speaks(service_id, q.languages))
    return conditions


def service_selection(q: DirectoryQuery, ranking: FromClause | None) -> Select[Any]:
    """Ordered (id, service_id, location_id, distance_km, reach) of the services the query selects."""
    distance: Any = null().cast(Float)
    reach: Any = null().cast(String)
    stmt: Select[Any]
    if q.by_distance:
        assert q.lat is not None and q.lon is not None and q.radius_m is not None
        point = geo_point(q.lat, q.lon)
        near = (
            select(
                ServiceAtLocation.service_id.label("service_id"),
                func.ST_Distance(Location.geog, point, False).label("distance_m"),
            )
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .where(func.ST_DWithin(Location.geog, point, q.radius_m, False))
        )
        covered = select(ServiceArea.service_id.label("service_id"), null().label("distance_m")).where(
            ServiceArea.service_id.is_not(None), func.ST_Covers(ServiceArea.geog, point)
        )
        hits = union_all(near, covered).subquery("hits")
        reached = (
            select(hits.c.service_id, func.min(hits.c.distance_m).label("distance_m"))
            .group_by(hits.c.service_id)
            .subquery("reached")
        )
        reach = case((reached.c.distance_m.is_(None), REACH_SERVICE_AREA), else_=REACH_RADIUS)
        stmt = select(
            Service.id.label("id"),
            Service.id.label("service_id"),
            null().cast(String).label("location_id"),
            (reached.c.distance_m / 1000.0).label("distance_km"),
            reach.label("reach"),
        ).join(reached, reached.c.service_id == Service.id)
        order: list[Any] = [reached.c.distance_m.asc().nulls_last()]
    else:
        stmt = select(
            Service.id.label("id"),
            Service.id.label("service_id"),
            null().cast(String).label("location_id"),
            distance.label("distance_km"),
            reach.label("reach"),
        )
        order = []
    if q.bbox is not None:
        stmt = stmt.where(
            exists(
                select(ServiceAtLocation.id)
                .join(Location, Location.id == ServiceAtLocation.location_id)
                .where(ServiceAtLocation.service_id == Service.id, _in_bbox(Location.geog, q.bbox))
            )
        )
    if q.postcode and q.postcode_point is None:
        stmt = stmt.where(
            exists(
                select(ServiceAtLocation.id).where(
                    ServiceAtLocation.service_id == Service.id,
                    _postcode_place(ServiceAtLocation.location_id, q.postcode),
                )
            )
        )
    elif q.postcode and q.postcode_point is not None:
        lat, lon = q.postcode_point
        stmt = stmt.where(
            or_(
                exists(
                    select(ServiceAtLocation.id).where(
                        ServiceAtLocation.service_id == Service.id,
                        _postcode_place(ServiceAtLocation.location_id, q.postcode),
                    )
                ),
                area_covers(Service.id, lat, lon),
            )
        )
    stmt = stmt.where(*service_conditions(q))
    if ranking is not None:
        stmt = stmt.join(ranking, ranking.c.service_id == Service.id)
        if not order:
            order = [ranking.c.rank.desc()]
    return stmt.order_by(*order, Service.name, Service.id)


def _searched_sites(
    lat: Any, lon: Any, radius_m: Any, site_match: ColumnElement[bool], service_match: ColumnElement[bool]
) -> FromClause:
    """The services at locations a radius + text search selects, from the place-level search rows.

    Places in the radius come from `search_site`, whose one GiST index holds the point, the search
    document and its trigrams: the radius prunes the index, the words are tested on its entries, and
    only matching places are read (see catalog.tables.SearchSite). Places reached through a service
    area (outside the radius, or without a point) are few and are matched on their service row. Each
    row carries its service's name, the order's second key, so no service row is read per place.
    """
    sal, loc, site = ServiceAtLocation, Location, SearchSite
    point = geo_point(lat, lon)
    near = select(
        site.id.label("id"),
        site.service_id.label("service_id"),
        site.location_id.label("location_id"),
        (func.ST_Distance(site.geog, point, False) / 1000.0).label("distance_km"),
        literal(REACH_RADIUS, String).label("reach"),
        site.geog.op("<->")(point).label("knn"),
        site.service_name.label("service_name"),
    ).where(func.ST_DWithin(site.geog, point, radius_m, False), site_match)
    # Places reached through a service area and outside the radius are found first and the words are
    # tested on their services only: the OFFSET keeps the planner from testing the words of every service
    # whose area covers the point (≈ 100 in a big city at 1M) before knowing whether its place is already
    # in the radius (≈ 20% less database time for this part).
    around = (
        select(sal.id, sal.service_id, sal.location_id)
        .join(loc, loc.id == sal.location_id)
        .where(
            area_covers(sal.service_id, lat, lon),
            or_(loc.geog.is_(None), ~func.ST_DWithin(loc.geog, point, radius_m, False)),
        )
        .offset(0)
        .subquery("around")
    )
    covered = (
        select(
            around.c.id,
            around.c.service_id,
            around.c.location_id,
            null().cast(Float),
            literal(REACH_SERVICE_AREA, String),
            null().cast(Float),
            Service.name,
        )
        .join(Service, Service.id == around.c.service_id)
        .where(service_match)
    )
    return union_all(near, covered).subquery("hits")


def searched_place_selection(q: DirectoryQuery, found: SiteSearch) -> Select[Any]:
    """`place_selection` of a search with a radius, through `search_site`: the same rows in the same order."""
    assert q.lat is not None and q.lon is not None and q.radius_m is not None
    return _searched_place_selection(q, found, q.lat, q.lon, q.radius_m)


def _searched_place_selection(q: DirectoryQuery, found: SiteSearch, lat: Any, lon: Any, radius_m: Any) -> Select[Any]:
    hits = _searched_sites(lat, lon, radius_m, found.site_match, found.service_match)
    stmt = select(hits.c.id, hits.c.service_id, hits.c.location_id, hits.c.distance_km, hits.c.reach)
    conditions = service_conditions(q)
    # The service and location rows are read only when a filter needs them.
    if conditions or q.postcode:
        stmt = stmt.join(Service, Service.id == hits.c.service_id)
    if q.bbox is not None or q.postcode:
        stmt = stmt.join(Location, Location.id == hits.c.location_id)
    if q.bbox is not None:
        stmt = stmt.where(_in_bbox(Location.geog, q.bbox))
    if q.postcode and q.postcode_point is None:
        stmt = stmt.where(_postcode_place(hits.c.location_id, q.postcode))
    elif q.postcode and q.postcode_point is not None:
        lat, lon = q.postcode_point
        stmt = stmt.where(or_(_postcode_place(hits.c.location_id, q.postcode), area_covers(Service.id, lat, lon)))
    stmt = stmt.where(*conditions)
    return stmt.order_by(hits.c.knn.asc().nulls_last(), hits.c.service_name, hits.c.id)


# Statements of `searched_place_page` built once per match shape (with every value a parameter).
_SEARCH_PAGES: dict[str, Select[Any]] = {}
_PAGE_PARAMS: Final = ("search_lat", "search_lon", "search_radius_m", "page_limit", "page_offset")


def searched_place_page(
    session: Session, q: DirectoryQuery, found: SiteSearch, limit: int, offset: int
) -> tuple[list[Any], int]:
    """`page_and_total` of `searched_place_selection(q, found)`: the same rows and total.

    A search with a radius and no other filter (the directory's commonest, and the bench's) whose
    match has a `shape` runs a statement built once for that shape, with the point, the radius, the
    match's values and the page bound as parameters: building the statement and its cache key anew
    took a few ms of every request's Python. Other searches build theirs as before.
    """
    assert q.lat is not None and q.lon is not None and q.radius_m is not None
    if found.shape is None or q.bbox is not None or q.postcode or service_conditions(q):
        return page_and_total(session, searched_place_selection(q, found), limit, offset)
    stmt = _SEARCH_PAGES.get(found.shape)
    if stmt is None:
        lat, lon, radius_m, page_limit, page_offset = (
            bindparam(name, type_=Integer if name.startswith("page") else Float) for name in _PAGE_PARAMS
        )
        # Built from this request's match: its parameters' values are replaced by name at every execution.
        selection = _searched_place_selection(q, found, lat, lon, radius_m)
        stmt = selection.add_columns(func.count().over().label("total_items")).limit(page_limit).offset(page_offset)
        _SEARCH_PAGES[found.shape] = stmt
    values = dict(zip(_PAGE_PARAMS, (q.lat, q.lon, q.radius_m, limit, offset), strict=True))
    rows = list(session.execute(stmt, {**found.params, **values}).all())
    if rows:
        return rows, int(rows[0].total_items)
    if offset == 0:
        return [], 0
    return [], count_of(session, searched_place_selection(q, found))


def place_selection(q: DirectoryQuery, ranking: FromClause | None) -> Select[Any]:
    """Ordered (id, service_id, location_id, distance_km, reach) of the services at locations selected.

    With a radius: places within it, nearest first (`<->`), then places of services whose service
    area covers the point but that lie outside the radius (distance null, reach `service_area`).
    (A search with a radius whose backend matches inside PostgreSQL goes through
    `searched_place_selection` instead: the same rows, read from `search_site`.)
    """
    sal, loc = ServiceAtLocation, Location
    order: list[Any] = []
    place_id: Any
    location_id: Any
    if q.by_distance:
        assert q.lat is not None and q.lon is not None and q.radius_m is not None
        point = geo_point(q.lat, q.lon)
        within = func.ST_DWithin(loc.geog, point, q.radius_m, False)
        near = (
            select(
                sal.id.label("id"),
                sal.service_id.label("service_id"),
                sal.location_id.label("location_id"),
                (func.ST_Distance(loc.geog, point, False) / 1000.0).label("distance_km"),
                literal(REACH_RADIUS, String).label("reach"),
                loc.geog.op("<->")(point).label("knn"),
            )
            .join(loc, loc.id == sal.location_id)
            .where(within)
        )
        covered = (
            select(
                sal.id,
                sal.service_id,
                sal.location_id,
                null().cast(Float),
                literal(REACH_SERVICE_AREA, String),
                null().cast(Float),
            )
            .join(loc, loc.id == sal.location_id)
            .where(area_covers(sal.service_id, q.lat, q.lon), or_(loc.geog.is_(None), ~within))
        )
        hits = union_all(near, covered).subquery("hits")
        stmt = (
            select(hits.c.id, hits.c.service_id, hits.c.location_id, hits.c.distance_km, hits.c.reach)
            .join(Service, Service.id == hits.c.service_id)
            .join(loc, loc.id == hits.c.location_id)
        )
        place_id, location_id = hits.c.id, hits.c.location_id
        order = [hits.c.knn.asc().nulls_last()]
    else:
        stmt = (
            select(
                sal.id.label("id"),
                sal.service_id.label("service_id"),
                sal.location_id.label("location_id"),
                null().cast(Float).label("distance_km"),
                null().cast(String).label("reach"),
            )
            .join(Service, Service.id == sal.service_id)
            .join(loc, loc.id == sal.location_id)
        )
        place_id, location_id = sal.id, sal.location_id
    if q.bbox is not None:
        stmt = stmt.where(_in_bbox(loc.geog, q.bbox))
    if q.postcode and q.postcode_point is None:
        stmt = stmt.where(_postcode_place(location_id, q.postcode))
    elif q.postcode and q.postcode_point is not None:
        lat, lon = q.postcode_point
        stmt = stmt.where(or_(_postcode_place(location_id, q.postcode), area_covers(Service.id, lat, lon)))
    stmt = stmt.where(*service_conditions(q))
    if ranking is not None:
        stmt = stmt.join(ranking, ranking.c.service_id == Service.id)
        if not order:
            order = [ranking.c.rank.desc()]
    return stmt.order_by(*order, Service.name, place_id)


def count_of(session: Session, selection: Select[Any]) -> int:
    return int(session.execute(select(func.count()).select_from(selection.order_by(None).subquery())).scalar_one())


def page_and_total(session: Session, selection: Select[Any], limit: int, offset: int) -> tuple[list[Any], int]:
    """One page of a selection and the selection's size, from one execution.

    A text search must evaluate every candidate to order them (by distance or rank), so a separate
    count(*) would do that whole work a second time; `count(*) OVER ()` takes the size from the
    same pass (at 1M services it was half of a geo + text search's time). A later page past the end
    has no row to carry the total, so it is then counted apart.
    """
    counted = selection.add_columns(func.count().over().label("total_items"))
    rows = list(session.execute(counted.limit(limit).offset(offset)).all())
    if rows:
        return rows, int(rows[0].total_items)
    if offset == 0:
        return [], 0  # the first page is empty: nothing matched
    return [], count_of(session, selection)


def hits_of(rows: Iterable[Any]) -> Iterator[Hit]:
    for r in rows:
        yield Hit(
            r.id,
            r.service_id,
            r.location_id,
            None if r.distance_km is None else round(float(r.distance_km), 4),
            r.reach,
        )


# ---- rules in Python (one implementation, shared with the matcher) -------------------------------


def _rule(row: Any) -> ScheduleRule:
    return ScheduleRule(
        freq=row.freq,
        interval=row.interval,
        byday=row.byday,
        bymonthday=row.bymonthday,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        time_offset_minutes=row.time_offset_minutes,
        timezone=row.timezone,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        dtstart=row.dtstart,
        until=row.until,
        count=row.count,
        wkst=row.wkst,
    )


def _schedules_for(
    hit: Hit,
    by_sal: dict[str, list[Any]],
    by_service: dict[str, list[Any]],
    by_location: dict[str, list[Any]],
    places_of: dict[str, list[tuple[str, str]]],
) -> list[Any]:
    """The hours that apply, most specific first: the service at this place, the service at this
    location, the service itself, the location; for a whole service, its own hours, else any place's."""
    if hit.id != hit.service_id:  # a service at a location
        own = by_sal.get(hit.id)
        if own:
            return own
        service_rows = by_service.get(hit.service_id, [])
        here = [r for r in service_rows if r.location_id == hit.location_id]
        if here:
            return here
        general = [r for r in service_rows if r.location_id is None and r.service_at_location_id is None]
        if general:
            return general
        return [r for r in by_location.get(hit.location_id or "", []) if r.service_id is None]
    service_rows = by_service.get(hit.service_id, [])
    if service_rows:
        return service_rows
    rows: list[Any] = []
    for sal_id, location_id in places_of.get(hit.service_id, []):
        rows.extend(by_sal.get(sal_id) or [r for r in by_location.get(location_id, []) if r.service_id is None])
    return rows


class RuleFilter:
    """Applies `open_at` (hours) and participant eligibility to hits, a batch at a time."""

    def __init__(self, session: Session, q: DirectoryQuery, region_timezone: str) -> None:
        self.session = session
        self.q = q
        self.region_timezone = region_timezone

    def _eligibility(self, service_ids: list[str]) -> dict[str, dict[str, Any]]:
        rules: dict[str, dict[str, Any]] = {}
        for r in self.session.execute(
            select(Service.id, Service.minimum_age, Service.maximum_age).where(Service.id.in_(service_ids))
        ):
            rules[r.id] = {"minimum_age": r.minimum_age, "maximum_age": r.maximum_age}
        for term in self.session.execute(
            select(Attribute.link_id, TaxonomyTerm.code, Attribute.value)
            .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
            .where(
                Attribute.link_entity == "service",
                Attribute.link_id.in_(service_ids),
                TaxonomyTerm.profile == ELIGIBILITY_TAXONOMY,
            )
        ):
            if term.code and term.link_id in rules:
                rules[term.link_id][term.code] = term.value
        return rules

    def _hours(self, hits: Sequence[Hit]) -> dict[str, bool | None]:
        service_ids = list({h.service_id for h in hits})
        places = self.session.execute(
            select(ServiceAtLocation.id, ServiceAtLocation.service_id, ServiceAtLocation.location_id).where(
                ServiceAtLocation.service_id.in_(service_ids)
            )
        ).all()
        places_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for p in places:
            places_of[p.service_id].append((p.id, p.location_id))
        sal_ids = [p.id for p in places]
        location_ids = list({p.location_id for p in places})
        rows = (
            self.session.execute(
                select(Schedule).where(
                    or_(
                        Schedule.service_id.in_(service_ids),
                        Schedule.service_at_location_id.in_(sal_ids),
                        Schedule.location_id.in_(location_ids),
                    )
                )
            )
            .scalars()
            .all()
        )
        by_sal: dict[str, list[Any]] = defaultdict(list)
        by_service: dict[str, list[Any]] = defaultdict(list)
        by_location: dict[str, list[Any]] = defaultdict(list)
        for r in rows:
            if r.service_at_location_id:
                by_sal[r.service_at_location_id].append(r)
            elif r.service_id:
                by_service[r.service_id].append(r)
            if r.location_id and not r.service_at_location_id:
                by_location[r.location_id].append(r)
        assert self.q.open_at is not None
        out: dict[str, bool | None] = {}
        for h in hits:
            chosen = _schedules_for(h, by_sal, by_service, by_location, places_of)
            out[h.id] = is_open([_rule(r) for r in chosen], self.q.open_at, self.region_timezone)
        return out

    def apply(self, hits: Sequence[Hit]) -> list[Hit]:
        """The hits the rules keep, in order; with `open_at`, each carries `open_at_status`.

        Hours unknown (no schedule says anything) is not closed: the item stays, flagged
        `hours_unknown`, so nobody is told a service is shut because its listing lacks hours.
        """
        kept = list(hits)
        if self.q.participant is not None and kept:
            rules = self._eligibility(list({h.service_id for h in kept}))
            kept = [h for h in kept if not excludes(rules.get(h.service_id, {}), self.q.participant)]
        if self.q.open_at is not None and kept:
            hours = self._hours(kept)
            kept = [
                Hit(
                    h.id,
                    h.service_id,
                    h.location_id,
                    h.distance_km,
                    h.reach,
                    {**h.extras, "open_at_status": OPEN if hours[h.id] else HOURS_UNKNOWN},
                )
                for h in kept
                if hours[h.id] is not False
            ]
        return kept

    def stream(self, hits: Iterable[Hit], batch: int = RULE_BATCH) -> Iterator[list[Hit]]:
        chunk: list[Hit] = []
        for h in hits:
            chunk.append(h)
            if len(chunk) >= batch:
                yield self.apply(chunk)
                chunk = []
        if chunk:
            yield self.apply(chunk)


__all__ = [
    "BBox",
    "DirectoryQuery",
    "HOURS_UNKNOWN",
    "Hit",
    "OPEN",
    "REACH_RADIUS",
    "REACH_SERVICE_AREA",
    "RuleFilter",
    "count_of",
    "hits_of",
    "page_and_total",
    "place_selection",
    "searched_place_page",
    "searched_place_selection",
    "service_selection",
    "service_conditions",
]
