"""What the imports room decides: an upload is imported all or nothing, and a dry run keeps nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from importers.datapackage import SourceData
from importers.sources import SourceImportResult, import_source_data


def import_upload(session: Session, data: list[Any] | SourceData, *, actor: str, dry_run: bool) -> SourceImportResult:
    """Imports HSDS services into the request's unit of work (committed by it, before the answer).
    A dry run validates and reports the same way, then rolls back whatever the check touched."""
    result = import_source_data(session, data, source="hsds", actor=actor, dry_run=dry_run)
    if dry_run:
        session.rollback()
    return result
