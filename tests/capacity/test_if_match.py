"""§2.4 If-Match: answers carry the pool's ETag; a PUT whose If-Match no longer matches is 412 with the
current report, so a stale provider tab cannot silently overwrite a newer count."""

from __future__ import annotations

from capacity_factories import hours_ago, report
from sqlalchemy import text


def test_get_and_put_carry_an_etag_that_follows_the_report(client, make_pool, keys):
    make_pool("cap-1", available=3, maximum=10, updated=hours_ago(3))
    first = client.get("/v1/capacity/cap-1", headers=keys["provider_a"])
    assert first.status_code == 200 and first.headers["ETag"].startswith('"')
    again = client.get("/v1/capacity/cap-1", headers=keys["provider_a"])
    assert again.headers["ETag"] == first.headers["ETag"]  # nothing moved
    put = client.put("/v1/capacity/cap-1", json=report(2, hours_ago(1)), headers=keys["provider_a"])
    assert put.status_code == 200
    assert put.headers["ETag"] == put.json()["etag"] != first.headers["ETag"]
    assert client.get("/v1/capacity/cap-1", headers=keys["provider_a"]).headers["ETag"] == put.headers["ETag"]


def test_stale_if_match_is_412_with_the_current_report_and_nothing_written(client, make_pool, keys, db):
    make_pool("cap-1", available=3, maximum=10, updated=hours_ago(3))
    tab_a = client.get("/v1/capacity/cap-1", headers=keys["provider_a"]).headers["ETag"]
    # Another tab (or the feed) reports first.
    other = client.put(
        "/v1/capacity/cap-1",
        json=report(0, hours_ago(2)),
        headers=keys["provider_a"],
    )
    assert other.status_code == 200 and other.json()["applied"] is True
    # The first tab, still showing 3, sends a newer-dated count with its old tag.
    stale = client.put(
        "/v1/capacity/cap-1", json=report(5, hours_ago(1)), headers={**keys["provider_a"], "If-Match": tab_a}
    )
    assert stale.status_code == 412, stale.text
    body = stale.json()
    assert body["error"] == "precondition_failed" and body["detail"]
    assert body["capacity"]["available"] == 0 and body["etag"] == other.headers["ETag"]
    assert stale.headers["ETag"] == other.headers["ETag"]
    with db() as s:
        assert s.execute(text("SELECT available FROM service_capacity WHERE id = 'cap-1'")).scalar() == 0
        assert s.execute(text("SELECT count(*) FROM capacity_report WHERE capacity_id = 'cap-1'")).scalar() == 1
    # With the current tag (the user chose to keep their count), it is applied.
    chosen = client.put(
        "/v1/capacity/cap-1",
        json=report(5, hours_ago(1)),
        headers={**keys["provider_a"], "If-Match": stale.headers["ETag"]},
    )
    assert chosen.status_code == 200 and chosen.json()["applied"] is True
    assert chosen.json()["capacity"]["available"] == 5


def test_matching_weak_and_star_tags_and_no_header(client, make_pool, keys):
    make_pool("cap-1", available=3, maximum=10, updated=hours_ago(3))
    tag = client.get("/v1/capacity/cap-1", headers=keys["provider_a"]).headers["ETag"]
    r = client.put(
        "/v1/capacity/cap-1",
        json=report(4, hours_ago(2.5)),
        headers={**keys["provider_a"], "If-Match": f'"other", W/{tag}'},
    )
    assert r.status_code == 200 and r.json()["applied"] is True
    r = client.put("/v1/capacity/cap-1", json=report(6, hours_ago(2)), headers={**keys["provider_a"], "If-Match": "*"})
    assert r.status_code == 200
    r = client.put("/v1/capacity/cap-1", json=report(7, hours_ago(1.5)), headers=keys["provider_a"])
    assert r.status_code == 200 and r.json()["capacity"]["available"] == 7  # no If-Match: as before


def test_if_match_does_not_leak_another_organizations_pool(client, make_pool, keys):
    from capacity_factories import ORG_B

    make_pool("cap-b", org=ORG_B, available=3)
    r = client.put(
        "/v1/capacity/cap-b", json=report(1, hours_ago(0.5)), headers={**keys["provider_a"], "If-Match": '"nope"'}
    )
    assert r.status_code == 404 and "capacity" not in r.json()  # another organization's pool: no such pool
    assert (
        client.put(
            "/v1/capacity/nope", json=report(1, hours_ago(0.5)), headers={**keys["provider_a"], "If-Match": '"x"'}
        ).status_code
        == 404
    )
