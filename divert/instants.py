"""The span of dates the service accepts anywhere (CONTRACT §2: years 1900 to 2200).

Dates far outside it are never real diversion data, and near `datetime.min`/`max` they overflow once
shifted by a time zone offset (a 500 before this bound). Every parser of a client's date uses it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final

from pydantic import AfterValidator

EARLIEST_YEAR: Final = 1900
LATEST_YEAR: Final = 2200
OUT_OF_RANGE: Final = f"must be a date in the years {EARLIEST_YEAR} to {LATEST_YEAR}"


def out_of_range(value: datetime) -> bool:
    return not EARLIEST_YEAR <= value.year <= LATEST_YEAR


def _bounded(value: datetime) -> datetime:
    if out_of_range(value):
        raise ValueError(OUT_OF_RANGE)
    return value


# A datetime field of a request body, bounded to the accepted years.
BoundedDatetime = Annotated[datetime, AfterValidator(_bounded)]
