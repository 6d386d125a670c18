"""The bundled sample region (data/sample/king-county.json) is what `divert demo` loads.

These checks guard what a demo relies on: every need is met somewhere, places are really in King
County, every capacity pool is well formed, the tricky cases (program pools, stale reports,
untracked services, mobile teams, overnight and monthly hours) are all present, the file is exactly
what the generator writes, and it imports cleanly through the real API.
"""

from __future__ import annotations

import json
import math
import pathlib
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime, time
from functools import cache
from typing import Any

import pytest
import zipcodes

from matcher.pools import Freshness, Pool, is_stale, offerable_units
from matcher.vocabulary import ELIGIBILITY_TERMS, INFORMATIONAL_TERMS, INTERCEPTS, NEEDS, PATHWAYS

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "king-county.json"
GENERATOR = ROOT / "scripts" / "make_sample_region.py"

# The scenarios ask their questions at this time; the sample's reports are dated two hours before it.
DEMO_AT = datetime.fromisoformat("2026-11-22T20:00:00-08:00")
PROGRAM = "lead-kc"
# A generous box around King County, WA.
LAT_RANGE = (47.0, 47.8)
LON_RANGE = (-122.6, -121.0)
# Needs whose services rarely track capacity: each must have at least one untracked service.
UNTRACKED_NEEDS = (
    "food",
    "clothing",
    "legal",
    "id_documents",
    "benefits",
    "employment",
    "education",
    "transportation",
    "harm_reduction",
    "health_care",
    "peer_support",
    "case_management",
    "mental_health",
)
# Needs whose services usually count beds or appointments: each must have a tracked service.
TRACKED_NEEDS = ("shelter", "housing", "withdrawal_management", "moud", "sud_treatment", "crisis", "mental_health")
SAMPLE_NOTE = "Sample data: a fictional listing"


@cache
def catalog() -> list[dict[str, Any]]:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def terms(service: dict[str, Any], taxonomy: str) -> dict[str, str | None]:
    return {
        a["taxonomy_term"]["code"]: a.get("value")
        for a in service["attributes"]
        if a["taxonomy_term"]["taxonomy"] == taxonomy
    }


def needs_of(service: dict[str, Any]) -> set[str]:
    return set(terms(service, "divert-needs"))


def locations(service: dict[str, Any]) -> list[dict[str, Any]]:
    return [sal["location"] for sal in service["service_at_locations"]]


def as_pool(capacity: dict[str, Any]) -> Pool:
    return Pool(
        id=capacity["id"],
        unit=capacity["unit"]["id"],
        available=capacity["available"],
        updated=datetime.fromisoformat(capacity["updated"]),
        maximum=capacity["maximum"],
        waitlist=capacity["waitlist"],
        reserved_for=tuple(capacity["reserved_for"]),
    )


def all_pools() -> list[dict[str, Any]]:
    return [c for s in catalog() for c in s["capacities"]]


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlat = math.radians(b[0] - a[0])
    dlon = math.radians(b[1] - a[1])
    h = math.sin(dlat / 2) ** 2 + math.cos(math.radians(a[0])) * math.cos(math.radians(b[0])) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


# --- size and coverage --------------------------------------------------------------------------


def test_a_county_sized_catalog_of_many_organizations() -> None:
    services = catalog()
    organizations = {s["organization"]["id"] for s in services}
    assert len(services) >= 150
    assert 60 <= len(organizations) <= 90
    assert SAMPLE.stat().st_size < 3_000_000


def test_every_need_of_the_profile_is_met_somewhere() -> None:
    met = Counter(n for s in catalog() for n in needs_of(s))
    assert set(met) == set(NEEDS), set(NEEDS) - set(met)
    # Several needs per service where natural (a detox that also starts MOUD).
    assert sum(1 for s in catalog() if len(needs_of(s)) > 1) >= 60


