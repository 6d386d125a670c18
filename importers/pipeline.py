"""The shared import pipeline: validate → normalize → upsert in one transaction → report.

Every source (HSDS JSON or datapackage, FindTreatment, HMIS, 211) only reads its format and maps it
to HSDS service documents; this module does the rest the same way for all of them: typed validation
that lists every problem, idempotency by content hash, in-place updates with HSDS `metadata`
provenance, capacity history, and the catalog projections. Nothing is written unless every record
is valid. This module orchestrates and decides what changes; the work is in importers/validate.py
(checks and merging), importers/copy_writer.py (COPY encoding and the writer thread) and
importers/provenance.py (`metadata` and source records).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import select
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from catalog import tables as t
from catalog.id_sets import in_ids
from catalog.projections import (
    ELIGIBILITY_TAXONOMY,
    refresh_services,
    resolve_term_profiles,
    search_document_lateral,
)
from divert.errors import ImportFailed
from importers.copy_writer import DerivedColumns, ImportWriter, chunks, insert_rows, text_array
from importers.gc_pause import cyclic_gc_paused
from importers.normalize import CHILD_TABLES, LIVE_CAPACITY_COLUMNS, TABLES, DocumentRows
from importers.provenance import insert_source_records, previous_documents, write_metadata
from importers.validate import Batch, check_references, unstorable_errors, validate_documents

# Warnings repeat for every record of a sloppy file; the report keeps the first ones and a count.
MAX_WARNINGS = 200

Progress = Callable[[int], None]

# The child rows a written service, location or organization owns, and rows whose id the import
# writes again: deleted before the file's children are inserted. `:ids` is the table's new ids.
_CHILD_DELETES: tuple[tuple[str, str], ...] = (
    (
        "DELETE FROM service_at_location WHERE service_id = ANY(CAST(:services AS text[])) "
        "OR id = ANY(CAST(:ids AS text[]))",
        "service_at_location",
    ),
    (
        "DELETE FROM phone WHERE service_id = ANY(CAST(:services AS text[])) "
        "OR location_id = ANY(CAST(:locations AS text[])) "
        "OR organization_id = ANY(CAST(:organizations AS text[])) OR id = ANY(CAST(:ids AS text[]))",
        "phone",
    ),
    (
        "DELETE FROM schedule WHERE service_id = ANY(CAST(:services AS text[])) "
        "OR location_id = ANY(CAST(:locations AS text[])) "
        "OR id = ANY(CAST(:ids AS text[]))",
        "schedule",
    ),
    (
        "DELETE FROM service_area WHERE service_id = ANY(CAST(:services AS text[])) OR id = ANY(CAST(:ids AS text[]))",
        "service_area",
    ),
    (
        "DELETE FROM language WHERE service_id = ANY(CAST(:services AS text[])) "
        "OR location_id = ANY(CAST(:locations AS text[])) "
        "OR id = ANY(CAST(:ids AS text[]))",
        "language",
    ),
    (
        "DELETE FROM address WHERE location_id = ANY(CAST(:locations AS text[])) OR id = ANY(CAST(:ids AS text[]))",
        "address",
    ),
    (
        "DELETE FROM attribute WHERE (link_entity = 'service' AND link_id = ANY(CAST(:services AS text[]))) "
        "OR id = ANY(CAST(:ids AS text[]))",
        "attribute",
    ),
)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False
    created_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "warnings": self.warnings,
        }
        if self.dry_run:
            body["dry_run"] = True
        return body


def import_services(
    session: Session,
    services: Sequence[Any],
    *,
    source: str,
    actor: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Imports HSDS service documents all-or-nothing; raises ImportFailed listing every problem."""
    # The normalized rows (millions of small objects) stay alive until the write ends; with the cyclic
    # garbage collector on, every few thousand allocations would rescan all of them (about a third of
    # the time of a 5,000-service import went to that).
    with cyclic_gc_paused():
        return _import_services(session, services, source=source, actor=actor, dry_run=dry_run, progress=progress)


