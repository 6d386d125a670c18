"""A set of ids as one SQL parameter, for the importers and the exporter alike."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, Text, any_, bindparam


def in_ids(column: Any, ids: Iterable[str]) -> Any:
    """`column = ANY(:ids)` with one array parameter: an IN list of 10k binds is slow to build and plan."""
    return column == any_(bindparam(None, list(ids), type_=ARRAY(Text)))
