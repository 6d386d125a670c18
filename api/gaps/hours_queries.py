"""SQL of the planner's hours grid: the places of the services meeting each need inside an area, with
the schedules the matcher reads (`match_profile`), from the `match_site` projection (active services)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.orm import Session

_SITES: Final = """
SELECT ms.need, ms.service_id, ms.service_at_location_id, ms.location_id,
       CAST(coalesce(mp.schedules, '[]') AS text) AS schedules
FROM match_site ms
JOIN match_profile mp ON mp.service_id = ms.service_id
WHERE ms.need = ANY(CAST(:needs AS text[])) AND ms.geog IS NOT NULL AND {inside}
ORDER BY ms.need, ms.service_id, ms.service_at_location_id
"""
_IN_NAMED_AREA: Final = "ST_Covers((SELECT na.geog FROM named_area na WHERE na.id = :area), ms.geog)"
_IN_RADIUS: Final = "ST_DWithin(ms.geog, CAST(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geography), :radius_m)"


def named_area_name(session: Session, area_id: str) -> str | None:
    return session.execute(text("SELECT name FROM named_area WHERE id = :id"), {"id": area_id}).scalar()


def sites_in_named_area(session: Session, needs: Sequence[str], area_id: str) -> list[Any]:
    return list(session.execute(text(_SITES.format(inside=_IN_NAMED_AREA)), {"needs": list(needs), "area": area_id}))


def sites_within(session: Session, needs: Sequence[str], lat: float, lon: float, radius_km: float) -> list[Any]:
    params = {"needs": list(needs), "lat": lat, "lon": lon, "radius_m": radius_km * 1000.0}
    return list(session.execute(text(_SITES.format(inside=_IN_RADIUS)), params))


__all__ = ["named_area_name", "sites_in_named_area", "sites_within"]