def test_every_intercept_and_eligibility_term_is_exercised() -> None:
    intercepts = {code for s in catalog() for code in terms(s, "sim-intercept")}
    assert intercepts == {str(i) for i in INTERCEPTS}
    pathways = {code for s in catalog() for code in terms(s, "deflection-pathway")}
    assert pathways == set(PATHWAYS)
    used = Counter(code for s in catalog() for code in terms(s, "divert-eligibility"))
    assert set(used) == ELIGIBILITY_TERMS | INFORMATIONAL_TERMS
    assert used["excludes_moud"] >= 2 and used["religious_participation_required"] >= 2
    assert used["sobriety_required"] >= 3


def test_eligibility_values_follow_the_profile() -> None:
    for s in catalog():
        for code, value in terms(s, "divert-eligibility").items():
            if code in ("genders", "insurance"):
                assert value and re.fullmatch(r"[a-z_]+(,[a-z_]+)*", value), (s["name"], code, value)
            else:
                assert value == "true", (s["name"], code, value)
        low, high = s.get("minimum_age"), s.get("maximum_age")
        if low is not None and high is not None:
            assert low <= high, s["name"]
    youth = [s for s in catalog() if s.get("maximum_age") == 24 and "shelter" in needs_of(s)]
    assert youth, "a young adult shelter (18-24)"


def test_ids_are_unique_and_shared_objects_are_identical() -> None:
    seen: dict[str, str] = {}

    def claim(kind: str, object_id: str) -> None:
        assert seen.setdefault(object_id, kind) == kind, f"{kind} id {object_id} reused"

    shared: dict[str, str] = {}  # organizations and locations appear under several services
    for s in catalog():
        claim("service", s["id"])
        for key in ("attributes", "capacities", "schedules", "languages", "phones", "service_areas"):
            for item in s.get(key, []):
                claim(key, item["id"])
        for sal in s["service_at_locations"]:
            claim("service_at_location", sal["id"])
            assert sal["service_id"] == s["id"] and sal["location_id"] == sal["location"]["id"]
        for obj in [s["organization"], *locations(s)]:
            text = json.dumps(obj, sort_keys=True)
            assert shared.setdefault(obj["id"], text) == text, f"{obj['id']} differs between services"
        assert s["organization_id"] == s["organization"]["id"]
        assert all(a["link_id"] == s["id"] for a in s["attributes"])
    ids = [s["id"] for s in catalog()]
    assert len(ids) == len(set(ids))
    names = [s["name"] for s in catalog()]
    assert len(names) == len(set(names)), "service names are unique so demos can name them"
    sites: dict[str, set[str]] = {}
    for s in catalog():
        for loc in locations(s):
            sites.setdefault(loc["name"], set()).add(loc["id"])
    assert all(len(ids) == 1 for ids in sites.values()), "one location per site name"


# --- places -----------------------------------------------------------------------------------


def test_every_site_is_in_king_county_near_its_zip() -> None:
    for s in catalog():
        for loc in locations(s):
            lat, lon = loc["latitude"], loc["longitude"]
            assert LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1], loc["name"]
            (address,) = loc["addresses"]
            assert address["state_province"] == "WA" and address["country"] == "US"
            assert re.fullmatch(r"\d{3,5} .+", address["address_1"]), address
            (zip_info,) = zipcodes.matching(address["postal_code"])
            assert zip_info["county"] == "King County", address
            centroid = (float(zip_info["lat"]), float(zip_info["long"]))
            assert km_between((lat, lon), centroid) < 10, (loc["name"], address["postal_code"])


def test_service_areas_are_neighbourhood_polygons_for_mobile_teams() -> None:
    mobile = [s for s in catalog() if s.get("service_areas")]
    assert len(mobile) >= 3
    for s in mobile:
        for area in s["service_areas"]:
            assert area["extent_type"] == "geojson"
            extent = json.loads(area["extent"])
            assert extent["type"] == "Polygon"
            (ring,) = extent["coordinates"]
            assert len(ring) >= 4 and ring[0] == ring[-1]
            for lon, lat in ring:
                assert LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]
            # The team's base lies inside (or at the edge of) the area it covers.
            lons, lats = [p[0] for p in ring], [p[1] for p in ring]
            for loc in locations(s):
                assert min(lats) - 0.02 <= loc["latitude"] <= max(lats) + 0.02, s["name"]
                assert min(lons) - 0.02 <= loc["longitude"] <= max(lons) + 0.02, s["name"]


