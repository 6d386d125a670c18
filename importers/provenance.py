"""What an import records about itself: HSDS `metadata` rows per changed field, and source records.

A created service gets one `create` row; an updated one gets a row per changed field of the
service, its organization and locations, and one per changed child collection, compared with the
catalog's current version exported and normalized like the incoming document. Source records say
which source last wrote each service and with which content hash.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from catalog.provenance import provenance_row
from importers.copy_writer import ImportWriter, insert_rows
from importers.export import service_documents
from importers.models import Service
from importers.normalize import LINK_COLUMNS, TABLES, DocumentRows, normalize_service


def previous_documents(session: Session, service_ids: list[str]) -> dict[str, DocumentRows]:
    """The catalog's current version of these services, normalized like an incoming document."""
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


def write_metadata(
    writer: ImportWriter,
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
        rows.append(
            provenance_row(
                resource_type=resource_type,
                resource_id=resource_id,
                action=action,
                field_name=field_name,
                previous=previous,
                replacement=replacement,
                actor=actor,
                at=now,
            )
        )

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
    insert_rows(writer, "metadata", rows)


def _comparable(table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as compared for provenance: links to other places (merged ids) and derived columns aside."""
    drop = {"geog", *LINK_COLUMNS.get(table, ())} - {"taxonomy_id"}
    return [{k: v for k, v in r.items() if k not in drop} for r in rows]


def insert_source_records(writer: ImportWriter, docs: list[DocumentRows], source: str) -> None:
    """One `source_record` per written service: this source, its key and the content hash written."""
    rows = [
        {
            "source": source,
            "source_key": d.service_id,
            "service_id": d.service_id,
            "content_hash": d.content_hash,
        }
        for d in docs
    ]
    insert_rows(
        writer,
        "source_record",
        rows,
        conflict_sql=(
            "ON CONFLICT ON CONSTRAINT uq_source_record DO UPDATE SET service_id = EXCLUDED.service_id, "
            "content_hash = EXCLUDED.content_hash, imported_at = now()"
        ),
    )
