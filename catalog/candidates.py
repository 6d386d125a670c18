"""The matcher's candidate query: every need of a request in one round trip, over the GiST index.

For each need, the nearest `match_site` rows within the radius (`ST_DWithin` for the radius, `<->`
for the order, so the (need, geog) GiST index serves both), over-fetched so that eligibility and
capacity filtering in the matcher cannot starve a need; plus the services whose HSDS service area
covers the location (mobile and outreach). Each service's eligibility terms, languages and schedules
come ready from the `match_profile` projection, and its capacity pools (with their active holds) are
aggregated live as JSON once per service, all in the same statement, so there is no N+1.
Everything else is the pure matcher's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, time
from functools import lru_cache, partial
from typing import Any, Final, TypeVar, overload

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from matcher.eligibility import Eligibility
from matcher.hours import ScheduleRule
from matcher.model import RADIUS, SERVICE_AREA, Candidate
from matcher.pools import Pool
from matcher.vocabulary import ELIGIBILITY_TERMS, INFORMATIONAL_TERMS, PATHWAYS

# Over-fetch per need: the matcher drops ineligible and full services after the query, so the
# query fetches several times the answer's size (and never fewer than a useful floor).
OVERFETCH_FACTOR: Final = 10
MIN_PER_NEED: Final = 60
MAX_AREA_ROWS: Final = 500

T = TypeVar("T")

# The point is written inline (not in a CTE) so the planner sees a constant it can push into the
# index scan; the radius goes in ST_DWithin, never in a `<->` comparison (DESIGN pitfalls).
CANDIDATE_SQL: Final = text("""
WITH sites AS (
    SELECT n.need, s.service_id, s.service_at_location_id, s.location_id, s.distance_m, 'radius' AS reach
    FROM unnest(CAST(:needs AS text[])) AS n(need)
    CROSS JOIN LATERAL (
        SELECT ms.service_id, ms.service_at_location_id, ms.location_id,
               ST_Distance(ms.geog, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) AS distance_m
        FROM match_site ms
        WHERE ms.need = n.need
          AND ST_DWithin(ms.geog, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :radius_m)
        ORDER BY ms.geog <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography
        LIMIT :per_need
    ) s
    UNION ALL
    SELECT a.need, a.service_id, nearest.sal_id, nearest.location_id, nearest.distance_m, 'service_area'
    FROM (
        -- Services whose area covers the person, for the needs asked (area_site: one row per area and
        -- need; the need is checked before the costlier cover test).
        SELECT DISTINCT ar.need, ar.service_id
        FROM area_site ar
        WHERE ar.need = ANY(CAST(:needs AS text[]))
          AND ST_Covers(ar.geog, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)
        ORDER BY ar.service_id, ar.need
        LIMIT :max_area
    ) a
    LEFT JOIN LATERAL (
        SELECT sal.id AS sal_id, l.id AS location_id,
               ST_Distance(l.geog, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) AS distance_m
        FROM service_at_location sal JOIN location l ON l.id = sal.location_id
        WHERE sal.service_id = a.service_id AND l.geog IS NOT NULL
        ORDER BY l.geog <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, sal.id
        LIMIT 1
    ) nearest ON true
), services AS (
    SELECT DISTINCT service_id FROM sites
), pools AS (
    -- Arrays, not objects: nothing to name per field, and cheaper to build than jsonb. The fields,
    -- in order: id, unit, available, maximum, updated, waitlist, reserved_for, location_id, holds.
    SELECT c.service_id, json_agg(json_build_array(
               c.id, c.unit_id, c.available, c.maximum, c.updated, c.waitlist, c.reserved_for,
               c.location_id, h.active) ORDER BY c.id) AS pools
    FROM services x
    JOIN service_capacity c ON c.service_id = x.service_id
    -- Active, unexpired holds take units (R2/R3); expiry is judged by the database clock, like the
    -- hold endpoints do, not by the request's `at`.
    CROSS JOIN LATERAL (SELECT count(*) AS active FROM hold h
                        WHERE h.capacity_id = c.id AND h.state = 'active' AND h.expires_at > now()) h
    GROUP BY c.service_id
)
SELECT s.need, s.service_id, s.service_at_location_id, s.location_id, s.distance_m, s.reach,
       mp.name, mp.organization, mp.minimum_age, mp.maximum_age,
       -- JSON travels as text: the driver would parse it on every row, while the same service
       -- can come back on several rows (needs, places) and is decoded once, below.
       CAST(coalesce(mp.terms, '[]') AS text) AS terms, CAST(coalesce(mp.languages, '[]') AS text) AS languages,
       CAST(coalesce(mp.schedules, '[]') AS text) AS schedules, coalesce(CAST(p.pools AS text), '[]') AS pools
