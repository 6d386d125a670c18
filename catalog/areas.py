"""Named areas for the planner gap map (counties, council districts) imported from GeoJSON.

Input: a FeatureCollection of Polygon / MultiPolygon features, each with a `name` property; the id is
the feature's `id`, else `properties.id`, else a slug of the name; `properties.kind` (or the import's
`kind`) says what sort of area it is. All or nothing: any bad feature fails the import with every
problem listed and nothing written. Re-importing the same file changes nothing.
"""

from __future__ import annotations

import json
import math
import pathlib
import re
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.orm import Session

from divert.errors import ImportFailed

GEOMETRY_TYPES: Final = ("Polygon", "MultiPolygon")
VALID: Final = "Valid Geometry"  # what ST_IsValidReason says of a valid polygon


@dataclass(frozen=True)
class AreaRecord:
    id: str
    name: str
    kind: str | None
    geometry: dict[str, Any]


@dataclass(frozen=True)
class AreaImportSummary:
    created: int
    updated: int
    unchanged: int

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _ring_problem(ring: Any) -> str | None:
    if not isinstance(ring, list) or len(ring) < 4:
        return "a ring needs at least 4 positions"
    for position in ring:
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in position[:2]
            )
        ):
            return "a position must be [longitude, latitude] numbers"
        lon, lat = position[0], position[1]
        if not -180 <= lon <= 180 or not -90 <= lat <= 90:
            return f"position [{lon}, {lat}] is outside longitude -180..180 / latitude -90..90"
    if ring[0][:2] != ring[-1][:2]:
        return "a ring must be closed (last position equal to the first)"
    return None


def _geometry_problem(geometry: Any) -> tuple[str, str] | None:
    """(path suffix, message) of the first problem in a geometry, or None."""
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        found = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        return "", f"must be a Polygon or MultiPolygon, got {found!r}"
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        return ".coordinates", "no polygons"
    for p, polygon in enumerate(polygons):
        if not isinstance(polygon, list) or not polygon:
            return ".coordinates", "a polygon needs at least one ring"
        for r, ring in enumerate(polygon):
            problem = _ring_problem(ring)
            if problem:
                where = f"[{r}]" if geometry["type"] == "Polygon" else f"[{p}][{r}]"
                return f".coordinates{where}", problem
    return None


def parse_areas(document: Any, kind: str | None = None) -> list[AreaRecord]:
    """Validates a FeatureCollection; raises ImportFailed listing every problem."""
    if (
        not isinstance(document, dict)
        or document.get("type") != "FeatureCollection"
        or not isinstance(document.get("features"), list)
    ):
        raise ImportFailed(
            "named areas must be a GeoJSON FeatureCollection",
            errors=[{"path": "type", "message": "expected a FeatureCollection with features"}],
        )
    errors: list[dict[str, Any]] = []
    records: list[AreaRecord] = []
    seen: dict[str, int] = {}
    for index, feature in enumerate(document["features"]):
        path = f"features[{index}]"
        if not isinstance(feature, dict):
            errors.append({"index": index, "path": path, "message": "a feature must be an object"})
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            errors.append({"index": index, "path": f"{path}.properties", "message": "must be an object"})
            continue
        name = properties.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.append({"index": index, "path": f"{path}.properties.name", "message": "a name is required"})
            continue
        problem = _geometry_problem(feature.get("geometry"))
        if problem:
            errors.append({"index": index, "path": f"{path}.geometry{problem[0]}", "message": problem[1]})
            continue
        raw_id = feature.get("id", properties.get("id"))
        area_id = str(raw_id).strip() if raw_id not in (None, "") else _slug(name)
        if not area_id:
            errors.append({"index": index, "path": f"{path}.id", "message": "no id, and the name gives none"})
            continue
        if area_id in seen:
            errors.append(
                {"index": index, "path": f"{path}.id", "message": f"id {area_id!r} repeats feature {seen[area_id]}"}
            )
            continue
        seen[area_id] = index
        area_kind = properties.get("kind", kind)
        records.append(AreaRecord(area_id, name.strip(), str(area_kind) if area_kind else None, feature["geometry"]))
    if errors:
        raise ImportFailed(f"{len(errors)} invalid named area feature(s); nothing imported", errors=errors)
    return records


_CLASSIFY = text("""
WITH incoming AS (
    SELECT t.ord, t.id, t.name, t.kind,
           CAST(ST_SetSRID(ST_GeomFromGeoJSON(t.geojson), 4326) AS geography) AS geog,
           ST_IsValidReason(ST_SetSRID(ST_GeomFromGeoJSON(t.geojson), 4326)) AS validity
    FROM unnest(CAST(:ids AS text[]), CAST(:names AS text[]), CAST(:kinds AS text[]),
                CAST(:geojsons AS text[]))
         WITH ORDINALITY AS t(id, name, kind, geojson, ord)
)
SELECT i.ord, i.id, i.validity,
       CASE WHEN na.id IS NULL THEN 'created'
            WHEN na.name = i.name AND na.kind IS NOT DISTINCT FROM i.kind
                 AND ST_AsBinary(na.geog) = ST_AsBinary(i.geog) THEN 'unchanged'
            ELSE 'updated' END AS change
FROM incoming i LEFT JOIN named_area na ON na.id = i.id
ORDER BY i.ord
""")

_UPSERT = text("""
INSERT INTO named_area (id, name, kind, geog)
SELECT t.id, t.name, t.kind, CAST(ST_SetSRID(ST_GeomFromGeoJSON(t.geojson), 4326) AS geography)
FROM unnest(CAST(:ids AS text[]), CAST(:names AS text[]), CAST(:kinds AS text[]),
            CAST(:geojsons AS text[])) AS t(id, name, kind, geojson)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, geog = excluded.geog
""")


def _columns(records: list[AreaRecord]) -> dict[str, list[Any]]:
    return {
        "ids": [r.id for r in records],
        "names": [r.name for r in records],
        "kinds": [r.kind for r in records],
        "geojsons": [json.dumps(r.geometry) for r in records],
    }


def import_named_areas(session: Session, document: Any, kind: str | None = None) -> AreaImportSummary:
    """Upserts the areas of a FeatureCollection in the caller's transaction (all or nothing)."""
    records = parse_areas(document, kind)
    if not records:
        return AreaImportSummary(0, 0, 0)
    classified = session.execute(_CLASSIFY, _columns(records)).all()
    invalid = [
        {
            "index": int(r.ord) - 1,
            "path": f"features[{int(r.ord) - 1}].geometry",
            "message": f"invalid polygon: {r.validity}",
        }
        for r in classified
        if r.validity != VALID
    ]
    if invalid:
        raise ImportFailed(f"{len(invalid)} invalid named area feature(s); nothing imported", errors=invalid)
    changes = {r.id: r.change for r in classified}
    changed = [r for r in records if changes[r.id] != "unchanged"]
    if changed:
        session.execute(_UPSERT, _columns(changed))
    counts = list(changes.values())
    return AreaImportSummary(counts.count("created"), counts.count("updated"), counts.count("unchanged"))


def read_areas_file(path: pathlib.Path) -> Any:
    """The GeoJSON document at `path`; ImportFailed naming the file when unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ImportFailed(f"{path}: no such file", errors=[{"file": str(path), "message": "no such file"}]) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFailed(
            f"{path}: not GeoJSON ({exc})", errors=[{"file": str(path), "message": f"not GeoJSON: {exc}"}]
        ) from None
