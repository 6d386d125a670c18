"""The registry of import sources: each source is one reader that only knows its own format.

A reader takes a path and returns HSDS service documents (a list of dicts), or a `SourceData` when it
also has warnings or can say which file and row each service came from. Everything after reading —
validation, upsert, provenance, report — is the shared pipeline. Add a source with
`READERS["name"] = reader` (or `register_reader`).
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from divert.errors import ImportFailed
from importers.datapackage import SourceData, read_datapackage
from importers.dedup import reconcile, record_sources
from importers.gc_pause import cyclic_gc_paused
from importers.hsds_json import read_hsds_json
from importers.pipeline import ImportResult, Progress, import_services

Reader = Callable[..., "list[Any] | SourceData"]


def read_hsds(path: pathlib.Path) -> list[Any] | SourceData:
    """HSDS 3.1: JSON file, or a datapackage folder / zip."""
    if path.is_dir() or path.suffix.lower() == ".zip":
        return read_datapackage(path)
    return read_hsds_json(path)


def read_findtreatment(path: pathlib.Path) -> SourceData:
    """FindTreatment.gov locator listing: JSON pages or the CSV export."""
    from importers.findtreatment import read_findtreatment as read

    return read(path)


def read_hmis(path: pathlib.Path) -> SourceData:
    """HUD HMIS CSV export: Inventory.csv with Project.csv and Organization.csv beside it, or the folder."""
    from importers.hmis import read_hmis_inventory

    return read_hmis_inventory(path)


def read_211(path: pathlib.Path, mapping: pathlib.Path | None = None) -> SourceData:
    """A 211 / iCarol CSV export, columns and taxonomy codes mapped by a JSON mapping file."""
    from importers.icarol import read_icarol

    return read_icarol(path, mapping)


READERS: dict[str, Reader] = {
    "hsds": read_hsds,
    "findtreatment": read_findtreatment,
    "hmis": read_hmis,
    "211": read_211,
}


def register_reader(source: str, reader: Reader) -> None:
    READERS[source] = reader


def as_source_data(data: list[Any] | SourceData) -> SourceData:
    return data if isinstance(data, SourceData) else SourceData(services=list(data))


@dataclass
class SourceImportResult(ImportResult):
    """The pipeline's result plus, for keyed sources, the deduplication report (importers.dedup)."""

    merges: list[dict[str, Any]] = field(default_factory=list)
    near_misses: list[dict[str, Any]] = field(default_factory=list)
    keyed: bool = False

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        if self.keyed:
            body["merges"] = self.merges
            body["near_misses"] = self.near_misses
        return body


def import_source_data(
    session: Session,
    data: list[Any] | SourceData,
    *,
    source: str,
    actor: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> SourceImportResult:
    """Runs dedup and the pipeline on what a reader returned; problems point back to file and row."""
    with cyclic_gc_paused():
        return _import_source_data(session, data, source=source, actor=actor, dry_run=dry_run, progress=progress)


def _import_source_data(
    session: Session, data: list[Any] | SourceData, *, source: str, actor: str, dry_run: bool, progress: Progress | None
) -> SourceImportResult:
    data = as_source_data(data)
    plan = reconcile(session, data, source=source)
    try:
        result = import_services(session, plan.services, source=source, actor=actor, dry_run=dry_run, progress=progress)
    except ImportFailed as exc:
        if data.origins:
            exc.extra["errors"] = [_locate(e, data.origins) for e in exc.extra.get("errors", [])]
        raise
    if not dry_run:
        record_sources(session, plan, source=source, actor=actor)
    result.warnings = data.warnings + [_locate(w, data.origins) for w in result.warnings]
    return SourceImportResult(**vars(result), merges=plan.merges, near_misses=plan.near_misses, keyed=plan.keyed)


def _locate(problem: dict[str, Any], origins: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Replaces a service index by the file and row it was read from, when the reader knows it."""
    index = problem.get("index")
    if not origins or not isinstance(index, int) or not 0 <= index < len(origins):
        return problem
    located = {k: v for k, v in problem.items() if k != "index"}
    return {**origins[index], **located}
