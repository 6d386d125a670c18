"""Provider webhooks (Standard Webhooks): registration for one's own organization, the secret shown
once, signed deliveries to a loopback receiver that checks the signature itself, retries with
backoff, giving up, and the outbound address rule."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from referral_world import HARBOR_ORG, HILLTOP_ORG, HILLTOP_SERVICE, free_port


@dataclass
class Receiver:
    """A provider's endpoint: answers `statuses` in turn (then 204), checking each signature with the
    secret it was given (its own HMAC code, not the project's)."""

    secret: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)

    def verify(self, headers: Any, body: bytes) -> bool:
        key = base64.b64decode(self.secret.split("_", 1)[1])
        signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        offered = [s.split(",", 1)[1] for s in headers["webhook-signature"].split() if s.startswith("v1,")]
        return any(hmac.compare_digest(expected, s) for s in offered)


@pytest.fixture
def receiver() -> Iterator[tuple[str, Receiver]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = state.statuses.pop(0) if state.statuses else 204
            state.received.append(
                {
                    "headers": dict(self.headers),
                    "body": json.loads(body),
                    "status": status,
                    "valid": state.verify(self.headers, body),
                }
            )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/divert", state
    server.shutdown()
    server.server_close()


@pytest.fixture
def app(db, settings):  # type: ignore[no-untyped-def]
    """The real app; webhooks may target 127.0.0.1 (the loopback receiver)."""
    from api.app import create_app

    return create_app(settings.model_copy(update={"outbound_allow_loopback": True}))


@pytest.fixture
def hook_settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"outbound_allow_loopback": True})


def _deliver(db: Any, settings: Any, now: datetime) -> dict[str, int]:
    from api.referrals.tasks import deliver_webhooks

    return deliver_webhooks(db, settings, now)


def _deliveries(db: Any) -> list[Any]:
    from sqlalchemy import select

    from catalog.tables import WebhookDelivery

    with db() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at)))


