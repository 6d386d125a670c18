"""The targets the benchmark judges its figures against (bench/record.py), in one place."""

from __future__ import annotations

from typing import Final

# Targets (issue 20: on this 2-core machine, medians of the rounds; bench/rounds.py decides).
TARGET_MATCH_P95_MS: Final = 25.0  # 1 client; set for 1M, held at every scale (smaller is never slower)
TARGET_FLOOR_RATIO_P50: Final = 2.0  # API p50 over the SQL floor's p50
TARGET_PARALLEL_SHARE: Final = 0.70  # N clients on N workers: share of the floor's N-connection throughput
TARGET_PARALLEL_P95_MS: Final = 60.0
TARGET_IMPORT_PER_S: Final = 5000.0  # in every round, not the median
TARGET_CAPACITY_PER_S: Final = 10_000.0
TARGET_CAPACITY_SINGLE_P95_MS: Final = 5.0
TARGET_GAPS_MS: Final = {"100k": 300.0, "1m": 1000.0}  # /v1/gaps first page, p95
TARGET_GAPS_SIM_MS: Final = {"1m": 2000.0}  # /v1/gaps/sim, p95
TARGET_SEARCH_P95_MS: Final = {"1m": 30.0}
