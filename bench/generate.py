"""A synthetic national catalog for benchmarks, written straight into the tables with COPY.

The catalog is shaped like a real 211 federation with the diversion profile: organizations with one
or a few sites, services of recognisable kinds (shelters, detox, MOUD clinics, food pantries, legal
aid...) that meet several of the 19 needs, eligibility mixes from CONTRACT §3.2, weekly schedules,
public pools with wait lists and program-reserved pools, some mobile outreach with service areas.
Places cluster around real metro centroids with a rural spread.

Speed matters (1M service-locations on 2 cores): rows are formatted as COPY text in one thread and
streamed by another, non-key indexes are dropped during the load and rebuilt once after, foreign-key
triggers are skipped for the loading session (the generator writes consistent data by
construction), and the projections are built by catalog.projections' own SQL over all ids at once.
"""

from __future__ import annotations

import math
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

import psycopg

from bench.metros import METROS, US_LAT_RANGE, US_LON_RANGE, Metro
from matcher.vocabulary import (
    ELIGIBILITY_TAXONOMY,
    ELIGIBILITY_TERMS,
    INTERCEPT_TAXONOMY,
    NEEDS,
    NEEDS_TAXONOMY,
)

# Tables the generator fills, in foreign-key order (COPY order within a chunk).
CATALOG_TABLES: Final = (
    "organization",
    "service",
    "location",
    "address",
    "service_at_location",
    "language",
    "schedule",
    "service_area",
    "attribute",
    "service_capacity",
)
# The tables whose non-key indexes are dropped for the load and rebuilt after it.
INDEXED_TABLES: Final = CATALOG_TABLES + ("match_site", "search_site")
# Indexes the projection SQL needs while it runs (attribute by link, sites by service).
PROJECTION_INDEX_TABLES: Final = ("attribute", "service_at_location", "service_area")

CHUNK_SERVICE_LOCATIONS: Final = 20_000
PROJECTION_BATCH: Final = 250_000
URBAN_SHARE: Final = 0.82
RURAL_SIGMA_KM: Final = 140.0
KM_PER_DEGREE: Final = 111.32

# A few program codes (LEAD sites, pre-arrest diversion programs) that buy capacity.
PROGRAMS: Final = (
    "lead-king-county",
    "lead-santa-fe",
    "lead-baltimore",
    "lead-albany",
    "pad-atlanta",
    "stop-denver",
    "lead-portland",
    "lead-houston",
    "divert-chicago",
    "lead-new-york",
)

UNITS: Final = (("bed", "Bed"), ("slot", "Slot"), ("appointment", "Appointment"))
INFO_TERMS: Final = ("housing_first", "low_barrier", "walk_in", "religious_participation_required", "peer_staffed")
LANGS: Final = (
    ("es", "Spanish", 0.22),
    ("vi", "Vietnamese", 0.03),
    ("zh", "Chinese", 0.04),
    ("ru", "Russian", 0.02),
    ("so", "Somali", 0.01),
    ("ar", "Arabic", 0.02),
)
GAP_REASONS: Final = (
    ("none_in_area", 0.25),
    ("eligibility", 0.2),
    ("no_capacity", 0.3),
    ("waitlist_only", 0.2),
    ("closed", 0.05),
)


@dataclass(frozen=True)
class ServiceKind:
    """A recognisable kind of service: what it meets, how it is tracked, who it turns away."""

    label: str
    weight: float
    needs: tuple[str, ...]
    extra_needs: tuple[str, ...]  # each added with probability 0.3
    unit: str | None  # tracked capacity unit, None = untracked (R4)
    max_units: tuple[int, int]
    hours: str  # "24/7", "night", "weekday", "pantry", "clinic"
    barriers: dict[str, float]  # eligibility term -> probability
    intercepts: tuple[int, ...]


