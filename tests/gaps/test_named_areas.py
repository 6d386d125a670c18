"""Named areas: GeoJSON import (all or nothing, idempotent, CLI) and the gap map by named area."""

from __future__ import annotations

import json
from typing import Any

import h3
import pytest
from gap_region import Region, cell_centre, rows_by
from sqlalchemy import text
from typer.testing import CliRunner

from catalog.areas import import_named_areas
from cli.main import app as cli
from divert.errors import ImportFailed

HOME = h3.latlng_to_cell(47.6, -122.3, 7)
FAR = h3.latlng_to_cell(47.6, -121.9, 7)
NOWHERE = h3.latlng_to_cell(46.0, -118.0, 7)


def box(centre: tuple[float, float], half: float) -> list[list[list[float]]]:
    lat, lon = centre
    return [
        [
            [lon - half, lat - half],
            [lon + half, lat - half],
            [lon + half, lat + half],
            [lon - half, lat + half],
            [lon - half, lat - half],
        ]
    ]


def feature(name: str, rings: Any, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"name": name, **properties},
        "geometry": {"type": "Polygon", "coordinates": rings},
    }


def areas() -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            feature("Downtown", box(cell_centre(HOME), 0.05), kind="district"),
            feature("Eastside", box(cell_centre(FAR), 0.05), kind="district", id="east"),
            {
                "type": "Feature",
                "id": "king",
                "properties": {"name": "King County", "kind": "county"},
                "geometry": {"type": "MultiPolygon", "coordinates": [box((47.6, -122.1), 0.4)]},
            },
        ],
    }


def test_import_is_idempotent_and_keeps_names_and_kinds(db):
    with db() as session:
        assert import_named_areas(session, areas()).as_dict() == {"created": 3, "updated": 0, "unchanged": 0}
        session.commit()
        assert import_named_areas(session, areas()).as_dict() == {"created": 0, "updated": 0, "unchanged": 3}
        changed = areas()
        changed["features"][1]["properties"]["name"] = "Eastside and Lakes"  # same id "east"
        assert import_named_areas(session, changed).as_dict() == {"created": 0, "updated": 1, "unchanged": 2}
        session.commit()
        rows = session.execute(text("SELECT id, name, kind FROM named_area ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        ("downtown", "Downtown", "district"),
        ("east", "Eastside and Lakes", "district"),
        ("king", "King County", "county"),
    ]


@pytest.mark.parametrize(
    ("bad", "path"),
    [
        (
            {"type": "Feature", "properties": {"name": "x"}, "geometry": {"type": "Point", "coordinates": [0, 0]}},
            "features[3].geometry",
        ),
        (
            {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": box((1, 1), 1)}},
            "features[3].properties.name",
        ),
        (
            {
                "type": "Feature",
                "properties": {"name": "open"},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
            },
            "features[3].geometry.coordinates[0]",
        ),
        (
            {
                "type": "Feature",
                "properties": {"name": "bow tie"},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            },
            "features[3].geometry",
        ),
        (
            {
                "type": "Feature",
                "properties": {"name": "Downtown"},
                "geometry": {"type": "Polygon", "coordinates": box((1, 1), 1)},
            },
            "features[3].id",
        ),
    ],
)
def test_a_bad_feature_fails_the_whole_import(db, bad, path):
    document = areas()
    document["features"].append(bad)
    with db() as session:
        with pytest.raises(ImportFailed) as failure:
            import_named_areas(session, document)
        session.rollback()
        assert session.execute(text("SELECT count(*) FROM named_area")).scalar() == 0
    assert failure.value.extra["errors"][0]["path"] == path


def test_cli_imports_areas_and_reports_errors_on_one_line(db, tmp_path):
    good = tmp_path / "districts.geojson"
    good.write_text(json.dumps(areas()))
    result = CliRunner().invoke(cli, ["import", "areas", str(good)])
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [feature("", box((0, 0), 1))]}))
    result = CliRunner().invoke(cli, ["import", "areas", str(bad)])
    assert result.exit_code != 0
    assert "bad.geojson: features[0].properties.name: a name is required" in result.output
    missing = CliRunner().invoke(cli, ["import", "areas", str(tmp_path / "nope.geojson")])
    assert missing.exit_code != 0 and "no such file" in missing.output


@pytest.fixture
def districts(db, region: Region) -> None:
    with db() as session:
        import_named_areas(session, areas())
        session.commit()
    sid = region.service("Downtown Shelter", cell_centre(HOME), ["shelter"])
    region.pool(sid, available=4)
    region.events(FAR, "shelter", "none_in_area", 2)
    region.events(HOME, "shelter", "waitlist_only", 1)
    region.events(NOWHERE, "shelter", "none_in_area", 5)
    region.commit()


def test_gap_map_by_named_area(client, make_key, districts):
    body = client.get("/v1/gaps", params={"area": "named"}, headers=make_key("planner")).json()
    assert body["area"] == "named" and body["resolution"] is None
    assert body["unplaced_events"] == 5
    rows = rows_by(body)
    assert {k: r["status"] for k, r in rows.items()} == {
        ("downtown", "shelter", 0): "lacks_capacity",  # open beds, but a request met only wait lists
        ("east", "shelter", 0): "absent",
        ("king", "shelter", 0): "lacks_capacity",  # the county holds both districts' events
    }
    assert rows[("king", "shelter", 0)]["demand"]["total"] == 3
    assert rows[("downtown", "shelter", 0)]["area_name"] == "Downtown"
    assert rows[("downtown", "shelter", 0)]["supply"]["units"]["public"]["open"] == 4


def test_named_area_geojson_carries_the_area_polygon(client, make_key, districts):
    body = client.get("/v1/gaps", params={"area": "named", "format": "geojson"}, headers=make_key("planner")).json()
    shapes = {f["properties"]["area_id"]: f["geometry"] for f in body["features"]}
    assert shapes["king"]["type"] == "MultiPolygon"
    ring = shapes["east"]["coordinates"][0]
    assert ring[0] == ring[-1] and ring[0][0] < -121  # [lon, lat]


def test_sim_by_named_area(client, make_key, districts):
    body = client.get("/v1/gaps/sim", params={"area": "named", "need": "shelter"}, headers=make_key("planner")).json()
    shelter = body["intercepts"][0]["needs"][0]
    assert shelter["areas"] == {"absent": 1, "lacks_capacity": 2, "barriers_only": 0, "sufficient": 0}
    # Region demand counts each event once, placed or not.
    assert shelter["demand"]["total"] == 8