# --- capacity ---------------------------------------------------------------------------------


def test_every_pool_is_well_formed() -> None:
    for s in catalog():
        site_ids = {loc["id"] for loc in locations(s)}
        for c in s["capacities"]:
            assert c["service_id"] == s["id"] and c["description"]
            assert c["unit"]["id"] and c["unit"]["name"]
            assert isinstance(c["available"], int) and c["available"] >= 0
            assert isinstance(c["maximum"], int) and c["maximum"] >= c["available"]
            assert isinstance(c["waitlist"], int) and c["waitlist"] >= 0
            assert all(isinstance(p, str) and p for p in c["reserved_for"])
            assert c["location_id"] in site_ids
            updated = datetime.fromisoformat(c["updated"])
            assert updated.utcoffset() is not None and updated <= DEMO_AT


def test_units_are_beds_slots_and_appointments_mostly() -> None:
    units = Counter(c["unit"]["id"] for c in all_pools())
    assert units["bed"] >= 30 and units["appointment"] >= 8 and units["slot"] >= 4
    assert set(units) - {"bed", "slot", "appointment"}, "at least one other unit (default time-to-live)"


def test_program_pools_for_the_lead_program() -> None:
    program = [c for c in all_pools() if c["reserved_for"]]
    assert all(c["reserved_for"] == [PROGRAM] for c in program)
    services = {c["service_id"] for c in program}
    assert 6 <= len(services) <= 12
    pools = [as_pool(c) for c in program]
    assert any(offerable_units(p, PROGRAM) > 0 for p in pools)
    assert any(p.available == 0 for p in pools), "a program pool that is itself full"
    assert all(offerable_units(p, None) == 0 for p in pools), "nobody else may use purchased units"


def test_public_pools_cover_open_full_and_waitlist_cases() -> None:
    fresh = [
        as_pool(c) for c in all_pools() if not c["reserved_for"] and not is_stale(as_pool(c), DEMO_AT, Freshness())
    ]
    assert sum(1 for p in fresh if offerable_units(p, None) > 0) >= 20
    assert any(p.available == 0 for p in fresh)
    owed = [p for p in fresh if p.available > 0 and offerable_units(p, None) == 0]
    assert len(owed) >= 2, "units reported but all owed to the wait list"
    assert any(p.waitlist > 0 and offerable_units(p, None) > 0 for p in fresh)


def test_most_reports_are_recent_and_some_are_stale() -> None:
    pools = [as_pool(c) for c in all_pools()]
    stale = [p for p in pools if is_stale(p, DEMO_AT, Freshness())]
    assert len(stale) <= len(pools) // 4
    assert any(offerable_units(p, None) > 0 for p in stale), "stale with open units: unconfirmed"
    assert any(p.available == 0 for p in stale), "stale with no units: treated as full"
    assert {p.unit for p in stale} >= {"bed", "appointment"}
    recent = [p for p in pools if (DEMO_AT - p.updated).total_seconds() <= 8 * 3600]
    assert len(recent) >= len(pools) // 2


def test_untracked_services_for_the_needs_nobody_counts() -> None:
    for need in UNTRACKED_NEEDS:
        assert any(need in needs_of(s) and not s["capacities"] for s in catalog()), need
    for need in TRACKED_NEEDS:
        assert any(need in needs_of(s) and s["capacities"] for s in catalog()), need


# --- hours, status and the fictional markers -------------------------------------------------


def test_hours_cover_around_the_clock_overnight_monthly_and_unknown() -> None:
    rules = [r for s in catalog() for r in s["schedules"]]
    for r in rules:
        time.fromisoformat(r["opens_at"])
        time.fromisoformat(r["closes_at"])
        assert r["freq"] in ("WEEKLY", "MONTHLY")
    assert any(r["byday"] == "MO,TU,WE,TH,FR,SA,SU" and r["opens_at"] == "00:00" for r in rules)
    assert any(time.fromisoformat(r["closes_at"]) < time.fromisoformat(r["opens_at"]) for r in rules)
    assert any(r["freq"] == "MONTHLY" and re.fullmatch(r"-?\d(MO|TU|WE|TH|FR|SA|SU)(,.+)?", r["byday"]) for r in rules)
    assert any(not s["schedules"] for s in catalog() if s["status"] == "active")