KINDS: Final[tuple[ServiceKind, ...]] = (
    ServiceKind(
        "Emergency Shelter",
        8,
        ("shelter",),
        ("case_management", "food", "clothing"),
        "bed",
        (15, 200),
        "night",
        {"sobriety_required": 0.25, "no_pets": 0.6, "id_required": 0.2, "genders": 0.35, "excludes_sex_work": 0.05},
        (0, 1, 4),
    ),
    ServiceKind(
        "Supportive Housing",
        4,
        ("housing", "case_management"),
        ("peer_support", "mental_health"),
        "bed",
        (10, 80),
        "weekday",
        {"excludes_criminal_record": 0.3, "id_required": 0.4, "sobriety_required": 0.15},
        (4, 5),
    ),
    ServiceKind(
        "Withdrawal Management",
        3,
        ("withdrawal_management", "sud_treatment"),
        ("moud", "crisis"),
        "bed",
        (8, 40),
        "24/7",
        {"insurance": 0.5, "id_required": 0.2, "excludes_moud": 0.1},
        (0, 1, 2),
    ),
    ServiceKind(
        "Opioid Treatment Program",
        3,
        ("moud", "sud_treatment"),
        ("health_care", "peer_support"),
        "appointment",
        (10, 60),
        "clinic",
        {"insurance": 0.4},
        (0, 3, 4, 5),
    ),
    ServiceKind(
        "Outpatient Recovery",
        5,
        ("sud_treatment",),
        ("peer_support", "mental_health", "moud"),
        "slot",
        (10, 50),
        "weekday",
        {"insurance": 0.5, "excludes_moud": 0.15},
        (3, 4, 5),
    ),
    ServiceKind(
        "Behavioral Health Clinic",
        6,
        ("mental_health",),
        ("case_management", "crisis"),
        "appointment",
        (10, 80),
        "weekday",
        {"insurance": 0.6},
        (0, 4, 5),
    ),
    ServiceKind(
        "Crisis Stabilization",
        2,
        ("crisis", "mental_health"),
        ("withdrawal_management",),
        "bed",
        (6, 24),
        "24/7",
        {},
        (0, 1),
    ),
    ServiceKind(
        "Harm Reduction Program",
        3,
        ("harm_reduction",),
        ("health_care", "peer_support", "food"),
        None,
        (0, 0),
        "weekday",
        {},
        (0, 1),
    ),
    ServiceKind(
        "Community Health Center",
        6,
        ("health_care",),
        ("mental_health", "moud", "benefits"),
        "appointment",
        (20, 120),
        "clinic",
        {"insurance": 0.3},
        (0,),
    ),
    ServiceKind(
        "Food Pantry",
        18,
        ("food",),
        ("clothing",),
        None,
        (0, 0),
        "pantry",
        {"id_required": 0.1, "religious_participation_required": 0.05},
        (0,),
    ),
    ServiceKind("Clothing Closet", 3, ("clothing",), ("food",), None, (0, 0), "pantry", {}, (0,)),
    ServiceKind(
        "Legal Aid", 5, ("legal",), ("id_documents", "benefits"), "appointment", (5, 30), "weekday", {}, (2, 3, 4)
    ),
    ServiceKind("ID Clinic", 2, ("id_documents",), ("benefits",), None, (0, 0), "pantry", {}, (4,)),
    ServiceKind(
        "Benefits Enrollment",
        5,
        ("benefits",),
        ("health_care", "id_documents"),
        None,
        (0, 0),
        "weekday",
        {"id_required": 0.3},
        (0, 4),
    ),
    ServiceKind(
        "Workforce Center",
        6,
        ("employment",),
        ("education", "transportation"),
        "slot",
        (10, 60),
        "weekday",
        {"excludes_criminal_record": 0.2, "id_required": 0.5},
        (4, 5),
    ),
    ServiceKind(
        "Adult Education", 4, ("education",), ("employment",), "slot", (10, 40), "weekday", {"id_required": 0.2}, (4, 5)
    ),
    ServiceKind("Transportation Assistance", 2, ("transportation",), (), None, (0, 0), "weekday", {}, (0, 4)),
    ServiceKind(
        "Peer Recovery Center",
        4,
        ("peer_support",),
        ("harm_reduction", "case_management"),
        None,
        (0, 0),
        "weekday",
        {},
        (0, 4, 5),
    ),
    ServiceKind(
        "Reentry Case Management",
        4,
        ("case_management",),
        ("housing", "employment", "id_documents"),
        "slot",
        (10, 50),
        "weekday",
        {"excludes_sex_work": 0.05},
        (3, 4, 5),
    ),
)
assert {n for k in KINDS for n in k.needs} == set(NEEDS), "every need must be generated"


