"""An import stores what the projections' own refresh would store: the import writes each service's
search document with the row (and skips that part of the refresh), so the reference here is
`refresh_services` run in full afterwards, which must then change nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from import_worlds import small_world
from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.workload import hsds_services
from catalog.projections import refresh_services
from importers.pipeline import import_services
from matcher.vocabulary import NEEDS_TAXONOMY

# What the refresh writes, each table's rows in a stable order (serial ids and timestamps aside).
_FINGERPRINTS = {
    "service": "SELECT id, search_vector::text, search_text FROM service",
    "match_site": "SELECT need, service_id, service_at_location_id, location_id, geog::text, has_area FROM match_site",
    "area_site": "SELECT service_area_id, need, service_id, geog::text FROM area_site",
    "match_profile": "SELECT * FROM match_profile",
    "gap_site": "SELECT service_id, location_id, need, intercept, cell, low_barrier, barrier FROM gap_site",
    "gap_cell": "SELECT * FROM gap_cell",
    "location_cell": "SELECT * FROM location_cell",
    # The directory's search rows copy the service's document: written after it, they must match it.
    "search_site": "SELECT id, service_id, location_id, geog::text, service_name, search_vector::text, search_text "
    "FROM search_site",
}


def _fingerprint(session: Session) -> dict[str, tuple[int, str]]:
    out = {}
    for table, query in _FINGERPRINTS.items():
        row = session.execute(
            text(f"SELECT count(*), md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM ({query}) r")
        ).one()
        out[table] = (row[0], row[1])
    return out


def _services() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Two batches: the scenario world, then the benchmark's generated services (with organizations
    shared by three services each); they name one unit differently, so they are imported apart."""
    services = small_world()
    # Accents are folded, and the alternate name and description carry weight of their own.
    services[0]["alternate_name"] = "Señora's Place"
    services[1]["description"] = "Día y noche; call first"
    return services, hsds_services(60, 3, datetime(2026, 12, 7, tzinfo=UTC))


def _assert_refresh_changes_nothing(session: Session) -> dict[str, tuple[int, str]]:
    stored = _fingerprint(session)
    ids = list(session.execute(text("SELECT id FROM service ORDER BY id")).scalars())
    refresh_services(session, ids)
    assert _fingerprint(session) == stored
    return stored


def test_an_import_stores_the_projections_the_full_refresh_stores(db) -> None:  # type: ignore[no-untyped-def]
    services, generated = _services()
    with db() as s:
        for batch in (services, generated):
            result = import_services(s, batch, source="hsds", actor="test")
            assert result.created == len(batch)
        stored = _assert_refresh_changes_nothing(s)
        # Every service has its search document, and the folded alternate name finds it.
        assert stored["service"][0] == len(services) + len(generated)
        assert s.execute(text("SELECT count(*) FROM service WHERE search_vector IS NULL")).scalar_one() == 0
        found = s.execute(
            text("SELECT id FROM service WHERE search_vector @@ plainto_tsquery('english', 'senora')")
        ).scalars()
        assert list(found) == [services[0]["id"]]
        s.commit()


def test_a_reimport_with_changes_stores_the_projections_the_full_refresh_stores(db) -> None:  # type: ignore[no-untyped-def]
    with db() as s:
        for batch in _services():
            import_services(s, batch, source="hsds", actor="test")
        s.commit()
    changed, generated = _services()
    changed[0]["name"] = "Harbor Night Shelter"
    for service in (changed[0], changed[2]):  # one organization, nested in both
        service["organization"]["name"] = "Harbor Housing Alliance"
    several = next(service for service in generated if len(service["attributes"]) > 1)
    several["attributes"] = several["attributes"][:1]  # terms dropped: fewer words
    other = next(service for service in generated if service is not several)
    term = generated[-1]["attributes"][0]  # another service's term: more words
    other["attributes"] = other["attributes"] + [{**term, "id": "added-attribute", "link_id": other["id"]}]
    with db() as s:
        assert import_services(s, changed, source="hsds", actor="test").updated == 2
        assert import_services(s, generated, source="hsds", actor="test").updated == 2
        _assert_refresh_changes_nothing(s)
        texts = dict(s.execute(text("SELECT id, search_text FROM service")).tuples().all())
        # Name, alternate name (accents folded), the words of its terms (intercepts 0 and 1, the need;
        # eligibility terms aside), its organization.
        assert texts[changed[0]["id"]] == (
            "harbor night shelter senora's place 0 0 1 1 emergency shelter shelter harbor housing alliance"
        )
        assert all(texts[changed[i]["id"]].endswith(" harbor housing alliance") for i in (0, 2))
        s.commit()


# area_site from the catalog's own tables, without match_site: each located service area of an active
# service, once per need the service meets (its needs terms, and terms a curator mapped to a need).
_AREA_SITES_FROM_SCRATCH = """
SELECT sa.id, n.need, sa.service_id, sa.geog::text
FROM service_area sa
JOIN service s ON s.id = sa.service_id AND s.status = 'active'
JOIN (SELECT a.link_id AS service_id, t.code AS need
      FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
      WHERE a.link_entity = 'service' AND t.profile = :needs
      UNION
      SELECT a.link_id, m.need FROM attribute a JOIN need_mapping m ON m.taxonomy_term_id = a.taxonomy_term_id
      WHERE a.link_entity = 'service') n ON n.service_id = sa.service_id
WHERE sa.geog IS NOT NULL
"""


def test_an_import_stores_the_area_sites_the_catalog_defines(db) -> None:  # type: ignore[no-untyped-def]
    services, generated = _services()
    with db() as s:
        for batch in (services, generated):
            import_services(s, batch, source="hsds", actor="test")
        stored = s.execute(text("SELECT service_area_id, need, service_id, geog::text FROM area_site")).all()
        defined = s.execute(text(_AREA_SITES_FROM_SCRATCH), {"needs": NEEDS_TAXONOMY}).all()
        assert stored and sorted(stored) == sorted(defined)
        s.commit()
