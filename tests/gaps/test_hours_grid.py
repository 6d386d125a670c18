"""`GET /v1/gaps/hours`: services open per hour of a week × need, against grids worked out by hand,
across the autumn and spring clock changes of America/Los_Angeles (the test region's zone)."""

from __future__ import annotations

from datetime import time
from typing import Any

from gap_region import Region
from sqlalchemy import insert

from catalog.tables import Schedule

HERE = (47.60, -122.33)
NEAR = (47.61, -122.33)  # ~1 km away
FAR = (47.60, -121.50)  # ~60 km away
WEEKDAYS = "MO,TU,WE,TH,FR"


def schedule(region: Region, sid: str, freq: str, opens: str, closes: str, **fields: Any) -> None:
    region.session.execute(
        insert(Schedule).values(
            id=f"sched-{sid}-{opens}",
            service_id=sid,
            freq=freq,
            opens_at=time.fromisoformat(opens),
            closes_at=time.fromisoformat(closes),
            **fields,
        )
    )


def grid_of(hours_by_day: list[list[int]]) -> list[list[int]]:
    """A 7 × 24 grid with 1 in the listed hours of each day."""
    return [[1 if h in hours else 0 for h in range(24)] for hours in hours_by_day]


def add(*grids: list[list[int | None]]) -> list[list[int | None]]:
    return [[sum(g[d][h] or 0 for g in grids) for h in range(24)] for d in range(7)]


def hours(client: Any, planner: dict[str, str], **params: Any) -> Any:
    return client.get("/v1/gaps/hours", params=params, headers=planner)


