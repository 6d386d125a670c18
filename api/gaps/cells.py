"""H3 cells for the gap map: the per-location cell cache, coarsening in SQL, centres and outlines.

PostgreSQL here has no h3 extension. Cells are computed in Python (`h3.latlng_to_cell`) once per
location and kept in `location_cell` with the coordinates they came from; coarser resolutions are
taken in SQL by integer arithmetic on the H3 index (the same result as `h3.cell_to_parent`), so the
GROUP BY that builds the map runs in the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

import h3
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.gaps.params import DEMAND_RESOLUTION
from catalog.gap_sites import CELL_RESOLUTION, cell_int

CACHE_RESOLUTION: Final = CELL_RESOLUTION

# An H3 cell index as a bigint; bits 52-55 hold the resolution, then 3 bits per finer digit. The
# parent at resolution r sets the resolution field to r and every digit finer than r to 7 (unused).
HEX_TO_BIGINT: Final = "CAST(CAST(('x' || lpad({cell}, 16, '0')) AS bit(64)) AS bigint)"
PARENT_SQL: Final = (
    "(({cell} & ~(CAST(15 AS bigint) << 52)) | (CAST(:resolution AS bigint) << 52)"
    " | ((CAST(1 AS bigint) << (3 * (15 - CAST(:resolution AS integer)))) - 1))"
)
RESOLUTION_OF_SQL: Final = "(({cell} >> 52) & 15)"
BIGINT_TO_HEX: Final = "lpad(to_hex({cell}), 15, '0')"
# Rows of gap_event whose cell is a well-formed H3 cell index in hex (written by the matcher).
VALID_CELL_PATTERN: Final = "^8[0-9a-f]{14}$"


def area_key(area: int | str) -> str:
    """An area id as the API shows it: H3 cells as hex strings, named areas as their ids."""
    return area if isinstance(area, str) else format(area, "x")


_CACHED_COORDINATES = text("SELECT location_id, latitude, longitude FROM location_cell ORDER BY location_id")


def cache_range(cell: int) -> tuple[int, int]:
    """The resolution-7 cells under a cell of resolution 7 or coarser, as an inclusive range of integer
    indexes (`gap_site.cell BETWEEN lo AND hi` is one range of its btree index). Below the cell's own
    digits a res-7 index has digits 0-6 down to resolution 7 and 7 (unused) beyond; the cell itself
    has 7 in all of them, so it is the range's top once its resolution field says 7."""
    resolution = (cell >> 52) & 15
    top = (cell & ~(15 << 52)) | (CACHE_RESOLUTION << 52)
    free = ((1 << (3 * (CACHE_RESOLUTION - resolution))) - 1) << (3 * (15 - CACHE_RESOLUTION))
    return top & ~free, top


def is_cell_at(area: str, resolution: int) -> bool:
    """Whether `area` is a cell of this resolution written as the map writes cells (15 hex digits)."""
    return len(area) == 15 and area == area.lower() and h3.is_valid_cell(area) and h3.get_resolution(area) == resolution


def fine_cells(session: Session, resolution: int) -> tuple[list[str], list[int]]:
    """Location ids and their cells at a resolution finer than the cache, computed in Python from the
    coordinates fetched in one query (the cache stores them exactly as `location.geog` has them)."""
    rows = session.execute(_CACHED_COORDINATES).all()
    return [r.location_id for r in rows], [cell_int(r.latitude, r.longitude, resolution) for r in rows]


def centres(cells: Iterable[str]) -> tuple[list[str], list[float], list[float]]:
    ids: list[str] = []
    lats: list[float] = []
    lons: list[float] = []
    for cell in cells:
        lat, lon = h3.cell_to_latlng(cell)
        ids.append(cell)
        lats.append(lat)
        lons.append(lon)
    return ids, lats, lons


def neighbourhood(cell: str) -> Sequence[str]:
    """The cell and its first ring (k = 1): what a person in the cell can reach for the map."""
    return h3.grid_disk(cell, 1)


def outline(cell: str) -> dict[str, object]:
    """The cell as a GeoJSON Polygon: [lon, lat] positions, ring closed."""
    ring = [[round(lon, 7), round(lat, 7)] for lat, lon in h3.cell_to_boundary(cell)]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def is_demand_resolution(resolution: int) -> bool:
    return resolution <= DEMAND_RESOLUTION