@dataclass
class GenerationReport:
    """What was written and how long each phase took (seconds)."""

    service_locations: int = 0
    services: int = 0
    organizations: int = 0
    locations: int = 0
    attributes: int = 0
    schedules: int = 0
    capacities: int = 0
    service_areas: int = 0
    match_sites: int = 0
    gap_events: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def _copy_text(value: object) -> str:
    """One COPY text field; generated text never holds tabs, newlines or backslashes."""
    if value is None:
        return "\\N"
    return str(value)


def _line(*values: object) -> str:
    return "\t".join(_copy_text(v) for v in values) + "\n"


# ---------------------------------------------------------------------------------------------------
# Vocabulary rows (written once)


def _term_id(profile: str, code: str) -> str:
    return f"bt-{profile}-{code}"


def vocabulary_lines() -> dict[str, list[str]]:
    """Taxonomies, their terms (with `profile` already resolved) and units."""
    taxonomies = [
        _line(f"btx-{p}", p, f"diversion profile taxonomy {p}", f"https://divert.example/{p}")
        for p in (NEEDS_TAXONOMY, ELIGIBILITY_TAXONOMY, INTERCEPT_TAXONOMY)
    ]
    terms: list[str] = []
    for code, words in NEEDS.items():
        terms.append(
            _line(_term_id(NEEDS_TAXONOMY, code), code, words, NEEDS_TAXONOMY, f"btx-{NEEDS_TAXONOMY}", NEEDS_TAXONOMY)
        )
    for code in sorted(ELIGIBILITY_TERMS) + list(INFO_TERMS):
        terms.append(
            _line(
                _term_id(ELIGIBILITY_TAXONOMY, code),
                code,
                code.replace("_", " "),
                ELIGIBILITY_TAXONOMY,
                f"btx-{ELIGIBILITY_TAXONOMY}",
                ELIGIBILITY_TAXONOMY,
            )
        )
    for i in range(6):
        terms.append(
            _line(
                _term_id(INTERCEPT_TAXONOMY, str(i)),
                str(i),
                f"intercept {i}",
                INTERCEPT_TAXONOMY,
                f"btx-{INTERCEPT_TAXONOMY}",
                INTERCEPT_TAXONOMY,
            )
        )
    units = [_line(uid, name, "divert") for uid, name in UNITS]
    return {"taxonomy": taxonomies, "taxonomy_term": terms, "unit": units}


COLUMNS: Final[dict[str, str]] = {
    "taxonomy": "id, name, description, uri",
    "taxonomy_term": "id, code, name, taxonomy, taxonomy_id, profile",
    "unit": "id, name, scheme",
    "organization": "id, name, description, website",
    "service": "id, organization_id, name, description, status, minimum_age, maximum_age, last_modified",
    "location": "id, location_type, organization_id, name, latitude, longitude, geog",
    "address": "id, location_id, address_1, city, state_province, postal_code, country, address_type",
    "service_at_location": "id, service_id, location_id",
    "language": "id, service_id, code, name",
    "schedule": "id, service_id, freq, byday, opens_at, closes_at, description",
    "service_area": "id, service_id, name, extent, extent_type, geog",
    "attribute": "id, link_id, taxonomy_term_id, link_type, link_entity, value",
    "service_capacity": "id, service_id, unit_id, available, maximum, description, updated, waitlist, "
    "reserved_for, location_id",
    "gap_event": "need, reason, intercept, cell, hour, program",
}


# ---------------------------------------------------------------------------------------------------
# The catalog, chunk by chunk


