"""The shared import pipeline: validate → normalize → upsert in one transaction → report.

Every source (HSDS JSON or datapackage, FindTreatment, HMIS, 211) only reads its format and maps it
to HSDS service documents; this module does the rest the same way for all of them: typed validation
that lists every problem, idempotency by content hash, in-place updates with HSDS `metadata`
provenance, capacity history, and the catalog projections. Nothing is written unless every record
is valid.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import uuid4

from pydantic import ValidationError
from sqlalchemy import Table, case, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from catalog import tables as t
from catalog.projections import refresh_services, resolve_term_profiles
from divert.errors import ImportFailed
from importers.models import Service
from importers.normalize import (
    LINK_COLUMNS,
    LIVE_CAPACITY_COLUMNS,
    TABLES,
    DocumentRows,
    merge_row,
    normalize_service,
)

# Rows written in one statement; bounded so a national file never builds one giant statement.
BATCH_ROWS = 2000
# Warnings repeat for every record of a sloppy file; the report keeps the first ones and a count.
MAX_WARNINGS = 200

TABLE_OBJECTS: dict[str, Table] = {
    "organization": t.Organization.__table__, "location": t.Location.__table__,
    "taxonomy": t.Taxonomy.__table__, "taxonomy_term": t.TaxonomyTerm.__table__, "unit": t.Unit.__table__,
    "service": t.Service.__table__, "service_at_location": t.ServiceAtLocation.__table__,
    "address": t.Address.__table__, "phone": t.Phone.__table__, "schedule": t.Schedule.__table__,
    "service_area": t.ServiceArea.__table__, "language": t.Language.__table__,
    "attribute": t.Attribute.__table__, "service_capacity": t.ServiceCapacity.__table__,
}  # type: ignore[dict-item]

Progress = Callable[[int], None]


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
        body: dict[str, Any] = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                                "warnings": self.warnings}
        if self.dry_run:
            body["dry_run"] = True
        return body


def _loc_path(loc: Sequence[Any]) -> str:
    return ".".join(str(p) for p in loc)


def _record_id(document: Any) -> str | None:
    if isinstance(document, dict):
        value = document.get("id")
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)[:255]
    return None


def _error(index: int, record_id: str | None, path: str, message: str) -> dict[str, Any]:
    error: dict[str, Any] = {"index": index, "path": path, "message": message}
    if record_id is not None:
        error["id"] = record_id
    return error


def validate_documents(documents: Sequence[Any]) -> tuple[list[DocumentRows], list[dict[str, Any]], list[dict[str, Any]]]:
    """Validates and normalizes every document; returns (rows, errors, warnings), errors for all of them."""
    docs: list[DocumentRows] = []
    errors: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, document in enumerate(documents):
        record_id = _record_id(document)
        if not isinstance(document, dict):
            errors.append(_error(index, None, "", "a service must be a JSON object"))
            continue
        try:
            service = Service.model_validate(document)
        except ValidationError as exc:
            for e in exc.errors(include_url=False):
                message = e.get("msg", "invalid")
                errors.append(_error(index, record_id, _loc_path(e.get("loc", ())), message))
            continue
        if service.id in seen:
            errors.append(_error(index, service.id, "id", f"service id {service.id!r} is also record {seen[service.id]}"))
            continue
        seen[service.id] = index
        doc = normalize_service(service)
        for p in doc.errors:
            errors.append(_error(index, service.id, p.path, p.message))
        for p in doc.warnings:
            warnings.append({"index": index, "id": service.id, "path": p.path, "message": p.message})
        doc.index = index
        docs.append(doc)
    return docs, errors, warnings


@dataclass
class _Batch:
    """Rows of several documents merged by id (a shared location or organization is one row)."""

    rows: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {t_: {} for t_ in TABLES})
    placeholders: set[tuple[str, str]] = field(default_factory=set)
    owner: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, doc: DocumentRows, errors: list[dict[str, Any]], index_of: dict[str, int]) -> None:
        for table in TABLES:
            merged = self.rows[table]
            for row_id, row in doc.rows[table].items():
                key = (table, row_id)
                placeholder = key in doc.placeholders
                current = merged.get(row_id)
                if current is None:
                    merged[row_id] = {**row, "extra": dict(row["extra"])} if "extra" in row else dict(row)
                    self.owner[key] = doc.service_id
                    if placeholder:
                        self.placeholders.add(key)
                    continue
                if placeholder:
                    continue
                if key in self.placeholders:
                    self.placeholders.discard(key)
                    merged[row_id] = dict(row)
                    self.owner[key] = doc.service_id
                    continue
                conflict = merge_row(table, current, row)
                if conflict:
                    other = self.owner.get(key)
                    where = f" (also in record {index_of[other]})" if other in index_of else ""
                    errors.append(_error(index_of[doc.service_id], doc.service_id, table,
                                         f"{table} {row_id!r} differs between services{where}: {conflict}"))


def _existing_ids(session: Session, table: str, ids: set[str]) -> set[str]:
    if not ids:
        return set()
    tbl = TABLE_OBJECTS[table]
    return set(session.execute(select(tbl.c.id).where(tbl.c.id.in_(list(ids)))).scalars())


def _check_references(session: Session, batch: _Batch, docs: list[DocumentRows],
                      index_of: dict[str, int], errors: list[dict[str, Any]]) -> None:
    """Ids referred to without being described must exist in this import or already in the catalog."""
    wanted: dict[str, set[str]] = {}
    for doc in docs:
        for table, ref_id, _ in doc.references:
            if ref_id not in batch.rows[table]:
                wanted.setdefault(table, set()).add(ref_id)
    known = {table: _existing_ids(session, table, ids) for table, ids in wanted.items()}
    for doc in docs:
        for table, ref_id, path in doc.references:
            if ref_id not in batch.rows[table] and ref_id not in known.get(table, set()):
                errors.append(_error(index_of[doc.service_id], doc.service_id, path,
                                     f"unknown {table} {ref_id!r}: not in this import nor in the catalog"))


def import_services(session: Session, services: Sequence[Any], *, source: str, actor: str,
                    dry_run: bool = False, progress: Progress | None = None) -> ImportResult:
    """Imports HSDS service documents all-or-nothing; raises ImportFailed listing every problem."""
    if not isinstance(services, list | tuple):
        raise ImportFailed("expected a list of HSDS services", errors=[
            {"index": 0, "path": "", "message": "expected a list of HSDS services"}])
    docs, errors, warnings = validate_documents(services)
    index_of = {doc.service_id: doc.index for doc in docs}
    batch = _Batch()
    for doc in docs:
        batch.add(doc, errors, index_of)
    _check_references(session, batch, docs, index_of, errors)
    if errors:
        errors.sort(key=lambda e: (e.get("index", 0), e.get("path", "")))
        noun = "problem" if len(errors) == 1 else "problems"
        raise ImportFailed(f"{len(errors)} {noun} in {source} import; nothing was written", errors=errors)

    result = ImportResult(dry_run=dry_run, warnings=_capped(warnings))
    service_ids = [doc.service_id for doc in docs]
    stored_hash: dict[str, str | None] = {}
    for chunk in _chunks(service_ids, 10_000):
        stored_hash.update(session.execute(select(t.Service.id, t.Service.content_hash)
                                           .where(t.Service.id.in_(chunk))).tuples().all())
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
    if not dry_run and changed:
        _write(session, changed, set(result.updated_ids), stored_capacity, source=source, actor=actor)
    if progress is not None:
        progress(len(services))
    return result


def _capped(warnings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(warnings) <= MAX_WARNINGS:
        return warnings
    rest = len(warnings) - MAX_WARNINGS
    return warnings[:MAX_WARNINGS] + [{"path": "", "message": f"... and {rest} more warnings"}]


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _stored_capacities(session: Session, capacity_ids: list[str]) -> dict[str, dict[str, Any]]:
    stored: dict[str, dict[str, Any]] = {}
    cap = t.ServiceCapacity.__table__
    for chunk in _chunks(capacity_ids, 10_000):
        for row in session.execute(select(cap).where(cap.c.id.in_(chunk))).mappings():
            stored[row["id"]] = dict(row)
    return stored


def _newer_capacity(doc: DocumentRows, stored: dict[str, dict[str, Any]]) -> bool:
    """A pool whose report in the file is newer than the catalog's is a change to apply."""
    for cid, row in doc.rows["service_capacity"].items():
        current = stored.get(cid)
        if current is None or row["updated"] > current["updated"]:
            return True
    return False


