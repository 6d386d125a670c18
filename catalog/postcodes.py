"""Postcode centroids, resolved offline (the `zipcodes` package ships the US ZIP table)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

import zipcodes

_ZIP5: Final = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")


@lru_cache(maxsize=4096)
def centroid(postcode: str) -> tuple[float, float] | None:
    """(lat, lon) of a US ZIP code ("98104" or "98104-1234"); None when unknown or malformed."""
    m = _ZIP5.match(postcode or "")
    if not m:
        return None
    try:
        found = zipcodes.matching(m.group(1))
    except (TypeError, ValueError):
        return None
    for row in found:
        try:
            lat, lon = float(row["lat"]), float(row["long"])
        except (KeyError, TypeError, ValueError):
            continue
        if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0):
            return lat, lon
    return None


__all__ = ["centroid"]
