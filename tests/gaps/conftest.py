"""Fixtures of the gaps room: a region builder over the real catalog tables, and a planner key."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from gap_region import Region
from sqlalchemy.orm import Session


@pytest.fixture
def region(db: Callable[[], Session]) -> Iterator[Region]:
    with db() as session:
        yield Region(session)


@pytest.fixture
def planner(make_key: Callable[..., dict[str, str]]) -> dict[str, str]:
    return make_key("planner")