def _insert(session: Session, table: str, rows: list[dict[str, Any]], *, on_conflict: str = "error") -> None:
    """Batched multi-row INSERT (one round trip per BATCH_ROWS rows), optional upsert by id."""
    if not rows:
        return
    tbl = TABLE_OBJECTS[table]
    columns = list(rows[0].keys())
    stmt: Any = pg_insert(tbl)
    if on_conflict == "update":
        stmt = stmt.on_conflict_do_update(index_elements=["id"],
                                          set_={c: stmt.excluded[c] for c in columns if c != "id"})
    elif on_conflict == "nothing":
        stmt = stmt.on_conflict_do_nothing(index_elements=["id"])
    for chunk in _chunks(rows, BATCH_ROWS):
        session.execute(stmt, list(chunk))


def _write(session: Session, docs: list[DocumentRows], updated_ids: set[str],
           stored_capacity: dict[str, dict[str, Any]], *, source: str, actor: str) -> None:
    index_of = {doc.service_id: i for i, doc in enumerate(docs)}
    batch = _Batch()
    unused: list[dict[str, Any]] = []
    for doc in docs:
        batch.add(doc, unused, index_of)
    rows = {table: list(batch.rows[table].values()) for table in TABLES}
    service_ids = [doc.service_id for doc in docs]
    hashes = {doc.service_id: doc.content_hash for doc in docs}
    before = _previous_documents(session, sorted(updated_ids)) if updated_ids else {}

    # Shared objects: upserted by id; placeholders never overwrite a described row.
    for table in ("organization", "location", "taxonomy", "unit"):
        real = [r for r in rows[table] if (table, r["id"]) not in batch.placeholders]
        made_up = [r for r in rows[table] if (table, r["id"]) in batch.placeholders]
        if table in ("organization", "location"):
            for r in real:
                r["last_modified"] = datetime.now().astimezone()
        _insert(session, table, real, on_conflict="update")
        _insert(session, table, made_up, on_conflict="nothing")
    _insert(session, "taxonomy_term", rows["taxonomy_term"], on_conflict="update")

    # The children of every written service and shared object are replaced by what the file says.
    ids = {
        "services": service_ids,
        "locations": [r["id"] for r in rows["location"]],
        "organizations": [r["id"] for r in rows["organization"]],
    }
    new_ids = {table: [r["id"] for r in rows[table]] for table in
               ("service_at_location", "address", "phone", "schedule", "service_area", "language", "attribute")}
    deletes = [
        ("DELETE FROM service_at_location WHERE service_id = ANY(:services) OR id = ANY(:ids)", "service_at_location"),
        ("DELETE FROM phone WHERE service_id = ANY(:services) OR location_id = ANY(:locations) "
         "OR organization_id = ANY(:organizations) OR id = ANY(:ids)", "phone"),
        ("DELETE FROM schedule WHERE service_id = ANY(:services) OR location_id = ANY(:locations) "
         "OR id = ANY(:ids)", "schedule"),
        ("DELETE FROM service_area WHERE service_id = ANY(:services) OR id = ANY(:ids)", "service_area"),
        ("DELETE FROM language WHERE service_id = ANY(:services) OR location_id = ANY(:locations) "
         "OR id = ANY(:ids)", "language"),
        ("DELETE FROM address WHERE location_id = ANY(:locations) OR id = ANY(:ids)", "address"),
        ("DELETE FROM attribute WHERE (link_entity = 'service' AND link_id = ANY(:services)) OR id = ANY(:ids)",
         "attribute"),
    ]
    # Pools dropped from a service's document go; pools kept are upserted so holds and history stay.
    capacity_ids = [r["id"] for r in rows["service_capacity"]]
    now = datetime.now().astimezone()
    for r in rows["service"]:
        r["content_hash"] = hashes[r["id"]]
        r["last_modified"] = now
    _insert(session, "service", rows["service"], on_conflict="update")
    for sql, table in deletes:
        params: dict[str, Any] = {k: v for k, v in ids.items() if f":{k}" in sql}
        params["ids"] = new_ids[table]
        session.execute(text(sql), params)
    session.execute(text("DELETE FROM service_capacity WHERE service_id = ANY(:services) AND NOT id = ANY(:keep)"),
                    {"services": service_ids, "keep": capacity_ids})
    for table in ("service_at_location", "address", "phone", "schedule", "service_area", "language", "attribute"):
        _insert(session, table, rows[table])
    _write_capacities(session, rows["service_capacity"], stored_capacity, actor=actor)

    _write_metadata(session, docs, before, updated_ids, actor=actor)
    _insert_source_records(session, docs, source)
    resolve_term_profiles(session, [r["id"] for r in rows["taxonomy_term"]])
    refresh_services(session, service_ids)


