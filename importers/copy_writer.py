"""The import's COPY writer: values encoded as COPY text, and a thread that runs the writes in order.

`insert_rows` writes one table's rows with COPY, straight into the table or through a staging table
when rows may conflict or need a SQL cast (geography, arrays); `ImportWriter` runs those statements
on a second thread of the import's own connection, so Python's formatting and the database's
storing overlap. Only the pipeline decides what is written; this module only knows how.
"""

from __future__ import annotations

import functools
import json
import queue
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from catalog import tables as t
from importers.gc_pause import cyclic_gc_paused

# Rows written in one statement; bounded so a national file never builds one giant statement.
BATCH_ROWS = 5000


def text_array(values: Iterable[str]) -> str:
    """A text[] literal built in one pass: psycopg would adapt a 10k-element list value by value."""
    values = list(values)
    plain = "".join(values)
    if "\\" not in plain and '"' not in plain:  # nothing to escape: joined in C
        return '{"' + '","'.join(values) + '"}' if values else "{}"
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    """`items` in slices of at most `size`, for statements and COPY pieces of bounded size."""
    return [items[i : i + size] for i in range(0, len(items), size)]


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


def _copy_payload(columns: list[str], fields: Sequence[Callable[[Any], str]], rows: list[dict[str, Any]]) -> list[str]:
    """`columns` of rows as COPY text, in pieces of at most BATCH_ROWS lines: pre-formatted, so neither
    SQLAlchemy nor psycopg adapts values one by one."""
    pieces = []
    for chunk in chunks(rows, BATCH_ROWS):
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


def _collect(session: Session, sql: str, params: dict[str, Any], into: list[Any]) -> None:
    into.extend(session.execute(text(sql), params).all())


def _run_script(session: Session, sql: str) -> None:
    session.connection().connection.driver_connection.execute(sql)  # type: ignore[union-attr]


class ImportWriter:
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


@dataclass(frozen=True)
class DerivedColumns:
    """Columns computed in SQL from each staged row (aliased `incoming`) as it is inserted: `joins` may add
    LATERAL joins over it (one row each, so the file's order is kept), `expressions` give the values."""

    columns: tuple[str, ...]
    expressions: tuple[str, ...]
    joins: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


def insert_rows(
    writer: ImportWriter,
    table: str,
    rows: list[dict[str, Any]],
    *,
    on_conflict: str = "error",
    conflict_sql: str | None = None,
    derived: DerivedColumns | None = None,
    returning: tuple[str, list[Any]] | None = None,
) -> None:
    """Bulk INSERT by COPY: straight into the table, or into a text staging table then INSERT ... SELECT.

    COPY streams pre-formatted text, so neither SQLAlchemy nor psycopg adapts values one by one (array
    parameters for an `unnest` insert cost more to dump than the server spends storing them). Rows
    that may conflict, or that hold geography or array values (built by SQL functions from text), go
    through a staging table in the same transaction: a failed import leaves nothing behind.

    `returning` is (a RETURNING clause, a list): the rows it returns are appended to the list on the
    writer's thread, before the next submitted step runs (staged inserts only).
    """
    if not rows:
        return
    tbl = t.Base.metadata.tables[table]
    columns = list(rows[0].keys())
    casts = [_cast(tbl.c[c]) for c in columns]
    fields: list[Callable[[Any], str]] = [_copy_json if conv is _as_json else _copy_text for _, conv in casts]
    quoted = [f'"{c}"' for c in columns]
    written = quoted + [f'"{c}"' for c in (derived.columns if derived else ())]
    if conflict_sql is None:
        if on_conflict == "update":
            sets = ", ".join(f"{q} = EXCLUDED.{q}" for q in written if q != '"id"')
            conflict_sql = f"ON CONFLICT (id) DO UPDATE SET {sets}"
        elif on_conflict == "nothing":
            conflict_sql = "ON CONFLICT (id) DO NOTHING"
        else:
            conflict_sql = ""
    if (
        not conflict_sql
        and not derived
        and returning is None
        and all(type(tbl.c[c].type).__name__ in _DIRECT_COPY_KINDS for c in columns)
    ):
        writer.copy(f'"{tbl.name}" ({", ".join(quoted)})', _copy_payload(columns, fields, rows))
        return
    # One staging table per target table and width, kept for the connection's life: creating and dropping a temporary
    # table per statement cost ~2 ms of catalog writes each time (and bloats the system catalog of a
    # long-running server). A table created by a transaction that rolls back disappears with it, hence
    # IF NOT EXISTS. Commit empties it in place (ON COMMIT DELETE ROWS); a TRUNCATE, which gives the
    # table a new file and writes the catalog (2-15 ms each under load, ten times per import), is only
    # needed when it still holds rows: used already in this transaction, or left by a rollback. An
    # empty table is read in the order it was written, so rows are stored as the file lists them.
    aliases = [f"c{i}" for i in range(len(columns))]
    stage = f"_import_{tbl.name}_{len(aliases)}"
    writer.script(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} ({', '.join(f'{a} text' for a in aliases)}) ON COMMIT DELETE ROWS; "
        f"DO $$ BEGIN IF pg_relation_size('{stage}') > 0 THEN TRUNCATE {stage}; END IF; END $$"
    )
    writer.copy(stage, _copy_payload(columns, fields, rows))
    selects = ", ".join(cast[0].format(f"s.{a}") for a, cast in zip(aliases, casts, strict=True))
    # A just-emptied table is read in the order it was written, so rows are stored as the file lists them.
    source = f"SELECT {selects} FROM {stage} AS s"
    tail = f"{conflict_sql} RETURNING {returning[0]}" if returning else conflict_sql
    if derived is None:
        sql, params = f'INSERT INTO "{tbl.name}" ({", ".join(quoted)}) {source} {tail}', {}
    else:
        named = ", ".join(
            f"{cast[0].format(f's.{a}')} AS {q}" for a, q, cast in zip(aliases, quoted, casts, strict=True)
        )
        sql = (
            f'INSERT INTO "{tbl.name}" ({", ".join(written)}) '
            f"SELECT incoming.*, {', '.join(derived.expressions)} FROM (SELECT {named} FROM {stage} AS s) AS incoming "
            f"{derived.joins} {tail}"
        )
        params = dict(derived.params)
    if returning is None:
        writer.execute(sql, params)
    else:
        writer.submit(functools.partial(_collect, writer.session, sql, params, returning[1]))
    if len(rows) > BATCH_ROWS:
        writer.script(f"TRUNCATE {stage}")  # a large stage's files are not kept until the next import
