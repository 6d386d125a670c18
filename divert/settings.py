"""Settings: one pydantic-settings class, read from the environment and `.env`, passed where needed."""

from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from matcher.pools import Freshness

# The local default that `scripts/provision.sh` creates (loopback only).
LOCAL_DATABASE_URL = "postgresql://postgres:postgres@127.0.0.1:5432/divert"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(default=LOCAL_DATABASE_URL, alias="DATABASE_URL")
    search_backend: str = Field(default="postgres", alias="SEARCH_BACKEND")
    meili_url: str | None = Field(default=None, alias="MEILI_URL")
    meili_key: str | None = Field(default=None, alias="MEILI_KEY")
    public_read: bool = Field(default=True, alias="DIVERT_PUBLIC_READ")
    # Region time zone: how schedules without an explicit offset are read.
    timezone: str = Field(default="America/Los_Angeles", alias="DIVERT_TIMEZONE")
    # Time-to-live of a capacity report per unit (CONTRACT R5), in hours.
    ttl_bed_hours: float = Field(default=24, alias="DIVERT_TTL_BED_HOURS")
    ttl_slot_hours: float = Field(default=24 * 7, alias="DIVERT_TTL_SLOT_HOURS")
    ttl_appointment_hours: float = Field(default=24 * 7, alias="DIVERT_TTL_APPOINTMENT_HOURS")
    ttl_other_hours: float = Field(default=72, alias="DIVERT_TTL_OTHER_HOURS")
    # The worker's intervals (worker/jobs.py), in seconds. Each feed keeps its own interval; this is
    # how often the worker looks for due ones. Expired holds already free their unit in the
    # arithmetic, so their expiry only tidies state and can be slow.
    feed_poll_seconds: float = Field(default=15, gt=0, alias="DIVERT_FEED_POLL_SECONDS")
    hold_expiry_seconds: float = Field(default=60, gt=0, alias="DIVERT_HOLD_EXPIRY_SECONDS")
    search_sync_seconds: float = Field(default=10, gt=0, alias="DIVERT_SEARCH_SYNC_SECONDS")
    # Outbound requests (feeds, webhooks) go only to public addresses (api/outbound.py). This lets
    # them reach 127.0.0.0/8 and ::1 as well: for tests and local demos only, never in production.
    outbound_allow_loopback: bool = Field(
        default=False, validation_alias=AliasChoices("DIVERT_OUTBOUND_ALLOW_LOOPBACK", "DIVERT_FEED_ALLOW_PRIVATE")
    )
    feed_timeout_seconds: float = Field(default=10, alias="DIVERT_FEED_TIMEOUT")
    # Allowed clock skew for capacity reports dated in the future.
    capacity_future_skew_minutes: float = Field(default=5, alias="DIVERT_CAPACITY_SKEW_MINUTES")
    # Planner map: optional raster tile URL template for a base map (no default: works offline).
    tile_url: str | None = Field(default=None, alias="DIVERT_TILE_URL")
    db_pool_size: int = Field(default=10, alias="DIVERT_DB_POOL_SIZE")
    # How long a process trusts a key it has checked before reading it again (a revoked key stops
    # working within this time, on every replica); 0 reads the key on every request.
    key_cache_seconds: float = Field(default=30, ge=0, alias="DIVERT_KEY_CACHE_SECONDS")

    # Request body limits in bytes (CONTRACT §2: 413 before the body is parsed or the key checked).
    body_limit_bytes: int = Field(default=256 * 1024, ge=1024, alias="DIVERT_BODY_LIMIT")
    match_body_limit_bytes: int = Field(default=64 * 1024, ge=1024, alias="DIVERT_MATCH_BODY_LIMIT")
    hold_body_limit_bytes: int = Field(default=16 * 1024, ge=1024, alias="DIVERT_HOLD_BODY_LIMIT")
    report_body_limit_bytes: int = Field(default=16 * 1024, ge=1024, alias="DIVERT_REPORT_BODY_LIMIT")
    capacity_batch_body_limit_bytes: int = Field(
        default=4 * 1024 * 1024, ge=1024, alias="DIVERT_CAPACITY_BATCH_BODY_LIMIT"
    )
    import_body_limit_bytes: int = Field(default=32 * 1024 * 1024, ge=1024, alias="DIVERT_IMPORT_BODY_LIMIT")
    # A datapackage zip larger than this once unpacked is refused (a zip bomb is small on the wire).
    zip_unpacked_limit_bytes: int = Field(default=128 * 1024 * 1024, ge=1024, alias="DIVERT_ZIP_UNPACKED_LIMIT")
    # Throttles (CONTRACT §2: 429 with Retry-After), counted in PostgreSQL so that they hold across
    # replicas; each is "so many per window". 0 turns one off.
    throttle_window_seconds: int = Field(default=60, ge=1, alias="DIVERT_THROTTLE_WINDOW")
    failed_auth_per_address: int = Field(default=20, ge=0, alias="DIVERT_THROTTLE_FAILED_AUTH")
    anonymous_writes_per_address: int = Field(default=10, ge=0, alias="DIVERT_THROTTLE_ANONYMOUS_WRITES")
    matches_per_key: int = Field(default=600, ge=0, alias="DIVERT_THROTTLE_MATCHES")
    hold_requests_per_key: int = Field(default=60, ge=0, alias="DIVERT_THROTTLE_HOLDS")
    # Holds one key may keep active at once (CONTRACT §2.4).
    max_active_holds: int = Field(default=10, ge=1, alias="DIVERT_MAX_ACTIVE_HOLDS")

    @property
    def freshness(self) -> Freshness:
        """Time-to-live per unit (CONTRACT R5), as every room judges a capacity report."""
        return Freshness(
            by_unit={"bed": self.ttl_bed_hours, "slot": self.ttl_slot_hours, "appointment": self.ttl_appointment_hours},
            other=self.ttl_other_hours,
        )

    @property
    def sqlalchemy_url(self) -> str:
        """The plain postgresql:// URL with the driver this project uses (psycopg 3)."""
        url = self.database_url
        for prefix in ("postgresql+psycopg2://", "postgresql+psycopg://", "postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
