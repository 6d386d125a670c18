"""The shared import pipeline: validate → normalize → upsert in one transaction → report.

Every source (HSDS JSON or datapackage, FindTreatment, HMIS, 211) only reads its format and maps it
to HSDS service documents; this module does the rest the same way for all of them: typed validation
that lists every problem, idempotency by content hash, in-place updates with HSDS `metadata`
provenance, capacity history, and the catalog projections. Nothing is written unless every record
is valid.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import math
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import psycopg
from pydantic import ValidationError
from sqlalchemy import Table, select, text
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from catalog import tables as t
from catalog.id_sets import in_ids
from catalog.projections import refresh_services, resolve_term_profiles
from catalog.provenance import provenance_row
from divert.errors import ImportFailed
from importers.models import Service
from importers.normalize import (
    CHILD_TABLES,
    LINK_COLUMNS,
    LIVE_CAPACITY_COLUMNS,
    TABLES,
    DocumentRows,
    merge_row,
    normalize_service,
)

# Rows written in one statement; bounded so a national file never builds one giant statement.
BATCH_ROWS = 5000
# Warnings repeat for every record of a sloppy file; the report keeps the first ones and a count.
MAX_WARNINGS = 200

TABLE_OBJECTS: dict[str, Table] = {
    "organization": t.Organization.__table__,
    "location": t.Location.__table__,
    "taxonomy": t.Taxonomy.__table__,
    "taxonomy_term": t.TaxonomyTerm.__table__,
    "unit": t.Unit.__table__,
    "service": t.Service.__table__,
    "service_at_location": t.ServiceAtLocation.__table__,
    "address": t.Address.__table__,
    "phone": t.Phone.__table__,
    "schedule": t.Schedule.__table__,
    "service_area": t.ServiceArea.__table__,
    "language": t.Language.__table__,
    "attribute": t.Attribute.__table__,
    "service_capacity": t.ServiceCapacity.__table__,
}  # type: ignore[dict-item]
_OTHER_TABLES: dict[str, Table] = {
    "capacity_report": t.CapacityReport.__table__,
    "metadata": t.Metadata.__table__,
    "source_record": t.SourceRecord.__table__,
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
        body: dict[str, Any] = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "warnings": self.warnings,
        }
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


def validate_documents(
    documents: Sequence[Any],
) -> tuple[list[DocumentRows], list[dict[str, Any]], list[dict[str, Any]]]:
    """Validates and normalizes every document; returns (rows, errors, warnings), errors for all of them."""
    # Validation allocates millions of small objects that all stay alive until the write; the cyclic
    # garbage collector would rescan them again and again (5x slower on a 10k-service file).
    with cyclic_gc_paused():
        return _validate_documents(documents)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: an import's objects are freed by reference counting.

    Import data is a tree (parsed JSON, models, rows) without reference cycles, so the collector
    finds nothing to free; yet every collection walks all live objects, and while a batch is alive
    that is hundreds of thousands of them (a full collection during one 1,000-service request took
    about 100 ms). Callers keep the pause until the batch's objects are released, so no collection
    is owed when it ends. Nesting is fine: only the outermost pause turns the collector back on.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


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
                _error(
                    index, service.id, "id", f"service id {service.id!r} is also record {seen[service.id]}"
                )
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


def _text_array(values: Iterable[str]) -> str:
    """A text[] literal built in one pass: psycopg would adapt a 10k-element list value by value."""
    values = list(values)
    plain = "".join(values)
    if "\\" not in plain and '"' not in plain:  # nothing to escape: joined in C
        return '{"' + '","'.join(values) + '"}' if values else "{}"
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _existing_ids(session: Session, table: str, ids: set[str]) -> set[str]:
    if not ids:
        return set()
    tbl = TABLE_OBJECTS[table]
    return set(session.execute(select(tbl.c.id).where(in_ids(tbl.c.id, ids))).scalars())


def _check_references(
    session: Session,
    batch: _Batch,
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
        return _import_services(
            session, services, source=source, actor=actor, dry_run=dry_run, progress=progress
        )


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


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _stored_capacities(session: Session, capacity_ids: list[str]) -> dict[str, dict[str, Any]]:
    stored: dict[str, dict[str, Any]] = {}
    cap = t.ServiceCapacity.__table__
    for chunk in _chunks(capacity_ids, 10_000):
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


def _cast(column: Any) -> tuple[str, Callable[[Any], str | None]]:
    """How a column travels in the bulk statement: as text, cast back to its type in SQL."""
    kind = type(column.type).__name__
    if kind == "Geography":
        return "ST_GeogFromText({})", _as_text
    if kind == "JSONB":
        return "CAST({} AS jsonb)", _as_json
    if kind == "ARRAY":
        return "ARRAY(SELECT jsonb_array_elements_text(CAST({} AS jsonb)))", _as_json
    sql_type = {
        "Float": "float8",
        "Numeric": "numeric",
        "Integer": "int4",
        "BigInteger": "int8",
        "Date": "date",
        "Time": "time",
        "DateTime": "timestamptz",
        "Boolean": "bool",
    }.get(kind, "text")
    return f"CAST({{}} AS {sql_type})", _as_text


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)


def _as_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str)


# COPY text format: backslash, tab, newline and carriage return are the only characters to escape.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]").search
_COPY_NULL = "\\N"
# Column types whose COPY input is the same as the text cast of the staged path.
_DIRECT_COPY_KINDS = frozenset(
    {"String", "Text", "Float", "Numeric", "Integer", "BigInteger", "Date", "Time", "DateTime", "Boolean", "JSONB"}
)


def _copy_text(value: Any) -> str:
    """One value as a COPY text field (`_as_text`, escaped)."""
    if value is None:
        return _COPY_NULL
    if type(value) is not str:
        value = _as_text(value)
    return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL(value) else value  # type: ignore[union-attr]


def _copy_json(value: Any) -> str:
    """One value as a COPY text field (`_as_json`, escaped)."""
    if value is None:
        return _COPY_NULL
    encoded = json.dumps(value, default=str)
    return encoded.translate(_COPY_ESCAPES) if _COPY_SPECIAL(encoded) else encoded


def _copy_payload(
    columns: list[str], fields: Sequence[Callable[[Any], str]], rows: list[dict[str, Any]]
) -> list[str]:
    """`columns` of rows as COPY text, in pieces of at most BATCH_ROWS lines: pre-formatted, so neither
    SQLAlchemy nor psycopg adapts values one by one."""
    pieces = []
    for chunk in _chunks(rows, BATCH_ROWS):
        # Column by column: most text columns are all plain strings or all empty, and those are
        # recognised in one pass in C instead of one Python call per value.
        formatted = [_copy_column([r[c] for r in chunk], field) for c, field in zip(columns, fields, strict=True)]
        pieces.append("\n".join(map("\t".join, zip(*formatted, strict=True))) + "\n")
    return pieces


_EQUAL_ONLY_TO_ITS_TYPE = (str, datetime)


def _copy_column(values: list[Any], field: Callable[[Any], str]) -> list[str]:
    """One column's values as COPY text fields."""
    count = len(values)
    first = values[0]
    if (first is None or type(first) in _EQUAL_ONLY_TO_ITS_TYPE or first == {}) and values.count(first) == count:
        # One value throughout (every `last_modified` of a batch, an empty `extra`, a column nobody
        # fills): formatted once. Only for values that equal nothing of another type (1 == 1.0 == True,
        # and {"a": 1} == {"a": True}, would otherwise be written alike).
        return [field(first)] * count
    if field is _copy_text:
        present = [v for v in values if v is not None]
        if all(type(v) is str for v in present) and not _COPY_SPECIAL("".join(present)):
            # Plain strings and empty cells, recognised in C instead of one Python call per value.
            return values if len(present) == count else [_COPY_NULL if v is None else v for v in values]
    return [field(v) for v in values]