def test_status_languages_and_assurance() -> None:
    statuses = Counter(s["status"] for s in catalog())
    assert set(statuses) == {"active", "inactive"} and 1 <= statuses["inactive"] <= 3
    codes = Counter(lang["code"] for s in catalog() for lang in s["languages"])
    assert set(codes) >= {"en", "es", "vi", "so", "zh", "am", "ru", "ko", "tl"}
    assert sum(1 for s in catalog() if len(s["languages"]) > 1) >= 60
    assert sum(1 for s in catalog() if s.get("assured_date")) >= len(catalog()) * 3 // 4


def test_everything_is_marked_fictional() -> None:
    for s in catalog():
        assert SAMPLE_NOTE in s["description"] and SAMPLE_NOTE in s["organization"]["description"]
        assert s["email"].endswith("@example.org") and s["url"].startswith("https://example.org/")
        assert s["organization"]["website"].startswith("https://example.org/")
        phones = [p["number"] for p in s["phones"]]
        phones += [p["number"] for loc in locations(s) for p in loc["phones"]]
        assert all(re.fullmatch(r"\d{3}-555-01\d\d", n) for n in phones), phones


# --- the generator ------------------------------------------------------------------------------


def test_the_committed_file_is_exactly_what_the_generator_writes(tmp_path: pathlib.Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for out in (first, second):
        subprocess.run([sys.executable, str(GENERATOR), "--out", str(out)], check=True, cwd=tmp_path)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() == SAMPLE.read_bytes(), "regenerate: python scripts/make_sample_region.py"
    check = subprocess.run([sys.executable, str(GENERATOR), "--check", "--out", str(SAMPLE)], cwd=tmp_path)
    assert check.returncode == 0


def test_the_file_is_sorted_and_indented_by_one_space() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert text == json.dumps(catalog(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


# --- through the real API -------------------------------------------------------------------------


def test_the_sample_region_imports_cleanly_and_reimports_unchanged(app, import_catalog) -> None:  # type: ignore[no-untyped-def]
    if "/v1/import/hsds" not in app.openapi().get("paths", {}):
        pytest.skip("POST /v1/import/hsds is not built yet")
    first = import_catalog(catalog())
    assert first.get("created", 0) >= len(catalog()), first
    again = import_catalog(catalog())
    assert again.get("created") == 0 and again.get("updated") == 0, again


def test_the_demo_evening_downtown_meets_every_need(app, client, import_catalog, make_key) -> None:  # type: ignore[no-untyped-def]
    """What the demo promises: in Pioneer Square on the reference evening every need has an option,
    and the LEAD program gets its purchased beds first."""
    paths = app.openapi().get("paths", {})
    if "/v1/import/hsds" not in paths or "/v1/match" not in paths:
        pytest.skip("import or match is not built yet")
    import_catalog(catalog())
    headers = make_key("case_manager")
    needs = sorted(NEEDS)
    answers: dict[str, dict[str, Any]] = {}
    for part in (needs[:10], needs[10:]):  # a request names at most 10 needs
        body = {
            "location": {"postcode": "98104"},
            "needs": part,
            "at": DEMO_AT.isoformat(),
            "program": PROGRAM,
            "limit": 5,
        }
        r = client.post("/v1/match", json=body, headers=headers)
        assert r.status_code == 200, r.text
        answers.update({entry["need"]: entry for entry in r.json()["needs"]})
    assert set(answers) == set(NEEDS)
    for need, entry in answers.items():
        assert entry["options"], (need, entry["gap"])
    # Purchased beds first (R3): the first shelter option rests on a program pool, and no program
    # option comes after a public or untracked one.
    pools = [o["capacity"]["pool"] for o in answers["shelter"]["options"]]
    assert pools[0] == "program", pools
    assert pools == sorted(pools, key=lambda pool: pool != "program"), pools
