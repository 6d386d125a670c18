"""Declared answers of the imports room: the summary of `POST /v1/import/hsds` (CONTRACT §2.6)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

OUT = ConfigDict(extra="forbid")


class ImportProblemOut(BaseModel):
    """A warning about one record: by its place in a JSON body (`index`, `id`) or a datapackage's file
    and row, and the field (`path`, `column`) it is about."""

    model_config = OUT
    index: int | None = None
    id: str | None = None
    file: str | None = None
    row: int | None = None
    column: str | None = None
    path: str | None = None
    message: str


class MatchedRecordOut(BaseModel):
    """A record matched to a service already in the catalog (`merges`) or close to one (`near_misses`)."""

    model_config = OUT
    source: str
    source_key: str
    name: str | None
    service_id: str
    service_name: str | None
    distance_m: float | None
    name_similarity: float | None
    same_phone: bool | None = None
    reason: str | None


class ImportSummaryOut(BaseModel):
    """What an import did; a re-import of the same data is all `unchanged`. Keys not written are left out
    (`dry_run` only on a dry run; `merges`, `near_misses` only for sources matched against the catalog)."""

    model_config = OUT
    created: int
    updated: int
    unchanged: int
    warnings: list[ImportProblemOut]
    dry_run: bool | None = Field(default=None, description="present (true) on a dry run: nothing was kept")
    merges: list[MatchedRecordOut] | None = None
    near_misses: list[MatchedRecordOut] | None = None