def _copy_in(session: Session, target: str, payload: list[str]) -> None:
    """Streams pre-formatted COPY text into `target` (a table and its column list)."""
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for piece in payload:
                copy.write(piece)
    finally:
        cursor.close()


def _run_script(session: Session, sql: str) -> None:
    session.connection().connection.driver_connection.execute(sql)  # type: ignore[union-attr]


class _Writer:
    """Runs an import's write statements, in order, on a second thread of the same connection.

    The import's Python side (formatting COPY text, building provenance rows) and the database's
    side (storing rows, index and foreign-key work, projections) then overlap on two cores instead
    of taking turns. Only this thread touches the session until `finish` returns, so the session is
    never used from two threads at once. The first failure stops the rest and is raised by `finish`
    (and by the next `submit`), on the caller's thread, inside the import's savepoint, so a failed
    import still leaves nothing behind.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._work: queue.SimpleQueue[Callable[[], Any] | None] = queue.SimpleQueue()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with cyclic_gc_paused():
            while (step := self._work.get()) is not None:
                if self._failure is None:
                    try:
                        step()
                    except BaseException as exc:  # handed over to the caller's thread by finish()
                        self._failure = exc

    def submit(self, step: Callable[[], Any]) -> None:
        if self._failure is not None:
            self.finish()
        self._work.put(step)

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        self.submit(functools.partial(self.session.execute, text(sql), params or {}))

    def script(self, sql: str) -> None:
        """Statements without parameters, separated by semicolons, in one round trip."""
        self.submit(functools.partial(_run_script, self.session, sql))

    def copy(self, target: str, payload: list[str]) -> None:
        self.submit(functools.partial(_copy_in, self.session, target, payload))

    def finish(self) -> None:
        """Waits for every submitted statement; raises the first failure."""
        if self._thread.is_alive():
            self._work.put(None)
            self._thread.join()
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure


def _insert(
    writer: _Writer,
    table: str,
    rows: list[dict[str, Any]],
    *,
    on_conflict: str = "error",
    conflict_sql: str | None = None,
) -> None:
    """Bulk INSERT by COPY: straight into the table, or into a text staging table then INSERT ... SELECT.

    COPY streams pre-formatted text, so neither SQLAlchemy nor psycopg adapts values one by one (array
    parameters for an `unnest` insert cost more to dump than the server spends storing them). Rows
    that may conflict, or that hold geography or array values (built by SQL functions from text), go
    through a staging table in the same transaction: a failed import leaves nothing behind.
    """
    if not rows:
        return
    tbl = TABLE_OBJECTS[table] if table in TABLE_OBJECTS else _OTHER_TABLES[table]
    columns = list(rows[0].keys())
    casts = [_cast(tbl.c[c]) for c in columns]
    fields: list[Callable[[Any], str]] = [_copy_json if conv is _as_json else _copy_text for _, conv in casts]
    quoted = [f'"{c}"' for c in columns]
    if conflict_sql is None:
        if on_conflict == "update":
            sets = ", ".join(f"{q} = EXCLUDED.{q}" for c, q in zip(columns, quoted, strict=True) if c != "id")
            conflict_sql = f"ON CONFLICT (id) DO UPDATE SET {sets}"
        elif on_conflict == "nothing":
            conflict_sql = "ON CONFLICT (id) DO NOTHING"
        else:
            conflict_sql = ""
    if not conflict_sql and all(type(tbl.c[c].type).__name__ in _DIRECT_COPY_KINDS for c in columns):
        writer.copy(f'"{tbl.name}" ({", ".join(quoted)})', _copy_payload(columns, fields, rows))
        return
    # One staging table per width, kept for the connection's life and emptied before each use:
    # creating and dropping a temporary table per statement cost ~2 ms of catalog writes each time
    # (and bloats the system catalog of a long-running server). A table created by a transaction
    # that rolls back disappears with it, hence IF NOT EXISTS.
    aliases = [f"c{i}" for i in range(len(columns))]
    stage = f"_import_stage_{len(aliases)}"
    writer.script(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} ({', '.join(f'{a} text' for a in aliases)}); TRUNCATE {stage}"
    )
    writer.copy(stage, _copy_payload(columns, fields, rows))
    selects = ", ".join(cast[0].format(f"s.{a}") for a, cast in zip(aliases, casts, strict=True))
    # A just-emptied table is read in the order it was written, so rows are stored as the file lists them.
    writer.execute(
        f'INSERT INTO "{tbl.name}" ({", ".join(quoted)}) SELECT {selects} FROM {stage} AS s {conflict_sql}'
    )
    if len(rows) > BATCH_ROWS:
        writer.script(f"TRUNCATE {stage}")  # a large stage's files are not kept until the next import


def _write(
    session: Session,
    docs: list[DocumentRows],
    updated_ids: set[str],
    stored_capacity: dict[str, dict[str, Any]],
    *,
    source: str,
    actor: str,
    batch: _Batch | None = None,
) -> None:
    if batch is None:
        index_of = {doc.service_id: i for i, doc in enumerate(docs)}
        batch = _Batch()
        unused: list[dict[str, Any]] = []
        for doc in docs:
            batch.add(doc, unused, index_of)
    rows = {table: list(batch.rows[table].values()) for table in TABLES}
    before = _previous_documents(session, sorted(updated_ids)) if updated_ids else {}
    writer = _Writer(session)
    try:
        _write_rows(writer, docs, rows, batch, before, updated_ids, stored_capacity, source=source, actor=actor)
    except BaseException:
        # Let the writer stop before the savepoint is rolled back; the caller's failure is the one to report.
        with contextlib.suppress(BaseException):
            writer.finish()
        raise
    writer.finish()


def _write_rows(
    writer: _Writer,
    docs: list[DocumentRows],
    rows: dict[str, list[dict[str, Any]]],
    batch: _Batch,
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
        _insert(writer, table, real, on_conflict="update")
        _insert(writer, table, made_up, on_conflict="nothing")
    _insert(writer, "taxonomy_term", rows["taxonomy_term"], on_conflict="update")

    # The children of every written service and shared object are replaced by what the file says.
    ids = {
        "services": service_ids,
        "locations": [r["id"] for r in rows["location"]],
        "organizations": [r["id"] for r in rows["organization"]],
    }
    new_ids = {
        table: [r["id"] for r in rows[table]]
        for table in CHILD_TABLES
    }
    deletes = [
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
            "DELETE FROM service_area WHERE service_id = ANY(CAST(:services AS text[])) "
            "OR id = ANY(CAST(:ids AS text[]))",
            "service_area",
        ),
        (
            "DELETE FROM language WHERE service_id = ANY(CAST(:services AS text[])) "
            "OR location_id = ANY(CAST(:locations AS text[])) "
            "OR id = ANY(CAST(:ids AS text[]))",
            "language",
        ),
        (
            "DELETE FROM address WHERE location_id = ANY(CAST(:locations AS text[])) "
            "OR id = ANY(CAST(:ids AS text[]))",
            "address",
        ),
        (
            "DELETE FROM attribute WHERE (link_entity = 'service' AND link_id = ANY(CAST(:services AS text[]))) "
            "OR id = ANY(CAST(:ids AS text[]))",
            "attribute",
        ),
    ]
    # Pools dropped from a service's document go; pools kept are upserted so holds and history stay.
    capacity_ids = [r["id"] for r in rows["service_capacity"]]
    now = datetime.now().astimezone()
    for r in rows["service"]:
        r["content_hash"] = hashes[r["id"]]
        r["last_modified"] = now
    _insert(writer, "service", rows["service"], on_conflict="update")
    id_literals = {k: _text_array(v) for k, v in ids.items()}
    for sql, table in deletes:
        params: dict[str, Any] = {k: v for k, v in id_literals.items() if f":{k} " in sql}
        params["ids"] = _text_array(new_ids[table])
        writer.execute(sql, params)
    writer.execute(
        "DELETE FROM service_capacity WHERE service_id = ANY(CAST(:services AS text[])) "
        "AND NOT id = ANY(CAST(:keep AS text[]))",
        {"services": id_literals["services"], "keep": _text_array(capacity_ids)},
    )
    for table in CHILD_TABLES:
        _insert(writer, table, rows[table])
    _write_capacities(writer, rows["service_capacity"], stored_capacity, actor=actor)
    # The projections read only catalog rows written above; while the database rebuilds them, this
    # thread builds the provenance rows.
    term_ids = [r["id"] for r in rows["taxonomy_term"]]
    writer.submit(functools.partial(resolve_term_profiles, writer.session, term_ids))
    writer.submit(functools.partial(refresh_services, writer.session, service_ids))
    _write_metadata(writer, docs, before, updated_ids, actor=actor)
    _insert_source_records(writer, docs, source)


def _write_capacities(
    writer: _Writer, rows: list[dict[str, Any]], stored: dict[str, dict[str, Any]], *, actor: str
) -> None:
    """Upserts pools; a report older than the stored one does not roll the live state back."""
    if not rows:
        return
    structural = ", ".join(
        f"{c} = EXCLUDED.{c}" for c in ("service_id", "unit_id", "description", "reserved_for", "location_id")
    )
    live = ", ".join(
        f"{c} = CASE WHEN EXCLUDED.updated > service_capacity.updated THEN EXCLUDED.{c} "
        f"ELSE service_capacity.{c} END"
        for c in LIVE_CAPACITY_COLUMNS
    )
    _insert(
        writer, "service_capacity", rows, conflict_sql=f"ON CONFLICT (id) DO UPDATE SET {structural}, {live}"
    )
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
    _insert(writer, "capacity_report", reports)


def _insert_source_records(writer: _Writer, docs: list[DocumentRows], source: str) -> None:
    rows = [
        {
            "source": source,
            "source_key": d.service_id,
            "service_id": d.service_id,
            "content_hash": d.content_hash,
        }
        for d in docs
    ]
    _insert(
        writer,
        "source_record",
        rows,
        conflict_sql=(
            "ON CONFLICT ON CONSTRAINT uq_source_record DO UPDATE SET service_id = EXCLUDED.service_id, "
            "content_hash = EXCLUDED.content_hash, imported_at = now()"
        ),
    )


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


def _write_metadata(
    writer: _Writer,
    docs: list[DocumentRows],
    before: dict[str, DocumentRows],
    updated_ids: set[str],
    *,
    actor: str,
) -> None:
    """HSDS `metadata` rows: one per created service, one per changed field or child collection."""
    now = datetime.now().astimezone()
    rows: list[dict[str, Any]] = []

    def add(
        resource_type: str, resource_id: str, action: str, field_name: str, previous: str, replacement: str
    ) -> None:
        rows.append(provenance_row(resource_type=resource_type, resource_id=resource_id, action=action,
                                   field_name=field_name, previous=previous, replacement=replacement,
                                   actor=actor, at=now))

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
                add(
                    "service",
                    sid,
                    "update",
                    table,
                    _text(_comparable(table, old_rows)),
                    _text(_comparable(table, new_rows)),
                )
    _insert(writer, "metadata", rows)


def _comparable(table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as compared for provenance: links to other places (merged ids) and derived columns aside."""
    drop = {"geog", *LINK_COLUMNS.get(table, ())} - {"taxonomy_id"}
    return [{k: v for k, v in r.items() if k not in drop} for r in rows]


__all__ = ["ImportResult", "cyclic_gc_paused", "import_services", "validate_documents"]