def test_register_for_own_organization_with_the_secret_shown_once(client, keys, receiver):
    url, _ = receiver
    r = client.post("/v1/webhooks", json={"url": url}, headers=keys.hilltop)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["organization_id"] == HILLTOP_ORG and created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"][6:])) >= 24
    listed = client.get("/v1/webhooks", headers=keys.hilltop).json()
    assert [w["id"] for w in listed] == [created["id"]] and "secret" not in listed[0]
    assert client.get("/v1/webhooks", headers=keys.harbor).json() == []
    # Another organization's, by a provider: 403; admin must name one; other roles: 403.
    assert (
        client.post("/v1/webhooks", json={"url": url, "organization_id": HARBOR_ORG}, headers=keys.hilltop).status_code
        == 403
    )
    r = client.post("/v1/webhooks", json={"url": url}, headers=keys.admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "organization_id"
    assert (
        client.post("/v1/webhooks", json={"url": url, "organization_id": HARBOR_ORG}, headers=keys.admin).status_code
        == 201
    )
    for role in (keys.case_manager, keys.planner):
        assert client.post("/v1/webhooks", json={"url": url}, headers=role).status_code == 403
    for bad in ("ftp://example.org/x", "http://user:pw@example.org/x", "not a url", "http://[", "http://h:99999/"):
        r = client.post("/v1/webhooks", json={"url": bad}, headers=keys.hilltop)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "url", r.text
    assert client.delete(f"/v1/webhooks/{created['id']}", headers=keys.harbor).status_code == 403
    assert client.delete(f"/v1/webhooks/{created['id']}", headers=keys.hilltop).status_code == 204
    assert client.get("/v1/webhooks", headers=keys.hilltop).json() == []


def test_private_addresses_are_refused_unless_allowed(make_key, import_catalog, settings):
    from fastapi.testclient import TestClient
    from referral_world import WORLD

    from api.app import create_app

    import_catalog(WORLD)
    strict = TestClient(create_app(settings))  # DIVERT_OUTBOUND_ALLOW_LOOPBACK is false by default
    provider = make_key("provider", org=HILLTOP_ORG)
    for url in ("http://127.0.0.1:8161/x", "http://localhost/x", "http://10.1.2.3/x", "http://[::1]/x"):
        r = strict.post("/v1/webhooks", json={"url": url}, headers=provider)
        assert r.status_code == 422, (url, r.text)
        assert "not a public internet address" in r.json()["detail"]


def test_moves_are_delivered_signed_to_the_services_organization_only(
    client, keys, receiver, refer, move, db, hook_settings
):
    url, state = receiver
    hilltop_hook = client.post("/v1/webhooks", json={"url": url}, headers=keys.hilltop).json()
    state.secret = hilltop_hook["secret"]
    refer(intercept=1)  # to Harbor: Hilltop's endpoint is not told
    referral = refer(service_id=HILLTOP_SERVICE, intercept=1).json()
    assert move(referral["id"], "accept", headers=keys.hilltop).status_code == 200

    now = datetime.now(UTC)
    assert _deliver(db, hook_settings, now) == {"delivered": 2, "retrying": 0, "failed": 0}
    assert [m["body"]["type"] for m in state.received] == ["referral.sent", "referral.accepted"]
    assert all(m["valid"] for m in state.received), state.received
    assert [m["body"]["data"]["id"] for m in state.received] == [referral["id"]] * 2
    assert state.received[1]["body"]["data"]["state"] == "accepted"
    first = state.received[0]["headers"]
    assert first["webhook-id"].startswith("msg_") and abs(int(first["webhook-timestamp"]) - now.timestamp()) < 2
    # Delivered once: the next round sends nothing.
    assert _deliver(db, hook_settings, now + timedelta(hours=1)) == {"delivered": 0, "retrying": 0, "failed": 0}
    listed = client.get("/v1/webhooks", headers=keys.hilltop).json()
    assert listed[0]["deliveries"] == {"pending": 0, "delivered": 2, "failed": 0}


def test_a_wrong_secret_would_not_verify(client, keys, receiver, refer, db, hook_settings):
    """The receiver's check is real: with another secret, the same delivery does not verify."""
    url, state = receiver
    client.post("/v1/webhooks", json={"url": url}, headers=keys.hilltop)
    state.secret = "whsec_" + base64.b64encode(b"x" * 32).decode()
    refer(service_id=HILLTOP_SERVICE)
    _deliver(db, hook_settings, datetime.now(UTC))
    assert [m["valid"] for m in state.received] == [False]


def test_failures_are_retried_with_growing_backoff_then_given_up(client, keys, receiver, refer, db, hook_settings):
    from api.referrals import webhooks

    url, state = receiver
    state.secret = client.post("/v1/webhooks", json={"url": url}, headers=keys.hilltop).json()["secret"]
    refer(service_id=HILLTOP_SERVICE)
    state.statuses = [500, 503]
    now = datetime.now(UTC)
    assert _deliver(db, hook_settings, now) == {"delivered": 0, "retrying": 1, "failed": 0}
    [d] = _deliveries(db)
    first_wait = d.next_attempt_at - now
    assert (d.state, d.attempts, d.last_status) == ("pending", 1, 500)
    assert timedelta(seconds=22) <= first_wait <= timedelta(seconds=30)
    # Not due yet: nothing is sent.
    assert _deliver(db, hook_settings, now + timedelta(seconds=10))["retrying"] == 0
    assert len(state.received) == 1
    later = d.next_attempt_at
    assert _deliver(db, hook_settings, later) == {"delivered": 0, "retrying": 1, "failed": 0}
    [d] = _deliveries(db)
    assert d.attempts == 2 and d.next_attempt_at - later >= timedelta(seconds=45)  # doubled
    assert _deliver(db, hook_settings, d.next_attempt_at)["delivered"] == 1
    assert [m["status"] for m in state.received] == [500, 503, 204]
    # Every retry is the same message (receivers drop duplicates by webhook-id), each signed afresh.
    assert len({m["headers"]["webhook-id"] for m in state.received}) == 1
    assert all(m["valid"] for m in state.received)

    # A receiver that never answers 2xx is given up after the last attempt.
    refer(service_id=HILLTOP_SERVICE)
    state.statuses = [500] * webhooks.MAX_ATTEMPTS
    at = datetime.now(UTC)
    for _ in range(webhooks.MAX_ATTEMPTS):
        at += timedelta(days=1)
        _deliver(db, hook_settings, at)
    failed = [d for d in _deliveries(db) if d.state == "failed"]
    assert len(failed) == 1 and failed[0].attempts == webhooks.MAX_ATTEMPTS
    assert _deliver(db, hook_settings, at + timedelta(days=1))["failed"] == 0


def test_delivery_applies_the_outbound_rule_at_send_time(client, keys, receiver, refer, db, settings):
    url, state = receiver
    client.post("/v1/webhooks", json={"url": url}, headers=keys.hilltop)
    refer(service_id=HILLTOP_SERVICE)
    # The deployment no longer allows loopback targets: the delivery is refused, not sent.
    assert _deliver(db, settings, datetime.now(UTC))["retrying"] == 1
    assert state.received == []
    [d] = _deliveries(db)
    assert d.last_error.startswith("refused:")
