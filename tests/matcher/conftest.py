"""Every test starts with the matcher's memo caches empty, so no answer remembered from an earlier test
(or from the process a mutation run forks from) can stand in for the code under test."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def empty_matcher_caches() -> Iterator[None]:
    def clear() -> None:
        for name, module in list(sys.modules.items()):
            if name == "matcher" or name.startswith("matcher."):
                for value in list(vars(module).values()):
                    if callable(getattr(value, "cache_clear", None)):
                        value.cache_clear()

    clear()
    yield
    clear()
