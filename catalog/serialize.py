"""Catalog rows -> HSDS 3.1 objects (minimal, list and full shapes), loaded in a few batched queries.

HSDS nests the same objects in several places; here every related table is read once per batch
(`WHERE owner_id IN (...)`) and the objects are assembled in Python, so a page of 500 services costs
about a dozen queries whatever its content (no N+1). Keys HSDS defines that the catalog keeps verbatim
in `extra` (contacts, funding, cost_options, programs, accessibility, ...) are merged back in.

Shapes, as in the HSDS 3.1 OpenAPI:
- `minimal`: `{id, name, status, last_modified}` (what a client syncing a mirror needs; HSDS keeps
  `name` and `status` required in every shape),
- `list`: the entity's own fields plus its parents (service -> organization; service_at_location ->
  location and service), the `*_list` schemas of HSDS,
- `full`: everything HSDS nests under it, capacities with their live `status`.

An optional field without a value is left out, never sent as `null`: the HSDS schemas type their
fields without null (`pruned`). Units show with their HSDS UUID and taxonomies always carry a
description (catalog/hsds_face.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Final, Literal

from sqlalchemy import FromClause, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from catalog import tables as t
from catalog.hsds_face import taxonomy_description, unit_object, unit_uuid
from matcher.pools import Freshness, Pool, offerable_units, pool_status

Level = Literal["minimal", "list", "full"]
LEVELS: Final = ("minimal", "list", "full")

# Internal columns that are not HSDS: the projections, hashes, geometry (HSDS carries lat/lon and the
# GeoJSON `extent` text instead) and the parsed offset (folded back into opens_at / closes_at).
_HIDDEN: Final = frozenset(
    {"extra", "content_hash", "search_vector", "search_text", "geog", "time_offset_minutes", "profile"}
)

Row = dict[str, Any]


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M") if value.second == 0 else value.strftime("%H:%M:%S")
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def hsds_object(row: Row, *, merge_extra: bool = True) -> Row:
    """A catalog row as its HSDS object: internal columns dropped, `extra` keys merged back."""
    out = {k: _json_value(v) for k, v in row.items() if k not in _HIDDEN}
    extra = row.get("extra")
    if merge_extra and isinstance(extra, dict):
        for key, value in extra.items():
            out.setdefault(key, value)
    return out


def _hsds_columns(table: FromClause) -> list[Any]:
    """The table's columns an HSDS object shows, in the table's order (as `hsds_object` keeps them)."""
    return [c for c in table.c if c.name not in _HIDDEN]


def _fields(names: Sequence[str], row: Sequence[Any], start: int) -> Row:
    """`hsds_object` without `extra`, then `pruned`, of the columns `names` of a row from `start`."""
    out = {}
    for offset, name in enumerate(names):
        value = row[start + offset]
        if value is not None:
            out[name] = _json_value(value)
    return out


def pruned(value: Any) -> Any:
    """The object with every `null` left out, at any depth (HSDS has no null optional fields)."""
    if isinstance(value, dict):
        return {k: pruned(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [pruned(v) for v in value if v is not None]
    return value


def taxonomy_object(row: Row) -> Row:
    out = hsds_object(row)
    out["description"] = taxonomy_description(row.get("name"), row.get("description"))
    return out


def _with_offset(value: time | None, offset_minutes: int | None) -> str | None:
    if value is None:
        return None
    text = _json_value(value)
    if offset_minutes is None:
        return text
    sign = "+" if offset_minutes >= 0 else "-"
    return f"{text}{sign}{abs(offset_minutes) // 60:02d}:{abs(offset_minutes) % 60:02d}"


def schedule_object(row: Row) -> Row:
    """An HSDS schedule; the offset read at import is written back onto opens_at / closes_at."""
    out = hsds_object(row)
    offset = row.get("time_offset_minutes")
    out["opens_at"] = _with_offset(row.get("opens_at"), offset)
    out["closes_at"] = _with_offset(row.get("closes_at"), offset)
    return out


def _rows(session: Session, table: FromClause, *where: Any, order: Any = None) -> list[Row]:
    stmt = select(table).where(*where)
    if order is None:
        order = (table.c.id,)
    stmt = stmt.order_by(*(order if isinstance(order, tuple) else (order,)))
    return [dict(r) for r in session.execute(stmt).mappings()]


def _by(rows: Iterable[Row], key: str) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = defaultdict(list)
    for r in rows:
        if r.get(key) is not None:
            grouped[r[key]].append(r)
    return grouped


# The `list` shape of a service at a location in one query (CatalogSerializer._service_at_locations_list):
# its own columns, its location's, its service's and the service's organization's, outer-joined so a
# missing row reads as nulls (each table's id first, to tell "no row" from an all-null one).
_SAL, _LOCATION, _SERVICE, _ORGANIZATION = (
    t.ServiceAtLocation.__table__,
    t.Location.__table__,
    t.Service.__table__,
    t.Organization.__table__,
)
_SAL_COLUMNS, _LOCATION_COLUMNS, _SERVICE_COLUMNS, _ORGANIZATION_COLUMNS = (
    _hsds_columns(_SAL),
    _hsds_columns(_LOCATION),
    _hsds_columns(_SERVICE),
    _hsds_columns(_ORGANIZATION),
)
assert all(cols[0].name == "id" for cols in (_SAL_COLUMNS, _LOCATION_COLUMNS, _SERVICE_COLUMNS, _ORGANIZATION_COLUMNS))
_SAL_FIELDS, _LOCATION_FIELDS, _SERVICE_FIELDS, _ORGANIZATION_FIELDS = (
    [c.name for c in cols] for cols in (_SAL_COLUMNS, _LOCATION_COLUMNS, _SERVICE_COLUMNS, _ORGANIZATION_COLUMNS)
)
_SAL_LIST_SELECT = (
    select(*_SAL_COLUMNS, *_LOCATION_COLUMNS, *_SERVICE_COLUMNS, *_ORGANIZATION_COLUMNS)
    .select_from(_SAL)
    .outerjoin(_LOCATION, _LOCATION.c.id == _SAL.c.location_id)
    .outerjoin(_SERVICE, _SERVICE.c.id == _SAL.c.service_id)
    .outerjoin(_ORGANIZATION, _ORGANIZATION.c.id == _SERVICE.c.organization_id)
    .where(_SAL.c.id.in_(bindparam("ids", expanding=True)))
)


@dataclass
class _Related:
    """Everything hanging from a set of services / places / organizations, read in batched queries."""

    phones: dict[str, dict[str, list[Row]]] = field(default_factory=dict)  # link column -> owner -> rows
    schedules: dict[str, dict[str, list[Row]]] = field(default_factory=dict)
    languages: dict[str, dict[str, list[Row]]] = field(default_factory=dict)
    attributes: dict[tuple[str, str], list[Row]] = field(default_factory=dict)  # (entity, id) -> rows
    metadata: dict[tuple[str, str], list[Row]] = field(default_factory=dict)
    addresses: dict[str, list[Row]] = field(default_factory=dict)
    service_areas: dict[str, list[Row]] = field(default_factory=dict)
    capacities: dict[str, list[Row]] = field(default_factory=dict)


class CatalogSerializer:
    """Builds HSDS objects for ids, in the order given; unknown ids are skipped.

    `at` and `freshness` judge each capacity pool's status (CONTRACT R5) the way the matcher does.
    """

    def __init__(self, session: Session, at: datetime, freshness: Freshness | None = None) -> None:
        self.session = session
        self.at = at
        self.freshness = freshness or Freshness()

    # ---- public entry points --------------------------------------------------------------------

    def services(self, ids: Sequence[str], level: Level = "full") -> list[Row]:
        return pruned(self._services(ids, level))

    def service_at_locations(self, ids: Sequence[str], level: Level = "full") -> list[Row]:
        if level == "list":  # built without nulls already: not walked again
            return self._service_at_locations_list(list(dict.fromkeys(ids)))
        return pruned(self._service_at_locations(ids, level))

    def organizations(self, ids: Sequence[str], level: Level = "list", full_service: bool = False) -> list[Row]:
        return pruned(self._organizations(ids, level, full_service))

    def taxonomies(self, ids: Sequence[str]) -> list[Row]:
        rows = {r["id"]: r for r in _rows(self.session, t.Taxonomy.__table__, t.Taxonomy.id.in_(list(ids)))}
        return pruned([taxonomy_object(rows[i]) for i in ids if i in rows])

    def taxonomy_terms(self, ids: Sequence[str]) -> list[Row]:
        terms = self._terms(set(ids))
        return pruned([terms[i] for i in ids if i in terms])

    # ---- one entity kind each, nulls still in -----------------------------------------------------

    def _services(self, ids: Sequence[str], level: Level) -> list[Row]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        rows = {r["id"]: r for r in _rows(self.session, t.Service.__table__, t.Service.id.in_(ids))}
        if level == "minimal":
            return [
                {
                    "id": i,
                    "name": rows[i]["name"],
                    "status": rows[i]["status"],
                    "last_modified": _json_value(rows[i]["last_modified"]),
                }
                for i in ids
                if i in rows
            ]
        orgs = self._organizations_rows({r["organization_id"] for r in rows.values()})
        if level == "list":
            return [self._service_list(rows[i], orgs) for i in ids if i in rows]
        sals = _rows(self.session, t.ServiceAtLocation.__table__, t.ServiceAtLocation.service_id.in_(ids))
        locations = self._locations_rows({s["location_id"] for s in sals})
        related = self._related(
            service_ids=ids,
            sal_ids=[s["id"] for s in sals],
            location_ids=list(locations),
            organization_ids=list(orgs),
        )
        sals_by_service = _by(sals, "service_id")
        out = []
        for i in ids:
            if i not in rows:
                continue
            svc = self._service_full(rows[i], orgs, related)
            svc["service_at_locations"] = [
                self._sal_full(s, locations, related, service=None) for s in sals_by_service.get(i, [])
            ]
            out.append(svc)
        return out

    def _service_at_locations(self, ids: Sequence[str], level: Level) -> list[Row]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        if level == "list":
            return self._service_at_locations_list(ids)
        sals = {r["id"]: r for r in _rows(self.session, t.ServiceAtLocation.__table__, t.ServiceAtLocation.id.in_(ids))}
        if level == "minimal":
            return [
                {"id": i, "service_id": sals[i]["service_id"], "location_id": sals[i]["location_id"]}
                for i in ids
                if i in sals
            ]
        service_ids = list({s["service_id"] for s in sals.values()})
        locations = self._locations_rows({s["location_id"] for s in sals.values()})
        services = {r["id"]: r for r in _rows(self.session, t.Service.__table__, t.Service.id.in_(service_ids))}
        orgs = self._organizations_rows({r["organization_id"] for r in services.values()})
        out: list[Row] = []
        related = self._related(
            service_ids=service_ids,
            sal_ids=list(sals),
            location_ids=list(locations),
            organization_ids=list(orgs),
        )
        for i in ids:
            if i not in sals:
                continue
            svc_row = services.get(sals[i]["service_id"])
            svc = self._service_full(svc_row, orgs, related) if svc_row else None
            out.append(self._sal_full(sals[i], locations, related, service=svc))
        return out

    def _service_at_locations_list(self, ids: list[str]) -> list[Row]:
        """The `list` shape of services at locations: each with its location and its service, the
        service with its organization, all four rows from one query of only the HSDS columns.

        A directory page asks for this shape; read as four whole-row queries (the service's search
        document and every location's geometry included, then dropped) it was most of the request's
        time in the API process. Nulls are left out as the objects are built (what `pruned` does)."""
        if not ids:
            return []
        rows = {r[0]: r for r in self.session.execute(_SAL_LIST_SELECT, {"ids": ids})}
        out: list[Row] = []
        for i in ids:
            row = rows.get(i)
            if row is None:
                continue
            sal = _fields(_SAL_FIELDS, row, 0)
            at = len(_SAL_FIELDS)
            if row[at] is not None:  # the location's id: no row, no location (as `pruned` drops None)
                sal["location"] = _fields(_LOCATION_FIELDS, row, at)
            at += len(_LOCATION_FIELDS)
            if row[at] is not None:
                svc = _fields(_SERVICE_FIELDS, row, at)
                at += len(_SERVICE_FIELDS)
                if row[at] is not None:
                    svc["organization"] = _fields(_ORGANIZATION_FIELDS, row, at)
                sal["service"] = svc
            out.append(sal)
        return out

    def _organizations(self, ids: Sequence[str], level: Level, full_service: bool) -> list[Row]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        orgs = self._organizations_rows(set(ids))
        if level == "minimal":
            return [{"id": i, "name": orgs[i]["name"]} for i in ids if i in orgs]
        if level == "list":
            return [hsds_object(orgs[i], merge_extra=False) for i in ids if i in orgs]
        services = _rows(
            self.session,
            t.Service.__table__,
            t.Service.organization_id.in_(ids),
            order=(t.Service.name, t.Service.id),
        )
        locations = self._locations_rows(
            {r["id"] for r in _rows(self.session, t.Location.__table__, t.Location.organization_id.in_(ids))}
        )
        related = self._related(service_ids=[], sal_ids=[], location_ids=list(locations), organization_ids=ids)
        full_services: dict[str, Row] = {}
        if full_service and services:
            full_services = {s["id"]: s for s in self.services([s["id"] for s in services], "full")}
        locations_by_org = _by(locations.values(), "organization_id")
        services_by_org = _by(services, "organization_id")
        out = []
        for i in ids:
            if i not in orgs:
                continue
            org = self._organization_full(orgs[i], related)
            org["locations"] = [self._location_full(loc, related) for loc in locations_by_org.get(i, [])]
            org["services"] = [
                full_services[s["id"]] if full_service else self._service_list(s, {})
                for s in services_by_org.get(i, [])
            ]
            for s in org["services"]:
                s.pop("organization", None)
            out.append(org)
        return out

    # ---- loading --------------------------------------------------------------------------------

    def _organizations_rows(self, ids: set[str]) -> dict[str, Row]:
        if not ids:
            return {}
        return {r["id"]: r for r in _rows(self.session, t.Organization.__table__, t.Organization.id.in_(list(ids)))}

    def _locations_rows(self, ids: set[str]) -> dict[str, Row]:
        if not ids:
            return {}
        return {r["id"]: r for r in _rows(self.session, t.Location.__table__, t.Location.id.in_(list(ids)))}

    def _terms(self, ids: set[str]) -> dict[str, Row]:
        if not ids:
            return {}
        terms = _rows(self.session, t.TaxonomyTerm.__table__, t.TaxonomyTerm.id.in_(list(ids)))
        taxonomy_ids = {r["taxonomy_id"] for r in terms if r["taxonomy_id"]}
        taxonomies = {
            r["id"]: taxonomy_object(r)
            for r in _rows(self.session, t.Taxonomy.__table__, t.Taxonomy.id.in_(list(taxonomy_ids)))
        }
        out = {}
        for r in terms:
            term = hsds_object(r)
            if r["taxonomy_id"] in taxonomies:
                term["taxonomy_detail"] = taxonomies[r["taxonomy_id"]]
            out[r["id"]] = term
        return out

    def _related(
        self,
        *,
        service_ids: Sequence[str],
        sal_ids: Sequence[str],
        location_ids: Sequence[str],
        organization_ids: Sequence[str],
    ) -> _Related:
        s = self.session
        rel = _Related()
        owners = {
            "service_id": list(service_ids),
            "service_at_location_id": list(sal_ids),
            "location_id": list(location_ids),
            "organization_id": list(organization_ids),
        }

        def linked(table: FromClause, columns: Sequence[str]) -> dict[str, dict[str, list[Row]]]:
            conditions = [table.c[c].in_(owners[c]) for c in columns if owners[c]]
            if not conditions:
                return {c: {} for c in columns}
            rows = _rows(s, table, or_(*conditions))
            return {c: _by(rows, c) for c in columns}

        rel.phones = linked(
            t.Phone.__table__, ("service_id", "service_at_location_id", "location_id", "organization_id")
        )
        phone_ids = list({p["id"] for by_owner in rel.phones.values() for rows in by_owner.values() for p in rows})
        rel.schedules = linked(t.Schedule.__table__, ("service_id", "service_at_location_id", "location_id"))
        language_table = t.Language.__table__
        language_conditions = [
            c
            for c in (
                language_table.c.service_id.in_(owners["service_id"]) if owners["service_id"] else None,
                language_table.c.location_id.in_(owners["location_id"]) if owners["location_id"] else None,
                language_table.c.phone_id.in_(phone_ids) if phone_ids else None,
            )
            if c is not None
        ]
        language_rows = _rows(s, language_table, or_(*language_conditions)) if language_conditions else []
        rel.languages = {c: _by(language_rows, c) for c in ("service_id", "location_id", "phone_id")}
        if location_ids:
            rel.addresses = _by(
                _rows(s, t.Address.__table__, t.Address.location_id.in_(list(location_ids))), "location_id"
            )
        if service_ids:
            rel.service_areas = _by(
                _rows(s, t.ServiceArea.__table__, t.ServiceArea.service_id.in_(list(service_ids))),
                "service_id",
            )
            rel.capacities = self._capacities(service_ids)

        all_ids = [*service_ids, *sal_ids, *location_ids, *organization_ids]
        if all_ids:
            attributes = _rows(s, t.Attribute.__table__, t.Attribute.link_id.in_(all_ids))
            terms = self._terms({a["taxonomy_term_id"] for a in attributes})
            for a in attributes:
                obj = hsds_object(a)
                if a["taxonomy_term_id"] in terms:
                    obj["taxonomy_term"] = terms[a["taxonomy_term_id"]]
                rel.attributes.setdefault((a["link_entity"], a["link_id"]), []).append(obj)
            for m in _rows(
                s,
                t.Metadata.__table__,
                t.Metadata.resource_id.in_(all_ids),
                order=(t.Metadata.last_action_date, t.Metadata.id),
            ):
                rel.metadata.setdefault((m["resource_type"], m["resource_id"]), []).append(hsds_object(m))
        return rel

    def _capacities(self, service_ids: Sequence[str]) -> dict[str, list[Row]]:
        cap = t.ServiceCapacity.__table__
        hold = t.Hold.__table__
        active_holds = (
            select(func.count())
            .where(and_(hold.c.capacity_id == cap.c.id, hold.c.state == "active", hold.c.expires_at > self.at))
            .correlate(cap)
            .scalar_subquery()
        )
        rows = [
            dict(r)
            for r in self.session.execute(
                select(cap, active_holds.label("active_holds"))
                .where(cap.c.service_id.in_(list(service_ids)))
                .order_by(cap.c.id)
            ).mappings()
        ]
        units = {
            r["id"]: unit_object(r)
            for r in _rows(self.session, t.Unit.__table__, t.Unit.id.in_(list({r["unit_id"] for r in rows})))
        }
        out: dict[str, list[Row]] = defaultdict(list)
        for r in rows:
            out[r["service_id"]].append(self._capacity_object(r, units.get(r["unit_id"])))
        return out

    def _capacity_object(self, r: Row, unit: Row | None) -> Row:
        pool = Pool(
            id=r["id"],
            unit=r["unit_id"],
            available=float(r["available"]),
            updated=r["updated"],
            maximum=None if r["maximum"] is None else float(r["maximum"]),
            waitlist=r["waitlist"] or 0,
            reserved_for=tuple(r["reserved_for"] or ()),
            active_holds=int(r["active_holds"] or 0),
            location_id=r["location_id"],
        )
        # A program pool is judged for the programs that bought it, so the directory shows whether
        # those units are free; the public never gets them (`pool: program`).
        perspective = pool.reserved_for[0] if pool.reserved_for else None
        obj = hsds_object({k: v for k, v in r.items() if k not in ("active_holds", "unit_id")})
        obj["unit_id"] = unit_uuid(r["unit_id"])
        obj["unit"] = unit or unit_object({"id": r["unit_id"]})
        obj["reserved_for"] = list(pool.reserved_for)
        obj["pool"] = "program" if pool.is_program_pool else "public"
        obj["active_holds"] = pool.active_holds
        obj["open_units"] = _json_value(offerable_units(pool, perspective))
        obj["status"] = pool_status(pool, self.at, self.freshness, perspective)
        return obj

    # ---- assembling -----------------------------------------------------------------------------

    def _service_list(self, row: Row, orgs: dict[str, Row]) -> Row:
        svc = hsds_object(row, merge_extra=False)
        org = orgs.get(row["organization_id"])
        if org is not None:
            svc["organization"] = hsds_object(org, merge_extra=False)
        return svc

    def _phones(self, column: str, owner: str, related: _Related) -> list[Row]:
        out = []
        for p in related.phones.get(column, {}).get(owner, []):
            phone = hsds_object(p)
            phone["languages"] = [hsds_object(x) for x in related.languages.get("phone_id", {}).get(p["id"], [])]
            phone.setdefault("attributes", related.attributes.get(("phone", p["id"]), []))
            out.append(phone)
        return out

    def _schedules(self, column: str, owner: str, related: _Related) -> list[Row]:
        return [schedule_object(x) for x in related.schedules.get(column, {}).get(owner, [])]

    def _organization_full(self, row: Row, related: _Related) -> Row:
        org = hsds_object(row)
        org["phones"] = self._phones("organization_id", row["id"], related)
        org["attributes"] = related.attributes.get(("organization", row["id"]), [])
        org["metadata"] = related.metadata.get(("organization", row["id"]), [])
        return org

    def _location_full(self, row: Row, related: _Related) -> Row:
        loc = hsds_object(row)
        lid = row["id"]
        loc["addresses"] = [hsds_object(a) for a in related.addresses.get(lid, [])]
        loc["phones"] = self._phones("location_id", lid, related)
        loc["schedules"] = self._schedules("location_id", lid, related)
        loc["languages"] = [hsds_object(x) for x in related.languages.get("location_id", {}).get(lid, [])]
        loc["attributes"] = related.attributes.get(("location", lid), [])
        loc["metadata"] = related.metadata.get(("location", lid), [])
        return loc

    def _service_full(self, row: Row, orgs: dict[str, Row], related: _Related) -> Row:
        svc = hsds_object(row)
        sid = row["id"]
        org = orgs.get(row["organization_id"])
        if org is not None:
            svc["organization"] = self._organization_full(org, related)
        svc["phones"] = self._phones("service_id", sid, related)
        svc["schedules"] = self._schedules("service_id", sid, related)
        svc["service_areas"] = [hsds_object(a) for a in related.service_areas.get(sid, [])]
        svc["languages"] = [hsds_object(x) for x in related.languages.get("service_id", {}).get(sid, [])]
        svc["attributes"] = related.attributes.get(("service", sid), [])
        svc["capacities"] = related.capacities.get(sid, [])
        svc["metadata"] = related.metadata.get(("service", sid), [])
        return svc

    def _sal_full(self, row: Row, locations: dict[str, Row], related: _Related, service: Row | None) -> Row:
        sal = hsds_object(row)
        sid = row["id"]
        sal["phones"] = self._phones("service_at_location_id", sid, related)
        sal["schedules"] = self._schedules("service_at_location_id", sid, related)
        sal["attributes"] = related.attributes.get(("service_at_location", sid), [])
        sal["metadata"] = related.metadata.get(("service_at_location", sid), [])
        loc = locations.get(row["location_id"])
        sal["location"] = self._location_full(loc, related) if loc else None
        if service is not None:
            sal["service"] = service
        return sal


__all__ = ["CatalogSerializer", "LEVELS", "Level", "hsds_object", "pruned", "schedule_object", "taxonomy_object"]
