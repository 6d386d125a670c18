"""Provenance rows (HSDS `metadata`): who changed which field of which record, when, from what to what.

One builder for every writer of the catalog (importers, dedup merges, curator corrections), so the
rows read the same whoever made the change. Values arrive already as text: each writer renders its
own values (an importer compares JSON documents, a curator edits plain fields).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any


def provenance_row(
    *,
    resource_type: str,
    resource_id: str,
    action: str,
    field_name: str,
    previous: str,
    replacement: str,
    actor: str,
    at: datetime,
) -> dict[str, Any]:
    """One `metadata` row, as a dict for `insert(Metadata)` or the importers' COPY writer."""
    return {
        "id": str(uuid.uuid4()),
        "resource_id": resource_id,
        "resource_type": resource_type,
        "last_action_date": at,
        "last_action_type": action,
        "field_name": field_name,
        "previous_value": previous,
        "replacement_value": replacement,
        "updated_by": actor,
    }
