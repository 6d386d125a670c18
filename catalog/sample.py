"""The bundled sample region and the demo's re-dating of its capacity reports.

The sample's reports are fixed strings dated back from a reference time (data/sample/README.md), so a
demo run on any later day would find every pool stale. `redate_sample_reports` moves each sample pool's
`updated` forward by (now − reference), keeping the ages the sample meant (fresh, hours old, days old),
and never moves a pool backwards (a report pushed since the import stays).
"""

from __future__ import annotations

import json
import pathlib
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

SAMPLE_REGION = pathlib.Path(__file__).resolve().parents[1] / "data" / "sample" / "king-county.json"
# The sample generator's REFERENCE_TIME (2026-11-22 18:00 Pacific Standard Time).
SAMPLE_REFERENCE_TIME = datetime(2026, 11, 22, 18, 0, tzinfo=timezone(timedelta(hours=-8)))

_REDATE = text("""
UPDATE service_capacity c SET updated = v.updated
FROM (SELECT unnest(CAST(:ids AS text[])) AS id, unnest(CAST(:times AS timestamptz[])) AS updated) v
WHERE c.id = v.id AND c.updated < v.updated
RETURNING c.id, c.available, c.maximum, c.waitlist, c.updated
""")

_HISTORY = text("""
INSERT INTO capacity_report (capacity_id, available, maximum, waitlist, updated, source, applied, actor)
VALUES (:id, :available, :maximum, :waitlist, :updated, 'curator', true, 'demo:redate')
""")


def redate_sample_reports(session: Session, now: datetime | None = None, path: pathlib.Path = SAMPLE_REGION) -> int:
    """Shifts the sample pools' report times to today; returns how many pools moved."""
    now = now or datetime.now(UTC)
    shift = now - SAMPLE_REFERENCE_TIME
    if shift <= timedelta(0):
        return 0
    ids: list[str] = []
    times: list[datetime] = []
    for service in json.loads(path.read_text()):
        for capacity in service.get("capacities") or []:
            ids.append(capacity["id"])
            times.append(datetime.fromisoformat(capacity["updated"]) + shift)
    moved = session.execute(_REDATE, {"ids": ids, "times": times}).mappings().all()
    if moved:
        session.execute(_HISTORY, [dict(row) for row in moved])
    return len(moved)
