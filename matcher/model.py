"""The matcher's plain values: a request, a candidate (one service at one place), an option, a gap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from matcher.eligibility import Eligibility, Participant
from matcher.hours import ScheduleRule
from matcher.pools import Pool

RADIUS: Final = "radius"  # the place lies within radius_km of the person
SERVICE_AREA: Final = "service_area"  # a mobile / outreach service whose area covers the person

DEFAULT_RADIUS_KM: Final = 15.0
DEFAULT_LIMIT: Final = 5


@dataclass(frozen=True)
class MatchRequest:
    """What the case manager asked, already validated (the API does that)."""

    needs: tuple[str, ...]
    radius_km: float = DEFAULT_RADIUS_KM
    program: str | None = None
    intercept: int | None = None
    pathway: str | None = None  # deflection-pathway the person comes by; ranks up services receiving by it
    open_now: bool = False
    limit: int = DEFAULT_LIMIT
    participant: Participant = field(default_factory=Participant)
    # How schedule times written without an offset are read (the region's IANA zone).
    region_timezone: str = "America/Los_Angeles"
    lang: str = "en"  # the words' language (matcher.words): en or es; codes never change


@dataclass(frozen=True)
class Candidate:
    """One service at one place that meets `need` and that the candidate query found in reach."""

    need: str
    service_id: str
    name: str
    organization: str
    service_at_location_id: str | None = None
    location_id: str | None = None
    distance_km: float | None = None
    reach: str = RADIUS
    eligibility: Eligibility = field(default_factory=Eligibility)
    features: frozenset[str] = frozenset()  # informational terms: low_barrier, housing_first, ...
    pathways: frozenset[str] = frozenset()  # deflection-pathway terms: how the service receives people
    languages: tuple[str, ...] = ()
    # Sequences, not tuples: the catalog may hand in values decoded only when first read.
    schedules: Sequence[ScheduleRule] = ()
    pools: Sequence[Pool] = ()  # every pool of the service; the matcher picks the need's own

    @property
    def sort_id(self) -> str:
        return f"{self.service_id}/{self.service_at_location_id or ''}"


@dataclass(frozen=True)
class CapacityView:
    """The capacity an option rests on, as the response shows it."""

    status: str  # open | untracked | unconfirmed
    pool: str | None = None  # public | program; None when untracked
    capacity_id: str | None = None
    unit: str | None = None
    open_units: float | None = None
    updated: datetime | None = None


@dataclass(frozen=True)
class Option:
    need: str
    service_id: str
    service_at_location_id: str | None
    location_id: str | None
    name: str
    organization: str
    distance_km: float | None
    open_now: bool | None
    capacity: CapacityView
    score: float
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    # When its schedule next opens at or after the request's `at` (`at` itself when open now), in the
    # service's zone; None when it has no hours.
    next_open: datetime | None = None


@dataclass(frozen=True)
class Gap:
    reason: str  # none_in_area | eligibility | no_capacity | waitlist_only | closed | unconfirmed_only
    detail: str


@dataclass(frozen=True)
class NeedAnswer:
    need: str
    options: tuple[Option, ...]
    gap: Gap | None


__all__ = ["Candidate", "CapacityView", "Gap", "MatchRequest", "NeedAnswer", "Option", "RADIUS", "SERVICE_AREA"]
