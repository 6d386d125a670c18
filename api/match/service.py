"""The match room's shell: resolve the request, gather candidates in one query, call the pure matcher,
record gap events (coarsened, R8), and shape the answer. No participant field is stored or logged.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import h3
from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from api.auth.keys import Caller
from api.match.schemas import MAX_RADIUS_KM, MatchIn
from catalog.candidates import fetch_candidates
from catalog.postcodes import centroid
from catalog.tables import GapEvent
from divert.errors import InvalidInput
from divert.settings import Settings
from matcher.eligibility import Participant
from matcher.gaps import with_nearest_beyond
from matcher.match import match_needs
from matcher.model import MatchRequest, NeedAnswer, Option
from matcher.pools import Freshness

# Planners see where gaps happen at about a neighbourhood's size (H3 resolution 7, ~5 km²), never
# the exact spot a participant stood (CONTRACT R8).
GAP_CELL_RESOLUTION = 7
# Options looked at past the radius to name the nearest one in a gap's words.
BEYOND_LIMIT = 10


def resolve_location(body: MatchIn) -> tuple[float, float]:
    loc = body.location
    if loc.postcode is not None:
        point = centroid(loc.postcode)
        if point is None:
            raise InvalidInput(
                f"unknown postcode {loc.postcode!r}",
                errors=[{"field": "location.postcode", "message": "unknown postcode"}],
            )
        return point
    assert loc.lat is not None and loc.lon is not None  # the schema guarantees one or the other
    return loc.lat, loc.lon


def resolve_at(at: datetime | None, region_timezone: str) -> datetime:
    """The request's instant; a time written without an offset is read in the region's time zone."""
    if at is None:
        return datetime.now(UTC)
    if at.tzinfo is None or at.utcoffset() is None:
        return at.replace(tzinfo=ZoneInfo(region_timezone))
    return at


def record_gaps(
    session: Session,
    answers: list[NeedAnswer],
    lat: float,
    lon: float,
    at: datetime,
    intercept: int | None,
    program: str | None,
    pathway: str | None = None,
) -> None:
    """One gap event per need without a confirmed option: need, reason, intercept, pathway, cell, hour,
    program."""
    rows = [
        {
            "need": a.need,
            "reason": a.gap.reason,
            "intercept": intercept,
            "pathway": pathway,
            "cell": h3.latlng_to_cell(lat, lon, GAP_CELL_RESOLUTION),
            "hour": at.astimezone(UTC).replace(minute=0, second=0, microsecond=0),
            "program": program,
        }
        for a in answers
        if a.gap is not None
    ]
    if rows:
        session.execute(insert(GapEvent), rows)


def nearest_beyond(
    session: Session,
    request: MatchRequest,
    answers: list[NeedAnswer],
    lat: float,
    lon: float,
    at: datetime,
    freshness: Freshness,
) -> list[NeedAnswer]:
    """For needs left with nothing, say how far the nearest real option is past the radius.

    A second round trip, only when there is such a gap: the same rules, out to the largest radius.
    """
    empty = [a.need for a in answers if a.gap is not None and not a.options]
    if not empty or request.radius_km >= MAX_RADIUS_KM:
        return answers
    wide = replace(request, needs=tuple(empty), radius_km=MAX_RADIUS_KM, limit=BEYOND_LIMIT)
    candidates = fetch_candidates(session, wide.needs, lat, lon, MAX_RADIUS_KM, BEYOND_LIMIT)
    found = {
        a.need: min(a.options, key=lambda o: (o.distance_km or 0.0, o.service_id), default=None)
        for a in match_needs(wide, candidates, at, freshness)
    }
    return [
        replace(a, gap=with_nearest_beyond(a.gap, found.get(a.need), request.radius_km, request.lang))
        if a.gap is not None and a.need in found
        else a
        for a in answers
    ]


def _number(x: float | None) -> int | float | None:
    if x is None:
        return None
    return int(x) if float(x).is_integer() else x


def option_json(option: Option) -> dict[str, Any]:
    c = option.capacity
    return {
        "service_id": option.service_id,
        "service_at_location_id": option.service_at_location_id,
        "location_id": option.location_id,
        "name": option.name,
        "organization": option.organization,
        "distance_km": option.distance_km,
        "open_now": option.open_now,
        "capacity": {
            "status": c.status,
            "pool": c.pool,
            "capacity_id": c.capacity_id,
            "unit": c.unit,
            "open_units": _number(c.open_units),
            "updated": c.updated.isoformat() if c.updated else None,
        },
        "score": option.score,
        "reasons": list(option.reasons),
        "warnings": list(option.warnings),
        "next_open": option.next_open.isoformat() if option.next_open else None,
    }


# A match reads, and writes at most one statement (its gap events, all in one INSERT), which is atomic
# by itself: run in autocommit, the request's unit of work is that statement, committed before the
# answer as any other, and a match that writes nothing saves the BEGIN and COMMIT round trips.
READS_THEN_ONE_WRITE: Final = {"isolation_level": "AUTOCOMMIT"}


def match_connection(session: Session) -> Connection:
    """The session's connection in autocommit (READS_THEN_ONE_WRITE), for a match and its throttle."""
    return session.connection(execution_options=None if session.in_transaction() else READS_THEN_ONE_WRITE)


def run_match(session: Session, settings: Settings, caller: Caller, body: MatchIn, lang: str = "en") -> dict[str, Any]:
    program = caller.program_for(body.program, "match")
    match_connection(session)
    lat, lon = resolve_location(body)
    at = resolve_at(body.at, settings.timezone)
    participant = Participant.from_mapping(body.participant.model_dump(exclude_none=True) if body.participant else None)
    request = MatchRequest(
        needs=tuple(body.needs),
        radius_km=body.radius_km,
        program=program,
        intercept=body.intercept,
        pathway=body.pathway,
        open_now=body.open_now,
        limit=body.limit,
        participant=participant,
        region_timezone=settings.timezone,
        lang=lang,
    )
    candidates = fetch_candidates(session, request.needs, lat, lon, request.radius_km, request.limit)
    freshness = settings.freshness
    answers = match_needs(request, candidates, at, freshness)
    record_gaps(session, answers, lat, lon, at, body.intercept, program, body.pathway)
    answers = nearest_beyond(session, request, answers, lat, lon, at, freshness)
    return {
        "at": at.isoformat(),
        "needs": [
            {
                "need": a.need,
                "options": [option_json(o) for o in a.options],
                "gap": None if a.gap is None else {"reason": a.gap.reason, "detail": a.gap.detail},
            }
            for a in answers
        ],
    }
