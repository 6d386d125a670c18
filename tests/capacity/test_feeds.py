"""Polled capacity feeds against a local HTTP server: conditional GET, backoff, recovery, bad items."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from capacity_factories import ORG_A, ORG_B, hours_ago


def register(client, headers, url, **body):  # type: ignore[no-untyped-def]
    r = client.post("/v1/feeds", json={"url": url, **body}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def item(capacity_id: str, available: float, updated: datetime, **extra):  # type: ignore[no-untyped-def]
    return {
        "id": capacity_id,
        "service_id": "svc",
        "unit": {"id": "bed", "name": "Bed"},
        "available": available,
        "updated": updated.isoformat(),
        **extra,
    }


def feed_health(client, keys, feed_id):  # type: ignore[no-untyped-def]
    return client.get(f"/v1/feeds/{feed_id}", headers=keys["provider_a"]).json()


def test_feed_polled_then_not_modified_then_failing_with_backoff_then_recovered(
    client, make_pool, keys, feed_server, feed_settings
):
    from api.capacity.feeds import poll_due_feeds

    base, script = feed_server
    make_pool("cap-1", available=0, updated=hours_ago(5))
    script.serve("/capacity.json", body=[item("cap-1", 4, hours_ago(1))], etag='"v1"')
    feed = register(client, keys["provider_a"], base + "/capacity.json", interval_seconds=60)
    assert feed["organization_id"] == ORG_A and feed["status"] == "pending"

    # 1. First poll: applied, through the same conditional update as a push, as source "feed".
    t0 = datetime.now(UTC) + timedelta(seconds=1)
    outcomes = poll_due_feeds(feed_settings, t0)
    assert [o["outcome"] for o in outcomes] == ["polled"]
    assert client.get("/v1/capacity/cap-1", headers=keys["admin"]).json()["available"] == 4
    history = client.get("/v1/capacity/cap-1/history", headers=keys["admin"]).json()["contents"]
    assert history[0]["source"] == "feed" and history[0]["actor"] == f"feed:{feed['id']}"
    health = feed_health(client, keys, feed["id"])
    assert health["status"] == "ok" and health["last_result"]["applied"] == 1
    assert datetime.fromisoformat(health["next_poll_at"]) == t0 + timedelta(seconds=60)

    # Not due yet: nothing happens.
    assert poll_due_feeds(feed_settings, t0 + timedelta(seconds=30)) == []

    # 2. Conditional GET: the server answers 304 to the stored ETag.
    t1 = t0 + timedelta(seconds=60)
    assert [o["outcome"] for o in poll_due_feeds(feed_settings, t1)] == ["not_modified"]
    assert script.requests[-1]["if_none_match"] == '"v1"'
    health = feed_health(client, keys, feed["id"])
    assert health["last_result"]["not_modified"] is True and health["consecutive_failures"] == 0

    # 3. The provider's server fails: each failure pushes the next poll further out.
    script.serve("/capacity.json", status=500, body={"oops": True})
    now, delays = t1, []
    for failures in (1, 2, 3):
        now = datetime.fromisoformat(feed_health(client, keys, feed["id"])["next_poll_at"])
        assert [o["outcome"] for o in poll_due_feeds(feed_settings, now)] == ["failed"]
        health = feed_health(client, keys, feed["id"])
        assert health["consecutive_failures"] == failures and health["status"] == "failing"
        assert "HTTP 500" in health["last_error"] and health["last_result"]["http_status"] == 500
        delays.append(datetime.fromisoformat(health["next_poll_at"]) - now)
    assert delays[0] < delays[1] < delays[2]
    assert timedelta(seconds=90) <= delays[0] < timedelta(seconds=120)  # 60 s × 2, jitter in [0.75, 1)
    listed = client.get("/v1/feeds", headers=keys["provider_a"]).json()["contents"]
    assert listed[0]["consecutive_failures"] == 3

    # 4. Recovered: new data applies, failures reset, the error stays visible for the record.
    script.serve("/capacity.json", body={"service_capacity": [item("cap-1", 2, hours_ago(0.5))]}, etag='"v2"')
    now = datetime.fromisoformat(feed_health(client, keys, feed["id"])["next_poll_at"])
    assert [o["outcome"] for o in poll_due_feeds(feed_settings, now)] == ["polled"]
    health = feed_health(client, keys, feed["id"])
    assert health["consecutive_failures"] == 0 and health["status"] == "ok"
    assert health["last_success_at"] == now.isoformat() and health["last_error"]
    assert client.get("/v1/capacity/cap-1", headers=keys["admin"]).json()["available"] == 2


def test_bad_feed_items_are_rejected_with_reasons_while_good_ones_apply(
    client, make_pool, keys, feed_server, feed_settings
):
    from api.capacity.feeds import poll_due_feeds

    base, script = feed_server
    make_pool("good", available=0, updated=hours_ago(5))
    make_pool("newer", available=7, updated=hours_ago(1))
    make_pool("capped", available=0, maximum=5, updated=hours_ago(5))
    make_pool("other-org", org=ORG_B)
    future = datetime.now(UTC) + timedelta(days=1)
    script.serve(
        "/feed",
        body={
            "capacities": [
                item("good", 3, hours_ago(2), waitlist=1),
                item("newer", 0, hours_ago(3)),  # older than stored: recorded, not applied
                {"available": 1, "updated": hours_ago(1).isoformat()},  # no id
                item("good", -1, hours_ago(1)),
                {"id": "good", "available": 1, "updated": "2026-01-01T10:00:00"},  # no UTC offset
                item("missing", 1, hours_ago(1)),
                item("other-org", 1, hours_ago(1)),
                item("good", 1, future),
                item("capped", 9, hours_ago(1)),
                "garbage",
            ]
        },
    )
    feed = register(client, keys["provider_a"], base + "/feed")
    [outcome] = poll_due_feeds(feed_settings, datetime.now(UTC) + timedelta(seconds=1))
    assert (outcome["outcome"], outcome["applied"], outcome["not_applied"], outcome["rejected"]) == ("polled", 1, 1, 8)
    result = feed_health(client, keys, feed["id"])["last_result"]
    reasons = {r["index"]: r["reasons"][0] for r in result["rejections"]}
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert reasons[2]["field"] == "id" and reasons[3]["field"] == "available"
    assert reasons[4]["field"] == "updated" and "no capacity pool" in reasons[5]["message"]
    assert "another organization" in reasons[6]["message"] and "future" in reasons[7]["message"]
    assert "maximum" in reasons[8]["message"] and reasons[9]["field"] == "item"
    good = client.get("/v1/capacity/good", headers=keys["admin"]).json()
    assert (good["available"], good["waitlist"]) == (3, 1)
    assert client.get("/v1/capacity/newer", headers=keys["admin"]).json()["available"] == 7
    assert client.get("/v1/capacity/other-org", headers=keys["admin"]).json()["available"] == 1
    newer_history = client.get("/v1/capacity/newer/history", headers=keys["admin"]).json()["contents"]
    assert [(h["source"], h["applied"]) for h in newer_history] == [("feed", False)]


def test_garbage_and_hanging_feeds_fail_alone(client, make_pool, keys, feed_server, feed_settings):
    from api.capacity.feeds import poll_due_feeds

    base, script = feed_server
    make_pool("cap-1", available=0, updated=hours_ago(5))
    script.serve("/ok", body=[item("cap-1", 6, hours_ago(1))])
    script.serve("/hang", body=[], delay=10.0)  # far longer than the 1 s timeout
    script.serve("/html", raw=b"<html>not json</html>")
    script.serve("/object", body={"rows": []})
    paths = ("/hang", "/html", "/object", "/ok")
    feeds = {path: register(client, keys["admin"], base + path)["id"] for path in paths}
    started = time.monotonic()
    due = datetime.now(UTC) + timedelta(seconds=1)
    outcomes = {o["feed_id"]: o for o in poll_due_feeds(feed_settings, due)}
    assert time.monotonic() - started < 6  # the hanging feed did not hold the round for its 10 s
    assert outcomes[feeds["/ok"]]["outcome"] == "polled"
    assert client.get("/v1/capacity/cap-1", headers=keys["admin"]).json()["available"] == 6
    errors = {
        path: client.get(f"/v1/feeds/{fid}", headers=keys["admin"]).json()["last_error"] for path, fid in feeds.items()
    }
    assert "timed out" in errors["/hang"] or "longer than" in errors["/hang"]
    assert "not JSON" in errors["/html"]
    assert "array" in errors["/object"]
    assert errors["/ok"] is None


def test_private_targets_are_refused_unless_allowed(client, make_pool, keys, feed_server, settings):
    from api.capacity.feeds import poll_due_feeds

    base, script = feed_server
    make_pool("cap-1", available=0)
    script.serve("/feed", body=[item("cap-1", 5, hours_ago(1))])
    feed = register(client, keys["admin"], base + "/feed")
    strict = settings.model_copy(update={"outbound_allow_loopback": False})
    [outcome] = poll_due_feeds(strict, datetime.now(UTC) + timedelta(seconds=1))
    assert outcome["outcome"] == "failed" and "not a public internet address" in outcome["error"]
    assert script.requests == []  # nothing was sent
    assert client.get("/v1/capacity/cap-1", headers=keys["admin"]).json()["available"] == 0
    assert client.get(f"/v1/feeds/{feed['id']}", headers=keys["admin"]).json()["status"] == "failing"


def test_feed_registration_is_validated(client, keys, make_pool):
    make_pool("cap-1")
    for url, field in (
        ("ftp://example.org/feed", "url"),
        ("not a url", "url"),
        ("https://user:secret@example.org/feed", "url"),
    ):
        r = client.post("/v1/feeds", json={"url": url}, headers=keys["admin"])
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, url
    r = client.post("/v1/feeds", json={"url": "https://example.org/f", "interval_seconds": 5}, headers=keys["admin"])
    assert r.status_code == 422 and "interval_seconds" in r.json()["detail"]
    r = client.post(
        "/v1/feeds", json={"url": "https://example.org/f", "organization_id": "nope"}, headers=keys["curator"]
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "organization_id"


def test_deleted_feed_is_gone(client, keys, make_pool):
    make_pool("cap-1")
    feed = register(client, keys["provider_a"], "https://example.org/feed")
    assert client.delete(f"/v1/feeds/{feed['id']}", headers=keys["provider_a"]).status_code == 204
    assert client.get(f"/v1/feeds/{feed['id']}", headers=keys["provider_a"]).status_code == 404
    assert client.delete(f"/v1/feeds/{feed['id']}", headers=keys["provider_a"]).status_code == 404


def test_the_scheduled_job_polls_under_the_advisory_lock(client, make_pool, keys, feed_server, feed_settings):
    from worker.jobs import scheduled_jobs
    from worker.runner import run_under_lock

    base, script = feed_server
    make_pool("cap-1", available=0, updated=hours_ago(5))
    script.serve("/feed", body=[item("cap-1", 2, hours_ago(1))])
    register(client, keys["admin"], base + "/feed")
    job = next(j for j in scheduled_jobs(feed_settings) if j.name == "capacity.poll_feeds")
    assert run_under_lock(feed_settings, job)
    assert client.get("/v1/capacity/cap-1", headers=keys["admin"]).json()["available"] == 2
