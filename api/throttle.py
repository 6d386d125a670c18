"""Throttles (CONTRACT §2: 429 with Retry-After), counted in PostgreSQL so they hold across replicas.

Fixed windows of `throttle_window_seconds`: each throttled request adds one to its bucket's row for
the current window (one upsert, its own transaction, so a request that fails afterwards still
counted). Buckets:

- `failed-auth` per client address: unknown or revoked keys. Past the limit the address gets 429 for
  every key it has not already proven (a guess then learns nothing), until the window ends.
- `anonymous-write` per client address: writes without a key (listing error reports).
- `match` and `hold` per key.

A bucket is the kind and a SHA-256 of the key id or address: no address is stored. The client
address is the connection's peer (run uvicorn with `--proxy-headers --forwarded-allow-ips` behind a
proxy so it is the real client's).
"""

from __future__ import annotations

import hashlib
import math
import random
from typing import Final

from fastapi import Request
from sqlalchemy import Connection, text

from divert.db import get_engine
from divert.errors import TooManyRequests
from divert.settings import Settings

# Windows older than this are deleted now and then (a chance per new window, so no job is needed).
KEEP_WINDOWS_SECONDS: Final = 3600
PRUNE_CHANCE: Final = 0.01

_HIT = text("""
INSERT INTO request_throttle AS t (bucket, window_start, hits)
SELECT :bucket, to_timestamp(floor(extract(epoch FROM clock_timestamp()) / :window) * :window), 1
-- A count lost in a server crash costs nothing (at worst a few more requests in that minute), so its
-- transaction does not wait for the WAL flush: 1-7 ms of every match on this machine's disk. Local
-- to the transaction (an implicit one in autocommit), so nothing else on the connection is affected.
FROM (SELECT set_config('synchronous_commit', 'off', true)) AS no_flush_wait
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = t.hits + 1
RETURNING t.hits,
          extract(epoch FROM t.window_start + make_interval(secs => :window) - clock_timestamp())
""")
_COUNT = text("""
SELECT hits, extract(epoch FROM window_start + make_interval(secs => :window) - clock_timestamp())
FROM request_throttle
WHERE bucket = :bucket
  AND window_start = to_timestamp(floor(extract(epoch FROM clock_timestamp()) / :window) * :window)
""")
_PRUNE = text("DELETE FROM request_throttle WHERE window_start < clock_timestamp() - make_interval(secs => :keep)")


def bucket(kind: str, identity: str) -> str:
    return f"{kind}:{hashlib.sha256(identity.encode()).hexdigest()[:32]}"


def _retry_after(seconds_left: float) -> int:
    return max(1, math.ceil(seconds_left))


def count_hit(conn: Connection, name: str, window: int) -> tuple[int, int]:
    """Adds one to the bucket's current window: (hits so far, seconds until the window ends)."""
    hits, left = conn.execute(_HIT, {"bucket": name, "window": window}).one()
    if hits == 1 and random.random() < PRUNE_CHANCE:
        conn.execute(_PRUNE, {"keep": max(KEEP_WINDOWS_SECONDS, window * 2)})
    return int(hits), _retry_after(float(left))


def current_hits(conn: Connection, name: str, window: int) -> tuple[int, int]:
    row = conn.execute(_COUNT, {"bucket": name, "window": window}).one_or_none()
    return (0, window) if row is None else (int(row[0]), _retry_after(float(row[1])))


def _over(kind: str, limit: int, retry_after: int) -> TooManyRequests:
    return TooManyRequests(
        f"too many {kind.replace('-', ' ')} requests; try again in {retry_after} s",
        retry_after=retry_after,
        limit=limit,
    )


def hit(settings: Settings, kind: str, identity: str, limit: int) -> None:
    """Counts one request; raises TooManyRequests once the bucket is past its limit (0: no limit)."""
    if limit <= 0:
        return
    # Autocommit: the upsert is its own transaction, one round trip instead of BEGIN, upsert, COMMIT.
    with get_engine(settings).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        hit_on(conn, settings, kind, identity, limit)


def hit_on(conn: Connection, settings: Settings, kind: str, identity: str, limit: int) -> None:
    """`hit` on a connection the caller holds, which must be in autocommit (so the count is its own
    transaction, kept even when the request fails afterwards): a hot route counts on its own
    connection, without a second checkout or thread hop (api/lean.py)."""
    if limit <= 0:
        return
    hits, retry_after = count_hit(conn, bucket(kind, identity), settings.throttle_window_seconds)
    if hits > limit:
        raise _over(kind, limit, retry_after)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# --- failed key checks (used by api.deps.get_caller on a key it has not cached) --------------------


def refuse_if_failing(conn: Connection, settings: Settings, address: str) -> None:
    """Before a key look-up: an address past its failed-check limit is refused for the window."""
    limit = settings.failed_auth_per_address
    if limit <= 0:
        return
    hits, retry_after = current_hits(conn, bucket("failed-auth", address), settings.throttle_window_seconds)
    if hits >= limit:
        raise _over("failed-auth", limit, retry_after)


def count_failure(conn: Connection, settings: Settings, address: str) -> TooManyRequests | None:
    """After a failed look-up: counted (the caller commits); the error to answer once past the limit."""
    limit = settings.failed_auth_per_address
    if limit <= 0:
        return None
    hits, retry_after = count_hit(conn, bucket("failed-auth", address), settings.throttle_window_seconds)
    return _over("failed-auth", limit, retry_after) if hits > limit else None
