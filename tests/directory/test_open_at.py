"""`open_at`: hours judged by matcher.hours at an instant, across DST, past midnight, and by ordinal rules."""

from __future__ import annotations

from typing import Any

import pytest
from directory_factories import Place, ServiceSpec, offset, write_catalog

HOURS = [
    ServiceSpec(
        id="weekday",
        name="Weekday clinic",
        needs=["health_care"],
        places=[Place(*offset(1, 0))],
        schedules=[{"byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "17:00"}],
    ),
    ServiceSpec(
        id="overnight",
        name="Saturday night shelter",
        needs=["shelter"],
        places=[Place(*offset(2, 0))],
        schedules=[{"byday": "SA", "opens_at": "22:00", "closes_at": "06:00"}],
    ),
    ServiceSpec(
        id="second-tuesday",
        name="Second Tuesday legal clinic",
        needs=["legal"],
        places=[Place(*offset(3, 0))],
        schedules=[{"freq": "MONTHLY", "byday": "2TU", "opens_at": "10:00", "closes_at": "14:00"}],
    ),
    ServiceSpec(
        id="last-friday",
        name="Last Friday ID drive",
        needs=["id_documents"],
        places=[Place(*offset(4, 0))],
        schedules=[{"freq": "MONTHLY", "byday": "-1FR", "opens_at": "10:00", "closes_at": "14:00"}],
    ),
    ServiceSpec(id="unknown", name="Drop-in without listed hours", needs=["food"], places=[Place(*offset(5, 0))]),
    # The service keeps weekday hours, but this site opens only on Sundays (the place's own hours win).
    ServiceSpec(
        id="sunday-site",
        name="Sunday meals",
        needs=["food"],
        schedules=[{"byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "17:00"}],
        places=[Place(*offset(6, 0), schedules=[{"byday": "SU", "opens_at": "11:00", "closes_at": "13:00"}])],
    ),
]


@pytest.fixture
def hours_catalog(db: Any) -> None:
    write_catalog(db, HOURS)


def open_ids(client: Any, at: str, path: str = "/v1/services") -> dict[str, str]:
    r = client.get(path, params={"open_at": at, "per_page": 100})
    assert r.status_code == 200, r.text
    key = "id" if path == "/v1/services" else "service_id"
    return {item[key]: item["open_at_status"] for item in r.json()["contents"]}


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        # 16:30 UTC is 09:30 on Friday before DST ends (PDT, UTC-7) but 08:30 on Monday after (PST, UTC-8).
        ("2026-10-30T16:30:00Z", True),
        ("2026-11-02T16:30:00Z", False),
        ("2026-11-02T17:30:00Z", True),
        ("2026-11-02T09:30:00", True),  # no offset: the region's time zone
    ],
)
def test_weekday_hours_across_dst(client: Any, hours_catalog: None, at: str, is_open: bool) -> None:
    assert ("weekday" in open_ids(client, at)) is is_open


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        ("2026-10-31T21:59:00-07:00", False),
        ("2026-10-31T23:00:00-07:00", True),
        # DST ends at 02:00 inside this opening: 05:30 PST is 13:30 UTC, still the Saturday night opening.
        ("2026-11-01T13:30:00Z", True),
        ("2026-11-01T14:30:00Z", False),  # 06:30 PST: closed
        ("2026-11-07T23:30:00-08:00", True),
        ("2026-11-08T07:00:00-08:00", False),
    ],
)
def test_overnight_hours_belong_to_the_day_they_start(client: Any, hours_catalog: None, at: str, is_open: bool) -> None:
    assert ("overnight" in open_ids(client, at)) is is_open


def test_ordinal_monthly_rules(client: Any, hours_catalog: None) -> None:
    assert "second-tuesday" in open_ids(client, "2026-11-10T11:00:00-08:00")
    assert "second-tuesday" not in open_ids(client, "2026-11-17T11:00:00-08:00")
    assert "second-tuesday" not in open_ids(client, "2026-11-03T11:00:00-08:00")
    assert "last-friday" in open_ids(client, "2026-11-27T12:00:00-08:00")
    assert "last-friday" not in open_ids(client, "2026-11-20T12:00:00-08:00")


def test_unknown_hours_are_kept_and_flagged(client: Any, hours_catalog: None) -> None:
    found = open_ids(client, "2026-11-10T11:00:00-08:00")
    assert found["unknown"] == "hours_unknown"
    assert found["second-tuesday"] == "open" and found["weekday"] == "open"
    assert "overnight" not in found


def test_a_places_own_hours_win_over_the_services(client: Any, hours_catalog: None) -> None:
    sunday = "2026-11-08T12:00:00-08:00"
    monday = "2026-11-09T12:00:00-08:00"
    assert "sunday-site" in open_ids(client, sunday, "/v1/service_at_locations")
    assert "sunday-site" not in open_ids(client, monday, "/v1/service_at_locations")
    # The service as a whole keeps its own weekday hours.
    assert "sunday-site" in open_ids(client, monday)


def test_open_at_pages_and_streams_alike(client: Any, hours_catalog: None) -> None:
    at = "2026-11-10T11:00:00-08:00"
    page = client.get("/v1/services", params={"open_at": at, "per_page": 2}).json()
    assert page["total_items"] == 4 and page["total_pages"] == 2 and page["size"] == 2
    lines = client.get("/v1/services", params={"open_at": at, "format": "ndjson"}).text.strip().splitlines()
    assert len(lines) == 4
