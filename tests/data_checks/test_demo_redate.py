"""The demo re-dates the sample's capacity reports to today, keeping their ages, never moving backwards."""

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from catalog.sample import SAMPLE_REFERENCE_TIME, SAMPLE_REGION, redate_sample_reports


def test_redate_keeps_relative_ages_and_is_idempotent(import_catalog, db):
    services = json.loads(SAMPLE_REGION.read_text())
    import_catalog(services)
    now = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
    with db() as session:
        moved = redate_sample_reports(session, now=now)
        session.commit()
    pools = [c for s in services for c in s.get("capacities") or []]
    assert moved == len(pools)
    first = pools[0]
    with db() as session:
        stored = session.execute(
            text("SELECT updated FROM service_capacity WHERE id = :id"), {"id": first["id"]}
        ).scalar()
        history = session.execute(text("SELECT count(*) FROM capacity_report WHERE actor = 'demo:redate'")).scalar()
    age_in_file = SAMPLE_REFERENCE_TIME - datetime.fromisoformat(first["updated"])
    assert now - stored == age_in_file
    assert history == moved
    with db() as session:
        assert redate_sample_reports(session, now=now) == 0  # nothing moves twice
        assert redate_sample_reports(session, now=now - timedelta(days=1)) == 0  # never backwards