def _write_capacities(session: Session, rows: list[dict[str, Any]], stored: dict[str, dict[str, Any]],
                      *, actor: str) -> None:
    """Upserts pools; a report older than the stored one does not roll the live state back."""
    if not rows:
        return
    cap = t.ServiceCapacity.__table__
    stmt = pg_insert(cap)
    ex = stmt.excluded
    newer = ex.updated > cap.c.updated
    live = {c: case((newer, ex[c]), else_=cap.c[c]) for c in LIVE_CAPACITY_COLUMNS}
    structural = {c: ex[c] for c in ("service_id", "unit_id", "description", "reserved_for", "location_id")}
    stmt = stmt.on_conflict_do_update(index_elements=["id"], set_={**structural, **live})
    for chunk in _chunks(rows, BATCH_ROWS):
        session.execute(stmt, list(chunk))
    reports = [
        {"capacity_id": r["id"], "available": r["available"], "maximum": r["maximum"], "waitlist": r["waitlist"],
         "updated": r["updated"], "source": "import", "applied": True, "actor": actor}
        for r in rows if r["id"] not in stored or r["updated"] > stored[r["id"]]["updated"]
    ]
    if reports:
        for chunk in _chunks(reports, BATCH_ROWS):
            session.execute(t.CapacityReport.__table__.insert(), list(chunk))


