"""The directory over data that came through the real HSDS importer (POST /v1/import/hsds)."""

from __future__ import annotations

from typing import Any


def world_module() -> Any:
    import world  # tests/world.py: the scenarios' world builder, copied from shared/tools

    return world


def test_imported_services_read_back_as_hsds(client: Any, import_catalog: Any) -> None:
    w = world_module()
    services = w.world(
        [
            {
                "name": "Harbor Shelter",
                "at": (1, 1),
                "needs": ["shelter"],
                "elig": {"sobriety_required": True},
                "schedules": [("FR", "20:00", "08:00")],
                "intercepts": [1],
                "languages": ["es"],
                "pools": [{"available": 3, "waitlist": 1, "updated": "2026-11-22T10:00:00-08:00"}],
            },
            {"name": "Outreach Van", "at": (8, 8), "needs": ["harm_reduction"], "area_km": 10},
            {"name": "Cedar Detox", "at": (2, -2), "needs": ["withdrawal_management"]},
        ]
    )
    import_catalog(services)
    sid = w.service_id("Harbor Shelter")
    got = client.get(f"/v1/services/{sid}").json()
    sent = services[0]
    assert got["name"] == sent["name"] and got["organization"]["id"] == sent["organization_id"]
    assert {a["id"] for a in got["attributes"]} == {a["id"] for a in sent["attributes"]}
    assert got["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == "98104"
    assert got["schedules"][0]["byday"] == "FR" and got["schedules"][0]["opens_at"].startswith("20:00")
    # Reported 2026-11-22 (long past a bed's 24 h) with 3 - 1 waiting = 2 units left: unconfirmed (R5).
    assert got["capacities"][0]["waitlist"] == 1 and got["capacities"][0]["status"] == "unconfirmed"
    lat, lon = w.CENTER
    near = client.get("/v1/services", params={"lat": lat, "lon": lon, "radius_km": 4}).json()["contents"]
    reach = {s["name"]: s["reach"] for s in near}
    assert reach == {"Harbor Shelter": "radius", "Cedar Detox": "radius", "Outreach Van": "service_area"}
    found = client.get("/v1/services", params={"search": "shelterr"}).json()["contents"]
    assert [s["name"] for s in found] == ["Harbor Shelter"]
    sober = client.get("/v1/services", params={"active_substance_use": "true"}).json()["contents"]
    assert "Harbor Shelter" not in {s["name"] for s in sober} and len(sober) == 2
    saturday_3am = client.get(
        "/v1/services", params={"open_at": "2026-11-28T03:00:00-08:00", "need": "shelter"}
    ).json()["contents"]
    assert [(s["name"], s["open_at_status"]) for s in saturday_3am] == [("Harbor Shelter", "open")]
