"""What the pages read from the directory: the deployment's configuration and places' coordinates."""

from __future__ import annotations

from typing import Any

PLACE = {
    "id": "svc-p",
    "name": "Harbor shelter",
    "status": "active",
    "organization": {"id": "org-p", "name": "Harbor"},
    "service_at_locations": [
        {"id": "sal-p", "location": {"id": "loc-p", "name": "Harbor house", "latitude": 47.61, "longitude": -122.33}}
    ],
}


def test_config_says_where_the_region_is(client: Any, import_catalog: Any) -> None:
    config = client.get("/v1/config").json()
    assert "shelter" in config["needs"] and config["map_centre"] is None and config["tile_url"] is None
    import_catalog([PLACE])
    config = client.get("/v1/config").json()
    assert config["map_centre"] == {"lat": 47.61, "lon": -122.33}
    assert client.get("/web/config.json").json() == config


def test_places_answer_coordinates_by_id(client: Any, import_catalog: Any, app: Any, make_key: Any) -> None:
    import_catalog([PLACE])
    r = client.get("/v1/places", params={"ids": "sal-p,nope,sal-p"})
    assert r.status_code == 200 and r.json() == {"sal-p": {"lat": 47.61, "lon": -122.33, "phone": None}}
    assert client.get("/web/places.json", params={"ids": "sal-p"}).json() == r.json()
    r = client.get("/v1/places", params={"ids": ",".join(f"s{i}" for i in range(101))})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ids"
    assert client.get("/v1/places").status_code == 422
    # Scoped like every HSDS read: a closed directory needs a key.
    app.state.settings = app.state.settings.model_copy(update={"public_read": False})
    assert client.get("/v1/places", params={"ids": "sal-p"}).status_code == 401
    assert client.get("/v1/places", params={"ids": "sal-p"}, headers=make_key("operator")).status_code == 200


def test_a_place_answers_the_number_to_call_there(client: Any, import_catalog: Any) -> None:
    """The match option's call link: the place's own number, else the location's, the service's, the
    organization's."""
    with_phones = {
        **PLACE,
        "phones": [{"id": "ph-svc", "number": "206-555-0100"}],
        "organization": {**PLACE["organization"], "phones": [{"id": "ph-org", "number": "206-555-0199"}]},
    }
    import_catalog([with_phones])
    assert client.get("/v1/places", params={"ids": "sal-p"}).json()["sal-p"]["phone"] == "206-555-0100"
    own = {
        **with_phones,
        "service_at_locations": [
            {**PLACE["service_at_locations"][0], "phones": [{"id": "ph-sal", "number": "206-555-0123"}]}
        ],
    }
    import_catalog([own])
    assert client.get("/v1/places", params={"ids": "sal-p"}).json()["sal-p"]["phone"] == "206-555-0123"
