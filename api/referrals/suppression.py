"""Small-cell suppression of referral counts for planners (CONTRACT §2.7): a count of 1 to 4 is
shown as "<5" and a median over fewer than 5 referrals is withheld, so no planner can single out a
person from a small cell."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Final

SUPPRESS_BELOW: Final = 5
SUPPRESSED: Final = "<5"


def suppressed(count: int) -> int | str:
    return SUPPRESSED if 0 < count < SUPPRESS_BELOW else count


def suppressed_median(minutes: Sequence[float]) -> float | None:
    if len(minutes) < SUPPRESS_BELOW:
        return None
    return round(statistics.median(minutes), 1)