def test_a_week_across_the_autumn_clock_change(client: Any, planner: dict[str, str], region: Region) -> None:
    # Weekdays 9-5 in the region's own time: the same wall-clock hours before and after the change.
    office = region.service("Day crisis line", HERE, ["crisis"])
    schedule(region, office, "WEEKLY", "09:00", "17:00", byday=WEEKDAYS)
    # Nightly 20:00-02:00 written at UTC-7 (summer time): from Sunday on, that is 19:00-01:00 local.
    night = region.service("Night crisis team", NEAR, ["crisis"])
    schedule(region, night, "DAILY", "20:00", "02:00", time_offset_minutes=-420)
    # Open all Sunday (00:00-00:00 is around the clock), a 25-hour day this week.
    sunday = region.service("Sunday drop-in", HERE, ["crisis"])
    schedule(region, sunday, "WEEKLY", "00:00", "00:00", byday="SU")
    region.service("Crisis team with no hours", HERE, ["crisis"])
    far = region.service("Far 24/7 centre", FAR, ["crisis"])
    schedule(region, far, "DAILY", "00:00", "00:00")
    region.commit()

    # The week from Thursday 29 October 2026; clocks fall back on Sunday 1 November at 02:00.
    r = hours(client, planner, need="crisis", lat=HERE[0], lon=HERE[1], radius_km=5, **{"from": "2026-10-29"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["timezone"] == "America/Los_Angeles"
    assert [d["weekday"][:3] for d in body["days"]] == ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    crisis = body["needs"][0]
    assert (crisis["need"], crisis["label"], crisis["services"], crisis["hours_unknown"]) == (
        "crisis",
        "Crisis care",
        4,
        1,
    )

    office_hours = list(range(9, 17))
    expected_office = grid_of([office_hours, office_hours, [], [], office_hours, office_hours, office_hours])
    evening, summer_night, winter_night = [20, 21, 22, 23], [0, 1], [0]
    expected_night = grid_of(
        [
            summer_night + evening,  # Thu: Wednesday's opening until 02:00, then 20:00 on
            summer_night + evening,  # Fri
            summer_night + evening,  # Sat
            # Sun: Saturday's opening ends 02:00 summer time = 01:00 winter time, inside the long hour 1;
            # Sunday's opens 20:00 UTC-7 = 19:00 local.
            summer_night + [19, *evening],
            winter_night + [19, *evening],  # Mon: until 01:00 local (02:00 UTC-7)
            winter_night + [19, *evening],  # Tue
            winter_night + [19, *evening],  # Wed
        ]
    )
    expected_sunday = grid_of([[], [], [], list(range(24)), [], [], []])
    assert crisis["open"] == add(expected_office, expected_night, expected_sunday)

    # Nothing open Thursday 02:00-09:00 first; the longest gap runs from Saturday 02:00 to Saturday 20:00.
    first = crisis["none_open"][0]
    assert (first["from"], first["to"], first["hours"]) == ("2026-10-29T02:00:00", "2026-10-29T09:00:00", 7)
    assert first["text"] == "Thu 2026-10-29 02:00 to Thu 2026-10-29 09:00"
    assert ("2026-10-31T02:00:00", "2026-10-31T20:00:00", 18) in [
        (g["from"], g["to"], g["hours"]) for g in crisis["none_open"]
    ]
    zero_hours = sum(1 for day in crisis["open"] for count in day if count == 0)
    assert crisis["none_open_hours"] == zero_hours == sum(g["hours"] for g in crisis["none_open"])


def test_the_hour_the_clock_skips_is_not_a_gap(client: Any, planner: dict[str, str], region: Region) -> None:
    always = region.service("24/7 crisis centre", HERE, ["crisis"])
    schedule(region, always, "DAILY", "00:00", "00:00")
    region.service("Shelter without hours", HERE, ["shelter"])
    region.commit()
    # Clocks spring forward on Sunday 14 March 2027 at 02:00: that day has no hour 2.
    body = hours(client, planner, need="crisis,shelter", lat=HERE[0], lon=HERE[1], **{"from": "2027-03-14"}).json()
    crisis, shelter = body["needs"]
    expected = [[1] * 24 for _ in range(7)]
    expected[0][2] = None
    assert crisis["open"] == expected and crisis["none_open"] == [] and crisis["none_open_hours"] == 0
    # A need with one service whose hours nobody knows: every hour is named as uncovered, once.
    assert shelter["services"] == 1 and shelter["hours_unknown"] == 1
    assert shelter["none_open"] == [
        {
            "from": "2027-03-14T00:00:00",
            "to": "2027-03-21T00:00:00",
            "hours": 167,
            "text": "Sun 2027-03-14 00:00 to Sun 2027-03-21 00:00",
        }
    ]


def test_a_named_area(client: Any, planner: dict[str, str], region: Region) -> None:
    inside = region.service("Inside", HERE, ["food"])
    # 12:30-13:15 touches two hours: an hour counts a service open at any moment of it.
    schedule(region, inside, "WEEKLY", "12:30", "13:15", byday="MO")
    outside = region.service("Outside", FAR, ["food"])
    schedule(region, outside, "DAILY", "00:00", "00:00")
    region.commit()
    lat, lon = HERE
    area = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "downtown",
                "properties": {"name": "Downtown"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [lon - 0.05, lat - 0.05],
                            [lon + 0.05, lat - 0.05],
                            [lon + 0.05, lat + 0.05],
                            [lon - 0.05, lat + 0.05],
                            [lon - 0.05, lat - 0.05],
                        ]
                    ],
                },
            }
        ],
    }
    from catalog.areas import import_named_areas

    import_named_areas(region.session, area)
    region.session.commit()
    body = hours(client, planner, need="food", area="downtown", **{"from": "2026-11-02"}).json()
    assert body["area"] == {"id": "downtown", "name": "Downtown"}
    food = body["needs"][0]
    assert food["services"] == 1 and food["open"] == grid_of([[12, 13], [], [], [], [], [], []])


def test_bad_requests_name_the_field(client: Any, planner: dict[str, str], make_key: Any) -> None:
    for params, field in [
        ({}, "area"),
        ({"lat": "47.6"}, "lon"),
        ({"lat": "47.6", "lon": "-122.3", "need": "beds"}, "need"),
        ({"lat": "47.6", "lon": "-122.3", "radius_km": "-1"}, "radius_km"),
        ({"lat": "47.6", "lon": "-122.3", "from": "next week"}, "from"),
        ({"area": "x", "lat": "47.6", "lon": "-122.3"}, "area"),
        ({"radius_km": "3", "area": "x"}, "radius_km"),
    ]:
        r = hours(client, planner, **params)
        assert r.status_code == 422, (params, r.text)
        assert r.json()["errors"][0]["field"] == field, params
    assert hours(client, planner, area="nowhere").status_code == 404
    case_manager = make_key("case_manager")
    assert hours(client, case_manager, lat=47.6, lon=-122.3).status_code == 403
