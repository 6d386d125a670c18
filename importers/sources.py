"""The registry of import sources: each source is one reader that only knows its own format.

A reader takes a path and returns HSDS service documents (a list of dicts), or a `SourceData` when it
also has warnings or can say which file and row each service came from. Everything after reading —
validation, upsert, provenance, report — is the shared pipeline. Add a source with
`READERS["name"] = reader` (or `register_reader`).
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from divert.errors import ImportFailed
from importers.datapackage import SourceData, read_datapackage
from importers.hsds_json import read_hsds_json
from importers.pipeline import ImportResult, Progress, import_services

Reader = Callable[[pathlib.Path], "list[Any] | SourceData"]


def read_hsds(path: pathlib.Path) -> list[Any] | SourceData:
    """HSDS 3.1: JSON file, or a datapackage folder / zip."""
    if path.is_dir() or path.suffix.lower() == ".zip":
        return read_datapackage(path)
    return read_hsds_json(path)


READERS: dict[str, Reader] = {"hsds": read_hsds}


def register_reader(source: str, reader: Reader) -> None:
    READERS[source] = reader


def as_source_data(data: list[Any] | SourceData) -> SourceData:
    return data if isinstance(data, SourceData) else SourceData(services=list(data))


def import_source_data(session: Session, data: list[Any] | SourceData, *, source: str, actor: str,
                       dry_run: bool = False, progress: Progress | None = None) -> ImportResult:
    """Runs the pipeline on what a reader returned; errors and warnings point back to file and row."""
    data = as_source_data(data)
    try:
        result = import_services(session, data.services, source=source, actor=actor, dry_run=dry_run,
                                 progress=progress)
    except ImportFailed as exc:
        if data.origins:
            exc.extra["errors"] = [_locate(e, data.origins) for e in exc.extra.get("errors", [])]
        raise
    result.warnings = data.warnings + [_locate(w, data.origins) for w in result.warnings]
    return result


def _locate(problem: dict[str, Any], origins: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Replaces a service index by the file and row it was read from, when the reader knows it."""
    index = problem.get("index")
    if not origins or not isinstance(index, int) or not 0 <= index < len(origins):
        return problem
    located = {k: v for k, v in problem.items() if k != "index"}
    return {**origins[index], **located}
