"""Builder of a generated region for the gap map, written straight into the catalog tables (SQLAlchemy core),
with its projections rebuilt by catalog.projections, and gap events written as the matcher would."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import h3
from sqlalchemy import insert
from sqlalchemy.orm import Session

from catalog.projections import refresh_services
from catalog.tables import (
    Attribute,
    GapEvent,
    Hold,
    Location,
    Organization,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
    Unit,
)

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
PROFILE_TERMS = {
    "divert-needs": "need",
    "divert-eligibility": "elig",
    "sim-intercept": "sim",
    "deflection-pathway": "path",
}


@dataclass
class Region:
    """Builds services, pools and gap events; `commit()` writes them and rebuilds projections."""

    session: Session
    services: list[str] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=itertools.count)
    _terms: set[str] = field(default_factory=set)

    def _id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    def _term(self, profile: str, code: str) -> str:
        term_id = f"{PROFILE_TERMS[profile]}-{code}"
        if term_id not in self._terms:
            self.session.execute(
                insert(TaxonomyTerm).values(id=term_id, code=code, name=code, taxonomy=profile, profile=profile)
            )
            self._terms.add(term_id)
        return term_id

    def service(
        self,
        name: str,
        at: tuple[float, float] | None,
        needs: list[str],
        *,
        intercepts: list[int] = (),
        info: list[str] = (),
        area: list[list[float]] | None = None,
        extra_sites: list[tuple[float, float]] = (),
    ) -> str:  # type: ignore[assignment]
        sid = self._id("svc")
        self.session.execute(insert(Organization).values(id=f"org-{sid}", name=f"{name} org"))
        self.session.execute(insert(Service).values(id=sid, organization_id=f"org-{sid}", name=name))
        for n, place in enumerate([p for p in [at, *extra_sites] if p is not None]):
            lid = f"loc-{sid}-{n}"
            lat, lon = place
            self.session.execute(
                insert(Location).values(
                    id=lid, name=name, latitude=lat, longitude=lon, geog=f"SRID=4326;POINT({lon} {lat})"
                )
            )
            self.session.execute(insert(ServiceAtLocation).values(id=f"sal-{sid}-{n}", service_id=sid, location_id=lid))
        for need in needs:
            self.attribute(sid, "divert-needs", need)
        for i in intercepts:
            self.attribute(sid, "sim-intercept", str(i))
        for code in info:
            self.attribute(sid, "divert-eligibility", code, "true")
        if area is not None:
            ring = ", ".join(f"{lon} {lat}" for lat, lon in area)
            self.session.execute(
                insert(ServiceArea).values(
                    id=self._id("area"), service_id=sid, name="area", geog=f"SRID=4326;POLYGON(({ring}))"
                )
            )
        self.services.append(sid)
        return sid

    def attribute(self, sid: str, profile: str, code: str, value: str | None = None) -> None:
        term_id = self._term(profile, code)
        self.session.execute(
            insert(Attribute).values(
                id=self._id("attr"), link_id=sid, link_entity="service", taxonomy_term_id=term_id, value=value
            )
        )

    def pool(
        self,
        sid: str,
        unit: str = "bed",
        *,
        available: float,
        waitlist: int = 0,
        maximum: float | None = None,
        reserved_for: list[str] = (),  # type: ignore[assignment]
        age: timedelta = timedelta(hours=1),
        location_id: str | None = None,
        holds: int = 0,
    ) -> str:
        if not self.session.get(Unit, unit):
            self.session.execute(insert(Unit).values(id=unit, name=unit))
        cid = self._id("cap")
        self.session.execute(
            insert(ServiceCapacity).values(
                id=cid,
                service_id=sid,
                unit_id=unit,
                available=available,
                maximum=maximum,
                waitlist=waitlist,
                reserved_for=list(reserved_for),
                updated=NOW - age,
                location_id=location_id,
            )
        )
        for _ in range(holds):
            self.session.execute(
                insert(Hold).values(
                    id=self._id("hold"),
                    capacity_id=cid,
                    program="lead",
                    expires_at=datetime.now(UTC) + timedelta(hours=1),
                )
            )
        return cid

    def events(
        self,
        cell: str,
        need: str,
        reason: str,
        count: int = 1,
        *,
        intercept: int | None = 0,
        age: timedelta = timedelta(days=1),
        pathway: str | None = None,
    ) -> None:
        hour = (NOW - age).replace(minute=0, second=0, microsecond=0)
        self.session.execute(
            insert(GapEvent),
            [
                {"need": need, "reason": reason, "intercept": intercept, "cell": cell, "hour": hour, "pathway": pathway}
                for _ in range(count)
            ],
        )

    def commit(self) -> None:
        refresh_services(self.session, self.services)
        self.session.commit()


def cell_centre(cell: str) -> tuple[float, float]:
    lat, lon = h3.cell_to_latlng(cell)
    return lat, lon


def rows_by(body: dict[str, Any]) -> dict[tuple[str, str, int], dict[str, Any]]:
    return {(r["area_id"], r["need"], r["intercept"]): r for r in body["rows"]}
