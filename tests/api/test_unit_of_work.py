"""One unit of work per request: every write route commits before it answers.

Two ways of seeing it, on every write route of the real app:
- the commit itself fails for real (a deferred constraint trigger on every table raises when the
  transaction commits): the client gets an error, never a 2xx, and the database kept nothing;
- the commit succeeds: at the very moment the 2xx answer starts, a separate connection already sees
  the change, exactly as it is once the request is over.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

ORG = "org-uow"
NOW = datetime.now(UTC)

# The tables a snapshot reads (every plain table but the ones no request writes).
_TABLES = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND c.relname NOT IN ('alembic_version', 'spatial_ref_sys') ORDER BY 1
"""

_FAIL_AT_COMMIT = """
CREATE OR REPLACE FUNCTION test_fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'commit refused by the test' USING ERRCODE = '{sqlstate}'; END $$
"""


def snapshot(database_url: str) -> dict[str, str]:
    """Every table's rows, hashed, as another client of the database sees them now."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(_TABLES)]
        return {
            t: conn.execute(
                f"SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM \"{t}\" x"
            ).fetchone()[0]
            for t in tables
        }  # type: ignore[index]


@pytest.fixture
def seeded(db, make_key):  # type: ignore[no-untyped-def]
    """An organization, a service with a pool of five beds, a feed, two active holds, an open report."""
    from catalog.tables import (
        Attribute,
        Feed,
        Hold,
        Organization,
        Referral,
        Service,
        ServiceCapacity,
        ServiceReport,
        TaxonomyTerm,
        Unit,
        WebhookEndpoint,
    )
    from matcher.vocabulary import NEEDS_TAXONOMY

    keys = {
        "admin": make_key("admin"),
        "provider": make_key("provider", org=ORG),
        "case_manager": make_key("case_manager"),
        "curator": make_key("curator"),
    }
    with db() as session:
        case_manager = session.execute(text("SELECT id FROM api_key WHERE role = 'case_manager'")).scalar_one()
        session.add_all([Organization(id=ORG, name="Unit of work"), Unit(id="bed", name="Bed")])
        session.flush()
        session.add(Service(id="svc-uow", organization_id=ORG, name="Shelter of record", status="active"))
        session.add(TaxonomyTerm(id="term-uow-shelter", code="shelter", name="Shelter", profile=NEEDS_TAXONOMY))
        session.flush()
        session.add(
            Attribute(
                id="attr-uow-shelter", link_id="svc-uow", link_entity="service", taxonomy_term_id="term-uow-shelter"
            )
        )
        session.flush()
        session.add(
            ServiceCapacity(
                id="cap-uow",
                service_id="svc-uow",
                unit_id="bed",
                available=5,
                maximum=10,
                waitlist=0,
                updated=NOW - timedelta(hours=1),
                reserved_for=[],
                description="beds",
            )
        )
        session.flush()
        session.add_all(
            [
                Feed(
                    id="feed-uow",
                    url="http://127.0.0.1:9/feed.json",
                    organization_id=ORG,
                    interval_seconds=300,
                    consecutive_failures=0,
                    next_poll_at=NOW + timedelta(days=1),
                    last_result={},
                ),
                Hold(
                    id="hold-confirm",
                    capacity_id="cap-uow",
                    state="active",
                    expires_at=NOW + timedelta(hours=1),
                    key_id=case_manager,
                ),
                Hold(
                    id="hold-release",
                    capacity_id="cap-uow",
                    state="active",
                    expires_at=NOW + timedelta(hours=1),
                    key_id=case_manager,
                ),
                ServiceReport(
                    id="report-uow", service_id="svc-uow", message="phone is wrong", status="open", created_at=NOW
                ),
                WebhookEndpoint(
                    id="hook-uow", organization_id=ORG, url="http://127.0.0.1:9/hook", secret="s", created_at=NOW
                ),
            ]
        )
        # One referral per move, in the state that move starts from (api/referrals/moves.py).
        session.add_all(
            [
                Referral(
                    id=f"ref-{move}",
                    reference=f"UOW{n}",
                    state=state,
                    service_id="svc-uow",
                    organization_id=ORG,
                    need="shelter",
                    key_id=case_manager,
                    created_at=NOW,
                    respond_by=NOW + timedelta(hours=1),
                    updated_at=NOW,
                )
                for n, (move, state) in enumerate(
                    [
                        ("accept", "sent"),
                        ("decline", "sent"),
                        ("arrive", "accepted"),
                        ("enroll", "arrived"),
                        ("no_show", "accepted"),
                        ("cancel", "sent"),
                    ]
                )
            ]
        )
        session.commit()
    return keys


def report(available: int) -> dict[str, Any]:
    return {"available": available, "updated": (NOW - timedelta(minutes=5)).isoformat()}


# Each write route, called as a client with the right to call it would: (method, path, body, key role).
WRITES: list[tuple[str, str, Any, str]] = [
    ("PATCH", "/v1/services/svc-uow", {"name": "Shelter, renamed"}, "curator"),
    ("POST", "/v1/services/svc-uow/reports", {"message": "closed on Sundays"}, "case_manager"),
    ("PATCH", "/v1/reports/report-uow", {"status": "resolved", "resolution": "fixed"}, "curator"),
    ("POST", "/v1/capacity", {"updates": [{"capacity_id": "cap-uow", **report(3)}]}, "provider"),
    ("PUT", "/v1/capacity/cap-uow", report(4), "provider"),
    ("POST", "/v1/feeds", {"url": "http://127.0.0.1:9/other.json", "organization_id": ORG}, "provider"),
    ("DELETE", "/v1/feeds/feed-uow", None, "provider"),
    ("POST", "/v1/holds", {"capacity_id": "cap-uow", "minutes": 30}, "case_manager"),
    ("DELETE", "/v1/holds/hold-release", None, "case_manager"),
    ("POST", "/v1/holds/hold-confirm/confirm", None, "case_manager"),
    # No service is near: every need is a gap, and gap events are what this request writes.
    ("POST", "/v1/match", {"location": {"lat": 10.0, "lon": 10.0}, "needs": ["shelter", "food"]}, "case_manager"),
    ("POST", "/v1/referrals", {"service_id": "svc-uow", "need": "shelter"}, "case_manager"),
    *[
        (
            "POST",
            f"/v1/referrals/ref-{move}/{move}",
            {"reason": "no_capacity"} if move == "decline" else None,
            "case_manager" if move == "cancel" else "provider",
        )
        for move in ("accept", "decline", "arrive", "enroll", "no_show", "cancel")
    ],
    ("POST", "/v1/webhooks", {"url": "http://127.0.0.1:9/other-hook"}, "provider"),
    ("DELETE", "/v1/webhooks/hook-uow", None, "provider"),
    (
        "POST",
        "/v1/import/hsds",
        [
            {
                "id": "svc-imported",
                "name": "Imported food bank",
                "status": "active",
                "organization": {"id": "org-imported", "name": "Imported org"},
            }
        ],
        "admin",
    ),
]


def _call(client: TestClient, keys: dict[str, dict[str, str]], write: tuple[str, str, Any, str]) -> Any:
    method, path, body, role = write
    return client.request(method, path, json=body, headers=keys[role])


@pytest.fixture
def app(db, settings):  # type: ignore[no-untyped-def]
    from api.app import create_app

    return create_app(settings.model_copy(update={"outbound_allow_loopback": True}))


def test_every_write_route_is_covered(app) -> None:  # type: ignore[no-untyped-def]
    """A new write route must join WRITES: the guarantees below are for every one."""
    declared = {
        (m.upper(), p) for p, ops in app.openapi()["paths"].items() for m in ops if m not in ("get", "head", "options")
    }
    covered = set()
    for method, path, _, _ in WRITES:
        for m, p in declared:
            parts, template = path.split("/"), p.split("/")
            if (
                m == method
                and len(parts) == len(template)
                and all(t.startswith("{") or t == a for a, t in zip(parts, template, strict=True))
            ):
                covered.add((m, p))
    assert declared - covered == set()


@pytest.fixture
def failing_commits(engine) -> Iterator[Callable[[str], None]]:  # type: ignore[no-untyped-def]
    """fail_commits(sqlstate): from now on every commit that wrote a row fails with that SQLSTATE."""
    installed: list[str] = []

    def install(sqlstate: str) -> None:
        with engine.begin() as conn:
            conn.execute(text(_FAIL_AT_COMMIT.format(sqlstate=sqlstate)))
            for (table,) in conn.execute(text(_TABLES.replace("NOT c.relispartition", "c.relkind = 'r'"))):
                conn.execute(
                    text(
                        f"CREATE CONSTRAINT TRIGGER test_fail_at_commit AFTER INSERT OR UPDATE OR "
                        f'DELETE ON "{table}" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW '
                        f"EXECUTE FUNCTION test_fail_at_commit()"
                    )
                )
                installed.append(table)

    yield install
    with engine.begin() as conn:
        for table in installed:
            conn.execute(text(f'DROP TRIGGER IF EXISTS test_fail_at_commit ON "{table}"'))
        conn.execute(text("DROP FUNCTION IF EXISTS test_fail_at_commit()"))


@pytest.mark.parametrize("write", WRITES, ids=[f"{m} {p}" for m, p, _, _ in WRITES])
def test_a_commit_lost_with_the_database_is_503_and_nothing_kept(
    write, app, seeded, failing_commits, database_url
) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        failing_commits("08006")  # connection_failure, raised by COMMIT itself
        before = snapshot(database_url)
        r = _call(client, seeded, write)
        assert r.status_code == 503, r.text
        assert r.json()["error"] == "database_unavailable"
        assert snapshot(database_url) == before


def test_any_failed_commit_is_an_error_not_a_2xx(app, seeded, failing_commits, database_url) -> None:  # type: ignore[no-untyped-def]
    """A commit refused for a reason that is not a lost database is still never reported as done."""
    with TestClient(app, raise_server_exceptions=False) as client:
        failing_commits("P0001")
        before = snapshot(database_url)
        for write in WRITES:
            r = _call(client, seeded, write)
            assert r.status_code >= 400, (write[:2], r.status_code, r.text)
        assert snapshot(database_url) == before


class AnswerWatcher:
    """ASGI wrapper: when a 2xx answer starts, reads the database from outside (a second client)."""

    def __init__(self, app: Any, database_url: str) -> None:
        self.app, self.database_url = app, database_url
        self.seen_at_answer: dict[str, str] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                self.seen_at_answer = snapshot(self.database_url)
            await send(message)

        await self.app(scope, receive, sending if scope["type"] == "http" else send)


@pytest.mark.parametrize("write", WRITES, ids=[f"{m} {p}" for m, p, _, _ in WRITES])
def test_a_2xx_is_already_in_the_database_when_it_is_sent(write, app, seeded, database_url) -> None:  # type: ignore[no-untyped-def]
    watcher = AnswerWatcher(app, database_url)
    with TestClient(watcher) as client:  # type: ignore[arg-type]
        before = snapshot(database_url)
        r = _call(client, seeded, write)
        assert 200 <= r.status_code < 300, r.text
        after = snapshot(database_url)
    assert after != before, "the write changed nothing"
    assert watcher.seen_at_answer == after


def test_a_hold_is_readable_by_the_next_request(app, seeded) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        r = client.post("/v1/holds", json={"capacity_id": "cap-uow"}, headers=seeded["case_manager"])
        assert r.status_code == 201, r.text
        again = client.get(f"/v1/holds/{r.json()['hold_id']}", headers=seeded["case_manager"])
        assert again.status_code == 200 and again.json()["state"] == "active"
    assert uuid.UUID(r.json()["hold_id"])
