"""The gap map's SQL pool arithmetic agrees with matcher.pools (the one implementation of R2/R3/R5)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import h3
from gap_region import Region, cell_centre, rows_by

from matcher.pools import Pool, is_stale, offerable_units

UNITS = ("bed", "slot", "appointment", "kit")
# Report ages far from every time-to-live (24 h, 7 days, 72 h), so the clock cannot flip a verdict.
AGES_HOURS = (1, 20, 30, 100, 200)


def test_open_units_and_freshness_match_matcher_pools(client, make_key, region: Region, settings):
    rng = random.Random(7)
    expected: dict[str, tuple[float, float, int]] = {}
    for k in range(40):
        place = h3.latlng_to_cell(47.0 + 0.1 * (k // 8), -122.8 + 0.15 * (k % 8), 7)
        sid = region.service(f"Pool {k}", cell_centre(place), ["shelter"])
        pool = Pool(
            id=f"p{k}",
            unit=rng.choice(UNITS),
            available=rng.randint(0, 6),
            updated=datetime.now(UTC) - timedelta(hours=rng.choice(AGES_HOURS)),
            waitlist=rng.randint(0, 5),
            reserved_for=("lead",) if rng.random() < 0.4 else (),
            active_holds=rng.randint(0, 2),
        )
        region.pool(
            sid,
            pool.unit,
            available=pool.available,
            waitlist=pool.waitlist,
            reserved_for=list(pool.reserved_for),
            holds=pool.active_holds,
            age=datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - pool.updated,
        )
        stale = is_stale(pool, datetime.now(UTC), settings.freshness)
        public = 0.0 if stale or pool.reserved_for else offerable_units(pool, None)
        program = 0.0 if stale or not pool.reserved_for else offerable_units(pool, "lead")
        expected[place] = (public, program, 0 if stale else 1)
    region.commit()
    rows = rows_by(client.get("/v1/gaps", params={"need": "shelter"}, headers=make_key("planner")).json())
    got = {
        area: (
            r["supply"]["units"]["public"]["open"],
            r["supply"]["units"]["program"]["open"],
            r["supply"]["fresh_pools"],
        )
        for (area, _, _), r in rows.items()
    }
    assert got == expected


def test_sql_coarsening_is_h3_cell_to_parent(db):
    from sqlalchemy import text

    from api.gaps.cells import BIGINT_TO_HEX, HEX_TO_BIGINT, PARENT_SQL

    rng = random.Random(3)
    cells = [h3.latlng_to_cell(rng.uniform(-80, 80), rng.uniform(-180, 180), 7) for _ in range(200)]
    expression = BIGINT_TO_HEX.format(cell=PARENT_SQL.format(cell=HEX_TO_BIGINT.format(cell="c")))
    with db() as session:
        for resolution in range(4, 8):
            got = (
                session.execute(
                    text(f"SELECT {expression} FROM unnest(CAST(:cells AS text[])) AS c"),
                    {"cells": cells, "resolution": resolution},
                )
                .scalars()
                .all()
            )
            assert got == [h3.cell_to_parent(c, resolution) for c in cells]