def _import_services(
    session: Session,
    services: Sequence[Any],
    *,
    source: str,
    actor: str,
    dry_run: bool,
    progress: Progress | None,
) -> ImportResult:
    if not isinstance(services, list | tuple):
        raise ImportFailed(
            "expected a list of HSDS services",
            errors=[{"index": 0, "path": "", "message": "expected a list of HSDS services"}],
        )
    docs, errors, warnings = validate_documents(services)
    index_of = {doc.service_id: doc.index for doc in docs}
    batch = Batch()
    for doc in docs:
        batch.add(doc, errors, index_of)
    check_references(session, batch, docs, index_of, errors)
    if errors:
        errors.sort(key=lambda e: (e.get("index", 0), e.get("path", "")))
        noun = "problem" if len(errors) == 1 else "problems"
        raise ImportFailed(f"{len(errors)} {noun} in {source} import; nothing was written", errors=errors)

    result = ImportResult(dry_run=dry_run, warnings=_capped(warnings))
    service_ids = [doc.service_id for doc in docs]
    stored_hash: dict[str, str | None] = {}
    for chunk in chunks(service_ids, 10_000):
        stored_hash.update(
            session.execute(select(t.Service.id, t.Service.content_hash).where(in_ids(t.Service.id, chunk)))
            .tuples()
            .all()
        )
    capacity_ids = [cid for doc in docs for cid in doc.rows["service_capacity"]]
    stored_capacity = _stored_capacities(session, capacity_ids)
    changed: list[DocumentRows] = []
    for doc in docs:
        if doc.service_id not in stored_hash:
            result.created += 1
            result.created_ids.append(doc.service_id)
            changed.append(doc)
        elif stored_hash[doc.service_id] != doc.content_hash or _newer_capacity(doc, stored_capacity):
            result.updated += 1
            result.updated_ids.append(doc.service_id)
            changed.append(doc)
        else:
            result.unchanged += 1
    if progress is not None:
        progress(len(services))
    if dry_run:
        # Nothing is written, so the database cannot refuse a value: look for what it would refuse.
        unstorable = unstorable_errors(services)
        if unstorable:
            raise ImportFailed(
                f"{len(unstorable)} values in {source} import cannot be stored; nothing was written",
                errors=unstorable,
            )
    elif changed:
        try:
            with session.begin_nested():
                _write(
                    session,
                    changed,
                    set(result.updated_ids),
                    stored_capacity,
                    source=source,
                    actor=actor,
                    batch=batch if len(changed) == len(docs) else None,
                )
        except (DataError, psycopg.DataError):
            # Checked only on failure: scanning every value up front costs more than the import itself.
            unstorable = unstorable_errors(services)
            if not unstorable:
                raise
            raise ImportFailed(
                f"{len(unstorable)} values in {source} import cannot be stored; nothing was written",
                errors=unstorable,
            ) from None
    if progress is not None:
        progress(len(services))
    return result