def _insert_source_records(session: Session, docs: list[DocumentRows], source: str) -> None:
    tbl = t.SourceRecord.__table__
    stmt = pg_insert(tbl)
    stmt = stmt.on_conflict_do_update(constraint="uq_source_record",
                                      set_={"service_id": stmt.excluded.service_id,
                                            "content_hash": stmt.excluded.content_hash,
                                            "imported_at": text("now()")})
    rows = [{"source": source, "source_key": d.service_id, "service_id": d.service_id,
             "content_hash": d.content_hash} for d in docs]
    for chunk in _chunks(rows, BATCH_ROWS):
        session.execute(stmt, list(chunk))


# --- provenance -------------------------------------------------------------------------------------

def _previous_documents(session: Session, service_ids: list[str]) -> dict[str, DocumentRows]:
    """The catalog's current version of these services, normalized like an incoming document."""
    from importers.export import service_documents

    previous: dict[str, DocumentRows] = {}
    for document in service_documents(session, service_ids):
        previous[document["id"]] = normalize_service(Service.model_validate(document))
    return previous


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str, sort_keys=True)


def _write_metadata(session: Session, docs: list[DocumentRows], before: dict[str, DocumentRows],
                    updated_ids: set[str], *, actor: str) -> None:
    """HSDS `metadata` rows: one per created service, one per changed field or child collection."""
    now = datetime.now().astimezone()
    rows: list[dict[str, Any]] = []

    def add(resource_type: str, resource_id: str, action: str, field_name: str, previous: str, replacement: str) -> None:
        rows.append({"id": str(uuid4()), "resource_id": resource_id, "resource_type": resource_type,
                     "last_action_date": now, "last_action_type": action, "field_name": field_name,
                     "previous_value": previous, "replacement_value": replacement, "updated_by": actor})

    for doc in docs:
        sid = doc.service_id
        if sid not in updated_ids:
            add("service", sid, "create", "id", "", sid)
            continue
        old = before.get(sid)
        if old is None:
            continue
        for table in ("service", "organization", "location"):
            for row_id, row in doc.rows[table].items():
                previous = old.rows[table].get(row_id)
                if previous is None:
                    add(table, row_id, "create" if table != "service" else "update", "id", "", row_id)
                    continue
                for column, value in row.items():
                    if column in ("id", "geog") or previous.get(column) == value:
                        continue
                    add(table, row_id, "update", column, _text(previous.get(column)), _text(value))
        for table in TABLES:
            if table in ("service", "organization", "location"):
                continue
            new_rows = [doc.rows[table][k] for k in sorted(doc.rows[table])]
            old_rows = [old.rows[table][k] for k in sorted(old.rows[table])]
            if _comparable(table, new_rows) != _comparable(table, old_rows):
                add("service", sid, "update", table, _text(_comparable(table, old_rows)),
                    _text(_comparable(table, new_rows)))
    for chunk in _chunks(rows, BATCH_ROWS):
        session.execute(t.Metadata.__table__.insert(), list(chunk))


def _comparable(table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as compared for provenance: links to other places (merged ids) and derived columns aside."""
    drop = {"geog", *LINK_COLUMNS.get(table, ())} - {"taxonomy_id"}
    return [{k: v for k, v in r.items() if k not in drop} for r in rows]


__all__ = ["ImportResult", "import_services", "validate_documents"]
