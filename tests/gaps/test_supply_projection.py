"""The gap map's supply projection (gap_site, gap_cell) stays equal to the catalog it comes from,
through refresh_services, and the res-7 ranges it is probed by are exactly h3's parent relation."""

from __future__ import annotations

import random

import h3
from sqlalchemy import delete, text, update

from api.gaps.cells import cache_range, is_cell_at
from catalog.projections import refresh_services
from catalog.tables import Attribute, Location

# gap_site recomputed from scratch from the catalog (match_site, location cells computed by h3 here,
# attributes), one row per site and intercept.
_EXPECTED_SITES = text("""
SELECT ms.service_id, ms.location_id, ms.need,
       coalesce((SELECT array_agg(DISTINCT CAST(t.code AS integer) ORDER BY CAST(t.code AS integer))
                 FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
                 WHERE a.link_id = ms.service_id AND t.profile = 'sim-intercept'), '{0}') AS intercepts,
       ST_Y(CAST(ms.geog AS geometry)) AS lat, ST_X(CAST(ms.geog AS geometry)) AS lon,
       EXISTS (SELECT 1 FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
               WHERE a.link_id = ms.service_id AND t.profile = 'divert-eligibility'
                 AND t.code IN ('low_barrier', 'housing_first')) AS low_barrier,
       -- The harm-reduction test (CONTRACT §2.5): a barrier term stated and not switched off.
       EXISTS (SELECT 1 FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
               WHERE a.link_id = ms.service_id AND t.profile = 'divert-eligibility'
                 AND t.code IN ('sobriety_required', 'excludes_moud', 'excludes_sex_work',
                                'religious_participation_required')
                 AND lower(coalesce(a.value, 'yes')) NOT IN ('false', 'no', '0', 'n', 'f', 'off')) AS barrier
FROM match_site ms
""")
_SITES = text("SELECT service_id, location_id, need, intercept, cell, low_barrier, barrier FROM gap_site")
_CELLS = text("SELECT intercept, need, cell, sites, barrier_sites FROM gap_cell WHERE sites > 0")


def _expected(session) -> tuple[list[tuple], dict[tuple, int]]:
    sites = []
    for r in session.execute(_EXPECTED_SITES):
        cell = None if r.lat is None else int(h3.latlng_to_cell(r.lat, r.lon, 7), 16)
        sites.extend((r.service_id, r.location_id, r.need, i, cell, r.low_barrier, r.barrier) for i in r.intercepts)
    cells: dict[tuple, tuple[int, int]] = {}
    for s in sites:
        if s[4] is not None:
            n, barred = cells.get((s[3], s[2], s[4]), (0, 0))
            cells[(s[3], s[2], s[4])] = (n + 1, barred + int(s[6]))
    return sorted(sites, key=repr), cells


def _assert_projection_current(session) -> None:
    sites, cells = _expected(session)
    assert sorted(map(tuple, session.execute(_SITES).all()), key=repr) == sites
    assert {(r.intercept, r.need, r.cell): (r.sites, r.barrier_sites) for r in session.execute(_CELLS)} == cells


def test_projection_follows_every_write(region):
    a = region.service("Shelter A", (39.76, -104.99), ["shelter", "food"], intercepts=[1, 4], info=["low_barrier"])
    b = region.service(
        "Outreach",
        None,
        ["mental_health"],
        intercepts=[2],
        area=[(39.5, -105.2), (39.5, -104.7), (40.0, -104.7), (40.0, -105.2), (39.5, -105.2)],
    )
    c = region.service("Clinic", (39.74, -104.98), ["health_care"], extra_sites=[(39.80, -105.05)])
    sober = region.service("Sober House", (39.76, -104.99), ["shelter"], info=["sobriety_required"])
    mission = region.service(
        "Mission", (39.76, -104.99), ["shelter", "food"], info=["religious_participation_required"]
    )
    region.attribute(c, "divert-eligibility", "excludes_moud", "false")  # switched off: no barrier
    region.commit()
    session = region.session
    _assert_projection_current(session)
    barred = {r[0] for r in session.execute(text("SELECT DISTINCT service_id FROM gap_site WHERE barrier"))}
    assert barred == {sober, mission}
    assert (
        session.execute(text("SELECT count(*) FROM gap_site WHERE service_id = :b AND cell IS NULL"), {"b": b}).scalar()
        == 1
    )

    # A place moves: its cell follows on the next refresh of its services.
    session.execute(
        update(Location)
        .where(Location.id == f"loc-{c}-1")
        .values(latitude=40.01, longitude=-105.27, geog="SRID=4326;POINT(-105.27 40.01)")
    )
    # Intercepts and the low-barrier term change.
    session.execute(delete(Attribute).where(Attribute.link_id == a, Attribute.value.is_not(None)))
    region.attribute(a, "sim-intercept", "0")
    # Barriers come and go: the sober house switches its rule off, the clinic gains one.
    session.execute(update(Attribute).where(Attribute.link_id == sober).values(value="FALSE"))
    region.attribute(c, "divert-eligibility", "excludes_sex_work", "true")
    refresh_services(session, [a, c, sober])
    session.commit()
    _assert_projection_current(session)

    # A service with no sites left: its rows are gone and its cells' counts fall to zero.
    session.execute(text("DELETE FROM service_at_location WHERE service_id = :c"), {"c": c})
    refresh_services(session, [c])
    session.commit()
    _assert_projection_current(session)
    assert session.execute(text("SELECT count(*) FROM gap_site WHERE service_id = :c"), {"c": c}).scalar() == 0


def test_cache_ranges_are_h3_parents():
    rng = random.Random(7)
    for _ in range(300):
        cell = h3.latlng_to_cell(rng.uniform(-80, 80), rng.uniform(-180, 180), 7)
        near = [*h3.grid_disk(cell, 2), h3.latlng_to_cell(rng.uniform(-80, 80), rng.uniform(-180, 180), 7)]
        for resolution in range(4, 8):
            parent = h3.cell_to_parent(cell, resolution)
            assert is_cell_at(parent, resolution)
            lo, hi = cache_range(int(parent, 16))
            for other in near:
                assert (lo <= int(other, 16) <= hi) == (h3.cell_to_parent(other, resolution) == parent)
    assert not is_cell_at("zzz", 7)
    assert not is_cell_at(h3.latlng_to_cell(10, 10, 6), 7)