def _capped(warnings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(warnings) <= MAX_WARNINGS:
        return warnings
    rest = len(warnings) - MAX_WARNINGS
    return warnings[:MAX_WARNINGS] + [{"path": "", "message": f"... and {rest} more warnings"}]


def _stored_capacities(session: Session, capacity_ids: list[str]) -> dict[str, dict[str, Any]]:
    stored: dict[str, dict[str, Any]] = {}
    cap = t.ServiceCapacity.__table__
    for chunk in chunks(capacity_ids, 10_000):
        for row in session.execute(select(cap).where(in_ids(cap.c.id, chunk))).mappings():
            stored[row["id"]] = dict(row)
    return stored


def _newer_capacity(doc: DocumentRows, stored: dict[str, dict[str, Any]]) -> bool:
    """A pool whose report in the file is newer than the catalog's is a change to apply."""
    for cid, row in doc.rows["service_capacity"].items():
        current = stored.get(cid)
        if current is None or row["updated"] > current["updated"]:
            return True
    return False


def _write(
    session: Session,
    docs: list[DocumentRows],
    updated_ids: set[str],
    stored_capacity: dict[str, dict[str, Any]],
    *,
    source: str,
    actor: str,
    batch: Batch | None = None,
) -> None:
    if batch is None:
        index_of = {doc.service_id: i for i, doc in enumerate(docs)}
        batch = Batch()
        unused: list[dict[str, Any]] = []
        for doc in docs:
            batch.add(doc, unused, index_of)
    rows = {table: list(batch.rows[table].values()) for table in TABLES}
    before = previous_documents(session, sorted(updated_ids)) if updated_ids else {}
    writer = ImportWriter(session)
    try:
        _write_rows(writer, docs, rows, batch, before, updated_ids, stored_capacity, source=source, actor=actor)
    except BaseException:
        # Let the writer stop before the savepoint is rolled back; the caller's failure is the one to report.
        with contextlib.suppress(BaseException):
            writer.finish()
        raise
    writer.finish()


def _write_rows(
    writer: ImportWriter,
    docs: list[DocumentRows],
    rows: dict[str, list[dict[str, Any]]],
    batch: Batch,
    before: dict[str, DocumentRows],
    updated_ids: set[str],
    stored_capacity: dict[str, dict[str, Any]],
    *,
    source: str,
    actor: str,
) -> None:
    service_ids = [doc.service_id for doc in docs]
    hashes = {doc.service_id: doc.content_hash for doc in docs}

    # Shared objects: upserted by id; placeholders never overwrite a described row.
    for table in ("organization", "location", "taxonomy", "unit"):
        real = [r for r in rows[table] if (table, r["id"]) not in batch.placeholders]
        made_up = [r for r in rows[table] if (table, r["id"]) in batch.placeholders]
        if table in ("organization", "location"):
            for r in real:
                r["last_modified"] = datetime.now().astimezone()
        insert_rows(writer, table, real, on_conflict="update")
        insert_rows(writer, table, made_up, on_conflict="nothing")
    insert_rows(writer, "taxonomy_term", rows["taxonomy_term"], on_conflict="update")
    term_ids = [r["id"] for r in rows["taxonomy_term"]]
    writer.submit(functools.partial(resolve_term_profiles, writer.session, term_ids))

    # The children of every written service and shared object are replaced by what the file says.
    ids = {
        "services": service_ids,
        "locations": [r["id"] for r in rows["location"]],
        "organizations": [r["id"] for r in rows["organization"]],
    }
    new_ids = {table: [r["id"] for r in rows[table]] for table in CHILD_TABLES}
    id_literals = {k: text_array(v) for k, v in ids.items()}

    def replace_children(tables: tuple[str, ...]) -> None:
        for sql, table in _CHILD_DELETES:
            if table in tables:
                params: dict[str, Any] = {k: v for k, v in id_literals.items() if f":{k} " in sql}
                params["ids"] = text_array(new_ids[table])
                writer.execute(sql, params)

    # Attributes (no foreign key to the service) go before the services, with the terms' profiles
    # resolved: each service row is then written with its search document, instead of every row
    # just inserted being written a second time by the projection refresh.
    replace_children(("attribute",))
    insert_rows(writer, "attribute", rows["attribute"])
    now = datetime.now().astimezone()
    for r in rows["service"]:
        r["content_hash"] = hashes[r["id"]]
        r["last_modified"] = now
    # Which rows were inserted rather than updated (an updated row's new version carries this
    # transaction's id in xmax): the projection refresh has no old rows of theirs to look for.
    written: list[Any] = []
    insert_rows(
        writer,
        "service",
        rows["service"],
        on_conflict="update",
        derived=_SEARCH_DOCUMENT,
        returning=("id, xmax = 0", written),
    )

    other_children = tuple(table for table in CHILD_TABLES if table != "attribute")
    replace_children(other_children)
    # Pools dropped from a service's document go; pools kept are upserted so holds and history stay.
    capacity_ids = [r["id"] for r in rows["service_capacity"]]
    writer.execute(
        "DELETE FROM service_capacity WHERE service_id = ANY(CAST(:services AS text[])) "
        "AND NOT id = ANY(CAST(:keep AS text[]))",
        {"services": id_literals["services"], "keep": text_array(capacity_ids)},
    )
    for table in other_children:
        insert_rows(writer, table, rows[table])
    _write_capacities(writer, rows["service_capacity"], stored_capacity, actor=actor)
    # The projections read only catalog rows written above; while the database rebuilds them, this
    # thread builds the provenance rows.
    writer.submit(
        lambda: refresh_services(writer.session, service_ids, search_documents=False, inserted=_fresh(written))
    )
    write_metadata(writer, docs, before, updated_ids, actor=actor)
    insert_source_records(writer, docs, source)


def _fresh(written: list[Any]) -> set[str]:
    """The ids the service insert returned as inserted (its RETURNING `id, xmax = 0`)."""
    return {row[0] for row in written if row[1]}


def _search_document() -> DerivedColumns:
    joins, (vector, text) = search_document_lateral("incoming")
    return DerivedColumns(
        columns=("search_vector", "search_text"),
        expressions=(vector, text),
        joins=joins,
        params={"elig": ELIGIBILITY_TAXONOMY},
    )


# The service row's search document (catalog/projections.py), computed as the row is inserted.
_SEARCH_DOCUMENT = _search_document()


def _write_capacities(
    writer: ImportWriter, rows: list[dict[str, Any]], stored: dict[str, dict[str, Any]], *, actor: str
) -> None:
    """Upserts pools; a report older than the stored one does not roll the live state back."""
    if not rows:
        return
    structural = ", ".join(
        f"{c} = EXCLUDED.{c}" for c in ("service_id", "unit_id", "description", "reserved_for", "location_id")
    )
    live = ", ".join(
        f"{c} = CASE WHEN EXCLUDED.updated > service_capacity.updated THEN EXCLUDED.{c} ELSE service_capacity.{c} END"
        for c in LIVE_CAPACITY_COLUMNS
    )
    insert_rows(writer, "service_capacity", rows, conflict_sql=f"ON CONFLICT (id) DO UPDATE SET {structural}, {live}")
    reports = [
        {
            "capacity_id": r["id"],
            "available": r["available"],
            "maximum": r["maximum"],
            "waitlist": r["waitlist"],
            "updated": r["updated"],
            "source": "import",
            "applied": True,
            "actor": actor,
        }
        for r in rows
        if r["id"] not in stored or r["updated"] > stored[r["id"]]["updated"]
    ]
    insert_rows(writer, "capacity_report", reports)


__all__ = ["ImportResult", "Progress", "import_services"]