class CatalogWriter:
    """Formats the synthetic catalog as COPY text, one chunk of ~20k service-locations at a time."""

    def __init__(self, service_locations: int, seed: int, now: datetime) -> None:
        self.target = service_locations
        self.rng = random.Random(seed)
        self.now = now
        self.report = GenerationReport()
        self._metro_weights = [m.population_m for m in METROS]
        self._kind_weights = [k.weight for k in KINDS]
        self._org_seq = 0
        self._svc_seq = 0
        self._loc_seq = 0
        self._cap_seq = 0

    # -- places ------------------------------------------------------------------------------------
    def _point_near(self, metro: Metro, sigma_km: float) -> tuple[float, float]:
        rng = self.rng
        lat = metro.lat + rng.gauss(0.0, sigma_km) / KM_PER_DEGREE
        lon = metro.lon + rng.gauss(0.0, sigma_km) / (KM_PER_DEGREE * math.cos(math.radians(metro.lat)))
        if US_LAT_RANGE[0] <= metro.lat <= US_LAT_RANGE[1]:
            lat = min(max(lat, US_LAT_RANGE[0]), US_LAT_RANGE[1])
            lon = min(max(lon, US_LON_RANGE[0]), US_LON_RANGE[1])
        return round(lat, 6), round(lon, 6)

    def _org_home(self) -> tuple[Metro, float]:
        """A metro and the spread of this organization's sites around it (urban core or rural)."""
        metro = self.rng.choices(METROS, weights=self._metro_weights)[0]
        if self.rng.random() < URBAN_SHARE:
            # Bigger metros sprawl further: ~6 km for a small city, ~25 km for New York.
            return metro, 5.0 + 4.5 * math.sqrt(metro.population_m)
        return metro, RURAL_SIGMA_KM

    # -- rows ----------------------------------------------------------------------------------------
    def chunks(self) -> Iterator[dict[str, list[str]]]:
        while self.report.service_locations < self.target:
            yield self._chunk(min(CHUNK_SERVICE_LOCATIONS, self.target - self.report.service_locations))

    def _chunk(self, budget: int) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {t: [] for t in CATALOG_TABLES}
        written = 0
        while written < budget:
            written += self._organization(out, budget - written)
        self.report.service_locations += written
        return out

    def _organization(self, out: dict[str, list[str]], budget: int) -> int:
        rng = self.rng
        self._org_seq += 1
        oid = f"bo{self._org_seq:07d}"
        metro, sigma = self._org_home()
        kind = rng.choices(KINDS, weights=self._kind_weights)[0]
        org_name = f"{metro.name} {kind.label} Network {self._org_seq}"
        out["organization"].append(
            _line(
                oid,
                org_name,
                f"{kind.label} provider in the {metro.name} area",
                f"https://org{self._org_seq}.example.org",
            )
        )
        self.report.organizations += 1
        # Sites: most organizations have one, some a handful.
        r = rng.random()
        n_sites = 1 if r < 0.7 else 2 if r < 0.9 else rng.randint(3, 5)
        sites: list[tuple[str, float, float]] = []
        for _ in range(n_sites):
            self._loc_seq += 1
            lid = f"bl{self._loc_seq:07d}"
            lat, lon = self._point_near(metro, sigma)
            out["location"].append(
                _line(
                    lid, "physical", oid, f"{org_name} site {len(sites) + 1}", lat, lon, f"SRID=4326;POINT({lon} {lat})"
                )
            )
            out["address"].append(
                _line(
                    f"ba{self._loc_seq:07d}",
                    lid,
                    f"{rng.randint(1, 9999)} Main St",
                    metro.name,
                    metro.state,
                    metro.postcode,
                    "US",
                    "physical",
                )
            )
            sites.append((lid, lat, lon))
            self.report.locations += 1
        # Services: 1-6 per organization, mostly of the organization's kind.
        written = 0
        for _ in range(rng.randint(1, 6)):
            if written >= budget:
                break
            service_kind = kind if rng.random() < 0.7 else rng.choices(KINDS, weights=self._kind_weights)[0]
            at_sites = sites if (len(sites) > 1 and rng.random() < 0.3) else [rng.choice(sites)]
            at_sites = at_sites[: budget - written]
            written += self._service(out, oid, org_name, service_kind, at_sites)
        return written

    def _service(
        self,
        out: dict[str, list[str]],
        oid: str,
        org_name: str,
        kind: ServiceKind,
        sites: list[tuple[str, float, float]],
    ) -> int:
        rng = self.rng
        self._svc_seq += 1
        sid = f"bs{self._svc_seq:07d}"
        self.report.services += 1
        min_age: int | None = None
        max_age: int | None = None
        r = rng.random()
        if r < 0.05:
            min_age, max_age = 18, 24  # youth programs
        elif r < 0.15:
            min_age = 18
        elif r < 0.17:
            min_age = 55
        status = "active" if rng.random() < 0.985 else "inactive"
        modified = self.now - timedelta(days=rng.randint(0, 400))
        out["service"].append(
            _line(
                sid,
                oid,
                f"{kind.label} {self._svc_seq}",
                f"{kind.label} run by {org_name}",
                status,
                min_age,
                max_age,
                modified.isoformat(),
            )
        )
        for lid, _lat, _lon in sites:
            out["service_at_location"].append(_line(f"bsl{sid[2:]}-{lid[2:]}", sid, lid))
        # Needs, eligibility, informational terms, intercepts: HSDS attributes on the service.
        needs = list(kind.needs) + [n for n in kind.extra_needs if rng.random() < 0.3]
        attrs: list[tuple[str, str, str | None]] = [(NEEDS_TAXONOMY, n, None) for n in needs]
        for term, p in kind.barriers.items():
            if rng.random() < p:
                attrs.append((ELIGIBILITY_TAXONOMY, term, self._barrier_value(term)))
        for term in INFO_TERMS:
            if rng.random() < (0.25 if term != "religious_participation_required" else 0.04):
                attrs.append((ELIGIBILITY_TAXONOMY, term, "true"))
        for i in kind.intercepts:
            if rng.random() < 0.5:
                attrs.append((INTERCEPT_TAXONOMY, str(i), None))
        for n, (profile, code, value) in enumerate(attrs):
            out["attribute"].append(_line(f"{sid}-a{n}", sid, _term_id(profile, code), profile, "service", value))
        self.report.attributes += len(attrs)
        for code, name, p in LANGS:
            if rng.random() < p:
                out["language"].append(_line(f"{sid}-{code}", sid, code, name))
        self._schedules(out, sid, kind.hours)
        if kind.unit is not None and rng.random() < 0.85:
            self._pools(out, sid, kind, sites[0][0])
        # Mobile outreach: a service area square around the first site (CONTRACT R6).
        if (
            kind.label in ("Harm Reduction Program", "Crisis Stabilization", "Peer Recovery Center")
            and rng.random() < 0.15
        ):
            _lid, lat, lon = sites[0]
            d_lat = 10 / KM_PER_DEGREE
            d_lon = 10 / (KM_PER_DEGREE * math.cos(math.radians(lat)))
            ring = [
                (lon - d_lon, lat - d_lat),
                (lon + d_lon, lat - d_lat),
                (lon + d_lon, lat + d_lat),
                (lon - d_lon, lat + d_lat),
                (lon - d_lon, lat - d_lat),
            ]
            wkt = ", ".join(f"{x:.6f} {y:.6f}" for x, y in ring)
            geojson = (
                '{"type": "Polygon", "coordinates": [[' + ", ".join(f"[{x:.6f}, {y:.6f}]" for x, y in ring) + "]]}"
            )
            out["service_area"].append(
                _line(
                    f"{sid}-area",
                    sid,
                    f"{kind.label} {self._svc_seq} outreach",
                    geojson,
                    "geojson",
                    f"SRID=4326;POLYGON(({wkt}))",
                )
            )
            self.report.service_areas += 1
        return len(sites)

    def _barrier_value(self, term: str) -> str:
        rng = self.rng
        if term == "genders":
            return rng.choice(("female", "male", "female,transgender,non-binary", "male,transgender"))
        if term == "insurance":
            return rng.choice(
                ("medicaid", "medicaid,medicare", "medicaid,private", "private", "medicaid,uninsured", "medicare")
            )
        return "true"

    def _schedules(self, out: dict[str, list[str]], sid: str, hours: str) -> None:
        rng = self.rng
        if rng.random() < 0.1:
            return  # hours unknown: the matcher warns instead of guessing
        rows: list[tuple[str, str, str, str]]
        if hours == "24/7":
            rows = [("MO,TU,WE,TH,FR,SA,SU", "00:00", "00:00", "open around the clock")]
        elif hours == "night":
            rows = [
                (
                    "MO,TU,WE,TH,FR,SA,SU",
                    rng.choice(("17:00", "18:00", "19:00")),
                    rng.choice(("07:00", "08:00")),
                    "overnight",
                )
            ]
        elif hours == "pantry":
            days = ",".join(
                sorted(
                    rng.sample(("MO", "TU", "WE", "TH", "FR", "SA"), rng.randint(1, 3)),
                    key=("MO", "TU", "WE", "TH", "FR", "SA").index,
                )
            )
            rows = [
                (
                    days,
                    rng.choice(("09:00", "10:00", "13:00")),
                    rng.choice(("12:00", "15:00", "18:00")),
                    "distribution days",
                )
            ]
        elif hours == "clinic":
            rows = [("MO,TU,WE,TH,FR", "06:00", "14:00", "dosing hours"), ("SA", "08:00", "11:00", "weekend")]
        else:
            rows = [
                (
                    "MO,TU,WE,TH,FR",
                    rng.choice(("08:00", "08:30", "09:00")),
                    rng.choice(("16:30", "17:00", "18:00")),
                    "office hours",
                )
            ]
        for n, (byday, opens, closes, words) in enumerate(rows):
            out["schedule"].append(_line(f"{sid}-h{n}", sid, "WEEKLY", byday, opens, closes, words))
        self.report.schedules += len(rows)

    def _pools(self, out: dict[str, list[str]], sid: str, kind: ServiceKind, lid: str) -> None:
        """A public pool (often with a wait list), sometimes a program pool beside it (R2, R3, R5)."""
        rng = self.rng
        maximum = rng.randint(*kind.max_units)
        full = rng.random() < 0.4
        available = 0 if full else rng.randint(1, max(1, maximum // 4))
        waitlist = 0 if rng.random() < 0.5 else rng.randint(1, 30)
        pools = [("public", available, maximum, waitlist, "{}")]
        if rng.random() < 0.12:
            bought = rng.randint(2, 8)
            pools.append(("program", rng.randint(0, bought), bought, 0, "{" + rng.choice(PROGRAMS) + "}"))
        for name, avail, cap, wait, reserved in pools:
            self._cap_seq += 1
            # Most reports are hours old; one in ten is stale (R5: unconfirmed or treated as full).
            if rng.random() < 0.1:
                updated = self.now - timedelta(days=rng.uniform(3, 20))
            else:
                updated = self.now - timedelta(hours=rng.expovariate(1 / 6))
            out["service_capacity"].append(
                _line(
                    f"bc{self._cap_seq:07d}",
                    sid,
                    kind.unit,
                    avail,
                    cap,
                    f"{name} {kind.unit}s",
                    updated.isoformat(),
                    wait,
                    reserved,
                    lid,
                )
            )
            self.report.capacities += 1


def gap_event_lines(count: int, seed: int, now: datetime) -> Iterator[list[str]]:
    """Synthetic gap events (CONTRACT R8: need, reason, intercept, H3 cell res 7, hour, program)."""
    import h3

    rng = random.Random(seed + 1)
    weights = [m.population_m for m in METROS]
    reasons = [r for r, _ in GAP_REASONS]
    reason_w = [w for _, w in GAP_REASONS]
    needs = list(NEEDS)
    batch: list[str] = []
    for n in range(count):
        metro = rng.choices(METROS, weights=weights)[0]
        lat = metro.lat + rng.gauss(0, 12) / KM_PER_DEGREE
        lon = metro.lon + rng.gauss(0, 12) / (KM_PER_DEGREE * math.cos(math.radians(metro.lat)))
        hour = (now - timedelta(hours=rng.randint(0, 24 * 60))).replace(minute=0, second=0, microsecond=0)
        intercept = rng.choice((0, 0, 1, 1, 2, 3, 4, 5, None))
        program = rng.choice(PROGRAMS) if rng.random() < 0.3 else None
        batch.append(
            _line(
                rng.choice(needs),
                rng.choices(reasons, weights=reason_w)[0],
                intercept,
                h3.latlng_to_cell(lat, lon, 7),
                hour.isoformat(),
                program,
            )
        )
        if len(batch) >= 50_000 or n == count - 1:
            yield batch
            batch = []


# ---------------------------------------------------------------------------------------------------
# Loading


def _copy(conn: psycopg.Connection, table: str, lines: list[str]) -> None:
    if not lines:
        return
    with conn.cursor().copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
        # Large writes amortise the per-call cost; psycopg streams them to the server.
        step = 5000
        for i in range(0, len(lines), step):
            copy.write("".join(lines[i : i + step]))


def _secondary_indexes(conn: psycopg.Connection, tables: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(table, index name, CREATE INDEX statement) of every index that backs no constraint."""
    rows = conn.execute(
        """
        SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        ORDER BY i.tablename, i.indexname""",
        (list(tables),),
    ).fetchall()
    # A partitioned table's index reads "ON ONLY parent": rebuilt as such it would cover no partition
    # (match_site is partitioned by need), so it is rebuilt for the parent and every partition.
    return [(str(t), str(n), str(d).replace(" ON ONLY ", " ON ", 1)) for t, n, d in rows]


def _timed(report: GenerationReport, phase: str, progress: Callable[[str], None] | None) -> _Phase:
    return _Phase(report, phase, progress)


class _Phase:
    def __init__(self, report: GenerationReport, phase: str, progress: Callable[[str], None] | None) -> None:
        self.report, self.phase, self.progress = report, phase, progress

    def __enter__(self) -> None:
        self.start = time.perf_counter()
        if self.progress:
            self.progress(f"{self.phase}...")

    def __exit__(self, *exc: object) -> None:
        elapsed = time.perf_counter() - self.start
        self.report.seconds[self.phase] = self.report.seconds.get(self.phase, 0.0) + elapsed
        if self.progress and exc[0] is None:
            self.progress(f"{self.phase}: {elapsed:.1f} s")


def _load(
    conn: psycopg.Connection,
    database_url: str,
    writer: CatalogWriter,
    indexes: list[tuple[str, str, str]],
    gap_events: int,
    seed: int,
    now: datetime,
    progress: Callable[[str], None] | None,
) -> None:
    report = writer.report
    # Loading session only: rows are consistent by construction, so FK triggers are skipped,
    # and commits need not wait for the WAL flush (a crash mid-load just means generate again).
    conn.execute("SET session_replication_role = replica")
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SET max_parallel_maintenance_workers = 2")
    with _timed(report, "prepare", progress):
        conn.execute(
            "TRUNCATE organization, service, location, address, service_at_location, language, "
            "schedule, service_area, attribute, service_capacity, capacity_report, hold, "
            "match_site, search_site, taxonomy_term, taxonomy, unit, need_mapping, gap_event, search_outbox, "
            "source_record, metadata, service_report, phone, gap_cell, gap_cover, gap_cover_cell CASCADE"
        )
        for _table, name, _ddl in indexes:
            conn.execute(f'DROP INDEX IF EXISTS "{name}"')
        for table, lines in vocabulary_lines().items():
            _copy(conn, table, lines)
    with _timed(report, "copy", progress):
        _stream_chunks(conn, writer, progress)
        for batch in gap_event_lines(gap_events, seed, now):
            _copy(conn, "gap_event", batch)
            report.gap_events += len(batch)
    # Indexes the projection SQL joins through are built before it; the GiST and GIN indexes
    # over its output are built once after it (far cheaper than maintaining them row by row).
    with _timed(report, "index catalog", progress):
        for table, _name, ddl in indexes:
            if not _is_projection_index(table, ddl):
                conn.execute(ddl)
        conn.execute("ANALYZE")
    conn.commit()
    with _timed(report, "projections", progress):
        report.match_sites = _build_projections(database_url)
    from catalog.projections import CLUSTER_SEARCH_SITES, SEARCH_SITE_ORDER_INDEX

    with _timed(report, "index projections", progress):
        conn.execute("SET maintenance_work_mem = '1GB'")
        # search_site is kept in place order (catalog.tables.SearchSite): its order index first, the
        # table clustered on it, then its other indexes (the GiST) built over the ordered rows.
        projection = [(t, n, d) for t, n, d in indexes if _is_projection_index(t, d)]
        projection.sort(key=lambda index: index[1] != SEARCH_SITE_ORDER_INDEX)
        for _table, name, ddl in projection:
            conn.execute(ddl)
            if name == SEARCH_SITE_ORDER_INDEX:
                conn.execute(CLUSTER_SEARCH_SITES)
    conn.commit()


def _is_projection_index(table: str, ddl: str) -> bool:
    return table in ("match_site", "search_site") or (table == "service" and "search" in ddl)


def _restore_indexes(database_url: str, indexes: list[tuple[str, str, str]]) -> None:
    """After a failed load, puts back every index the load dropped (the schema stays whole)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        for _table, _name, ddl in indexes:
            conn.execute(ddl.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))


class CatalogNotEmpty(Exception):
    """The target database already holds a catalog and replacing it was not asked for."""


def generate_catalog(
    database_url: str,
    service_locations: int,
    *,
    gap_events: int = 0,
    seed: int = 1,
    replace: bool = False,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> GenerationReport:
    """Fills an empty, migrated database with a synthetic catalog of `service_locations` sites."""
    if service_locations < 1:
        raise ValueError("--services must be at least 1")
    if gap_events < 0:
        raise ValueError("--gap-events must be 0 or more")
    now = now or datetime.now(UTC).replace(microsecond=0)
    writer = CatalogWriter(service_locations, seed, now)
    report = writer.report
    with psycopg.connect(database_url, autocommit=False) as conn:
        existing = conn.execute("SELECT count(*) FROM service").fetchone()
        if existing and existing[0] and not replace:
            raise CatalogNotEmpty(f"the database already holds {existing[0]} services (use --replace)")
        indexes = _secondary_indexes(conn, INDEXED_TABLES)
        try:
            _load(conn, database_url, writer, indexes, gap_events, seed, now, progress)
        except BaseException:
            conn.rollback()
            _restore_indexes(database_url, indexes)
            raise
        # VACUUM cannot run in a transaction; it sets the visibility map so index-only scans work.
        conn.autocommit = True
        with _timed(report, "vacuum analyze", progress):
            conn.execute("VACUUM ANALYZE")
    return report


def _stream_chunks(conn: psycopg.Connection, writer: CatalogWriter, progress: Callable[[str], None] | None) -> None:
    """Formats chunks in one thread while this one streams the previous chunk to PostgreSQL."""
    chunks: queue.Queue[dict[str, list[str]] | BaseException | None] = queue.Queue(maxsize=2)

    def produce() -> None:
        try:
            for chunk in writer.chunks():
                chunks.put(chunk)
            chunks.put(None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            chunks.put(exc)

    thread = threading.Thread(target=produce, name="bench-generate", daemon=True)
    thread.start()
    last_report = time.perf_counter()
    while True:
        item = chunks.get()
        if item is None:
            break
        if isinstance(item, BaseException):
            raise item
        for table in CATALOG_TABLES:
            _copy(conn, table, item[table])
        if progress and time.perf_counter() - last_report > 10:
            last_report = time.perf_counter()
            progress(f"  {writer.report.service_locations:,} service-locations formatted")
    thread.join()


def _build_projections(database_url: str) -> int:
    """match_site rows and search documents through catalog.projections itself, in big batches.

    One definition of the projection (the same SQL every write path uses); batches of 250k ids
    keep each statement's id array and sort memory bounded.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from catalog.projections import refresh_services
    from divert.settings import Settings

    engine = create_engine(Settings(DATABASE_URL=database_url).sqlalchemy_url)
    try:
        with Session(engine) as session:
            session.execute(text("SET work_mem = '256MB'"))
            ids = list(session.execute(text("SELECT id FROM service ORDER BY id")).scalars())
            for i in range(0, len(ids), PROJECTION_BATCH):
                refresh_services(session, ids[i : i + PROJECTION_BATCH])
            # A fresh bulk load is not a stream of edits: the search index syncs it whole.
            session.execute(text("TRUNCATE search_outbox"))
            count = session.execute(text("SELECT count(*) FROM match_site")).scalar_one()
            session.commit()
    finally:
        engine.dispose()
    return int(count)
