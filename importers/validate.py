"""Import validation: typed HSDS models, every problem by record and path, rows merged by id.

Nothing here writes. `validate_documents` checks each service document against the typed models
(importers/models.py) and normalizes it to rows; `Batch` merges the rows of all documents by id (a
location or organization shared by two services is one row, and a conflict between them is a
problem); `check_references` looks up ids a document names without describing; `unstorable_errors`
finds the values PostgreSQL would refuse. Every problem names its record (index, id) and path.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import tables as t
from catalog.id_sets import in_ids
from importers.gc_pause import cyclic_gc_paused
from importers.models import Service
from importers.normalize import TABLES, DocumentRows, merge_row, normalize_service


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


def validate_documents(
    documents: Sequence[Any],
) -> tuple[list[DocumentRows], list[dict[str, Any]], list[dict[str, Any]]]:
    """Validates and normalizes every document; returns (rows, errors, warnings), errors for all of them."""
    # Validation allocates millions of small objects that all stay alive until the write; the cyclic
    # garbage collector would rescan them again and again (5x slower on a 10k-service file).
    with cyclic_gc_paused():
        return _validate_documents(documents)


def unstorable_errors(documents: Sequence[Any]) -> list[dict[str, Any]]:
    """Every NUL character or NaN/Infinity number PostgreSQL would refuse, by record and path."""
    errors: list[dict[str, Any]] = []
    for index, document in enumerate(documents):
        for path, message in list(_unstorable(document, ""))[:20]:
            errors.append(_error(index, _record_id(document), path, message))
    return errors


def _validate_documents(
    documents: Sequence[Any],
) -> tuple[list[DocumentRows], list[dict[str, Any]], list[dict[str, Any]]]:
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
            errors.append(
                _error(index, service.id, "id", f"service id {service.id!r} is also record {seen[service.id]}")
            )
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


def _unstorable(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Values PostgreSQL cannot store (NUL in text, NaN/Infinity in JSONB), wherever they sit."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path, "text contains a NUL character"
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield path, "number is NaN or infinite"
    elif isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and "\x00" in key:
                yield sub, "key contains a NUL character"
            yield from _unstorable(item, sub)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _unstorable(item, f"{path}.{i}" if path else str(i))


@dataclass
class Batch:
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
                    # A shallow copy: merging replaces values (and `extra` dicts) rather than mutating them.
                    merged[row_id] = dict(row)
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
                    errors.append(
                        _error(
                            index_of[doc.service_id],
                            doc.service_id,
                            table,
                            f"{table} {row_id!r} differs between services{where}: {conflict}",
                        )
                    )


def _existing_ids(session: Session, table: str, ids: set[str]) -> set[str]:
    if not ids:
        return set()
    tbl = t.Base.metadata.tables[table]
    return set(session.execute(select(tbl.c.id).where(in_ids(tbl.c.id, ids))).scalars())


def check_references(
    session: Session,
    batch: Batch,
    docs: list[DocumentRows],
    index_of: dict[str, int],
    errors: list[dict[str, Any]],
) -> None:
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
                errors.append(
                    _error(
                        index_of[doc.service_id],
                        doc.service_id,
                        path,
                        f"unknown {table} {ref_id!r}: not in this import nor in the catalog",
                    )
                )