FROM sites s
JOIN match_profile mp ON mp.service_id = s.service_id
LEFT JOIN pools p ON p.service_id = s.service_id
""")


# The same statement in the driver's own placeholders: the hot path hands it to the driver as is
# (`exec_driver_sql`), so SQLAlchemy neither compiles it nor wraps each row in a mapping (~0.3 ms of a
# 1M-catalog match), while its error handling and pool still apply.
DRIVER_SQL: Final = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", CANDIDATE_SQL.text.replace("%", "%%"))


def per_need_limit(limit: int) -> int:
    return max(limit * OVERFETCH_FACTOR, MIN_PER_NEED)


def query_params(needs: Sequence[str], lat: float, lon: float, radius_km: float, limit: int) -> dict[str, Any]:
    return {
        "needs": list(dict.fromkeys(needs)),
        "lat": float(lat),
        "lon": float(lon),
        "radius_m": float(radius_km) * 1000.0,
        "per_need": per_need_limit(limit),
        "max_area": MAX_AREA_ROWS,
    }


def _date(value: Any) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _time(value: Any) -> time | None:
    return time.fromisoformat(value) if value else None


def _schedule(row: dict[str, Any]) -> ScheduleRule:
    return ScheduleRule(
        freq=row.get("freq"),
        interval=row.get("interval"),
        byday=row.get("byday"),
        bymonthday=row.get("bymonthday"),
        opens_at=_time(row.get("opens_at")),
        closes_at=_time(row.get("closes_at")),
        time_offset_minutes=row.get("time_offset_minutes"),
        timezone=row.get("timezone"),
        valid_from=_date(row.get("valid_from")),
        valid_to=_date(row.get("valid_to")),
        dtstart=_date(row.get("dtstart")),
        until=_date(row.get("until")),
        count=row.get("count"),
        wkst=row.get("wkst"),
    )


def _site_rows(
    rows: Sequence[dict[str, Any]], service_id: str, sal_id: str | None, location_id: str | None
) -> list[dict[str, Any]]:
    """The schedule rows of one service at one place: its own rows, else the service's, else the building's."""
    for chosen in (
        [s for s in rows if sal_id and s.get("service_at_location_id") == sal_id],
        [s for s in rows if s.get("service_id") == service_id and not s.get("service_at_location_id")],
        [
            s
            for s in rows
            if location_id
            and s.get("location_id") == location_id
            and not s.get("service_id")
            and not s.get("service_at_location_id")
        ],
    ):
        if chosen:
            return chosen
    return []


def site_schedules(
    schedules_json: Any, service_id: str, sal_id: str | None, location_id: str | None
) -> tuple[ScheduleRule, ...]:
    """The hours of one service at one place, from its `match_profile.schedules` (as the matcher reads them)."""
    rows = _decode(schedules_json) or []
    return tuple(_schedule(row) for row in _site_rows(rows, service_id, sal_id, location_id))


def _pool(row: list[Any]) -> Pool:
    pool_id, unit, available, maximum, updated, waitlist, reserved_for, location_id, holds = row
    return Pool(
        id=pool_id,
        unit=str(unit),
        available=float(available),
        updated=datetime.fromisoformat(updated),
        maximum=None if maximum is None else float(maximum),
        waitlist=int(waitlist or 0),
        reserved_for=tuple(reserved_for or ()),
        active_holds=int(holds or 0),
        location_id=location_id,
    )


def _decode(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


# Eligibility terms and languages repeat across services (a catalog has a few thousand distinct term
# sets and a few dozen language lists), so each distinct text is read once per process.
@lru_cache(maxsize=8192)
def _terms(value: str) -> tuple[tuple[tuple[str, str | None], ...], frozenset[str], frozenset[str]]:
    """The eligibility terms (sorted, as Eligibility keeps them), informational features and deflection
    pathways of a service (the profile holds eligibility and pathway terms; their codes never overlap)."""
    terms = [(str(code), term_value) for code, term_value in _decode(value) if code]
    features = frozenset(
        code
        for code, term_value in terms
        if code in INFORMATIONAL_TERMS
        and (term_value is None or term_value.strip().lower() not in ("false", "no", "0"))
    )
    pathways = frozenset(code for code, _ in terms if code in PATHWAYS)
    return tuple(sorted((code, v) for code, v in terms if code in ELIGIBILITY_TERMS)), features, pathways


@lru_cache(maxsize=8192)
def _eligibility(terms_json: str, minimum_age: float | None, maximum_age: float | None) -> Eligibility:
    """One `Eligibility` per distinct rule set, shared by every service and request that has it: the
    matcher's per-rule caches (`excluded_by`, `asked_of`) then find it by identity, not by comparing."""
    return _first_of_its_value(Eligibility(_terms(terms_json)[0], minimum_age, maximum_age))


@lru_cache(maxsize=8192)
def _first_of_its_value(rules: Eligibility) -> Eligibility:
    """The first `Eligibility` seen equal to this one (profiles differing only in informational or
    pathway terms have the same rules)."""
    return rules


