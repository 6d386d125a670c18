"""Fixtures of the importers' tests: scenario worlds built like the shared scenario helper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from import_worlds import INTEROP, UPDATED, small_world

__all__ = ["INTEROP", "UPDATED", "small_world", "world"]


@pytest.fixture
def world() -> Callable[[], list[dict[str, Any]]]:
    return small_world