@lru_cache(maxsize=1024)
def _languages(value: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """A service's languages: those spoken wherever it is (sorted), and those of one location only."""
    pairs = [(str(code), location) for code, location in _decode(value) if code]
    everywhere = tuple(sorted({code for code, location in pairs if location is None}))
    return everywhere, tuple((code, location) for code, location in pairs if location is not None)


def _site_languages(
    languages: tuple[tuple[str, ...], tuple[tuple[str, str], ...]], location_id: str | None
) -> tuple[str, ...]:
    everywhere, by_location = languages
    if not by_location:  # the usual case: nothing to work out per place
        return everywhere
    return tuple(sorted({*everywhere, *(code for code, location in by_location if location == location_id)}))


def candidate_rows(
    session: Session, needs: Sequence[str], lat: float, lon: float, radius_km: float, limit: int
) -> Sequence[Sequence[Any]]:
    """The candidate statement's rows for every need at once (one round trip)."""
    return session.connection().exec_driver_sql(DRIVER_SQL, query_params(needs, lat, lon, radius_km, limit)).all()


def fetch_candidates(
    session: Session, needs: Sequence[str], lat: float, lon: float, radius_km: float, limit: int
) -> list[Candidate]:
    """Candidates for every need at once (one statement), as plain matcher objects."""
    return candidates_from_rows(candidate_rows(session, needs, lat, lon, radius_km, limit))


class Decoded(Sequence[T]):
    """Matcher values decoded from a candidate row's JSON the first time the matcher reads them.

    The statement returns every service-place that might answer (≈ 180 for three needs), but the
    matcher judges them best-possible first and stops once the answer is settled (≈ 40 judged), and a
    candidate excluded by its rules never reads its pools or hours: decoding schedules and pools for
    all of them was a quarter of a 1M-catalog match. The decoding is pure and runs at most once.
    """

    __slots__ = ("_decode", "_values")

    def __init__(self, decode: Callable[[], tuple[T, ...]]) -> None:
        self._decode: Callable[[], tuple[T, ...]] | None = decode
        self._values: tuple[T, ...] = ()

    @property
    def values(self) -> tuple[T, ...]:
        if self._decode is not None:
            self._values, self._decode = self._decode(), None
        return self._values

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        return self.values[index]

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Iterator[T]:
        return iter(self.values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Decoded):
            return self.values == other.values
        return isinstance(other, Sequence) and not isinstance(other, str) and self.values == tuple(other)

    def __hash__(self) -> int:
        return hash(self.values)

    def __repr__(self) -> str:
        return f"Decoded({self.values!r})"


def _pools(pools_json: Any) -> tuple[Pool, ...]:
    return tuple(_pool(p) for p in _decode(pools_json))


def _schedule_rows(schedules_json: Any) -> tuple[dict[str, Any], ...]:
    return tuple(_decode(schedules_json) or ())


def _site_rules(
    rows: Decoded[dict[str, Any]], service_id: str, sal_id: str | None, location_id: str | None
) -> tuple[ScheduleRule, ...]:
    return tuple(_schedule(row) for row in _site_rows(rows.values, service_id, sal_id, location_id))


def candidates_from_rows(rows: Sequence[Sequence[Any]]) -> list[Candidate]:
    """The candidate statement's rows as matcher objects: a service's terms read once, its pools and a
    place's hours decoded only if the matcher reads them (`Decoded`)."""
    built: dict[
        str,
        tuple[
            Eligibility,
            frozenset[str],
            frozenset[str],
            tuple[tuple[str, ...], tuple[tuple[str, str], ...]],
            Decoded[dict[str, Any]],
            Decoded[Pool],
        ],
    ] = {}
    places: dict[tuple[str, str | None, str | None], tuple[tuple[str, ...], Decoded[ScheduleRule]]] = {}
    out: list[Candidate] = []
    for (
        need,
        sid,
        sal_id,
        location_id,
        distance_m,
        reach,
        name,
        organization,
        minimum_age,
        maximum_age,
        terms_json,
        languages_json,
        schedules_json,
        pools_json,
    ) in rows:
        if sid not in built:
            _, features, pathways = _terms(terms_json)
            built[sid] = (
                _eligibility(terms_json, minimum_age, maximum_age),
                features,
                pathways,
                _languages(languages_json),
                Decoded(partial(_schedule_rows, schedules_json)),
                Decoded(partial(_pools, pools_json)),
            )
        eligibility, features, pathways, languages, schedule_rows, pools = built[sid]
        site = (sid, sal_id, location_id)
        if site not in places:  # a place comes back once per need it meets
            places[site] = (
                _site_languages(languages, location_id),
                Decoded(partial(_site_rules, schedule_rows, sid, sal_id, location_id)),
            )
        site_languages, site_schedules = places[site]
        out.append(
            Candidate(
                need=need,
                service_id=sid,
                name=name,
                organization=organization,
                service_at_location_id=sal_id,
                location_id=location_id,
                distance_km=None if distance_m is None else float(distance_m) / 1000.0,
                reach=RADIUS if reach == "radius" else SERVICE_AREA,
                eligibility=eligibility,
                features=features,
                pathways=pathways,
                languages=site_languages,
                schedules=site_schedules,
                pools=pools,
            )
        )
    return out


__all__ = [
    "CANDIDATE_SQL",
    "Decoded",
    "DRIVER_SQL",
    "candidate_rows",
    "candidates_from_rows",
    "fetch_candidates",
    "per_need_limit",
    "query_params",
    "site_schedules",
]
