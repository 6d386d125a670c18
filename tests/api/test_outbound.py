"""The outbound address policy (api/outbound.py): feeds and webhooks reach only public addresses,
checked on the address actually connected to, redirects included, and never say what a name resolved to.

No request here leaves 127.0.0.0/8: names resolve through a stub resolver, and the connecting transport
is `httpx.MockTransport` or the real one against a loopback server.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from api.outbound import OutboundRefused, address_problem, async_outbound_client, outbound_client, url_problem

PUBLIC = "93.184.216.34"
NOT_PUBLIC = [
    "100.64.0.1",
    "100.127.255.254",  # carrier-grade NAT (some clouds' metadata services)
    "2002::1",
    "2002:a00:1::1",
    "192.88.99.1",  # 6to4 and its relay anycast
    "64:ff9b::a00:1",  # NAT64 to 10.0.0.1
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "127.0.0.1",
    "0.0.0.0",
    "::1",
    "::",
    "fc00::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:100.64.0.1",
    "224.0.0.1",
    "198.18.0.1",
    "240.0.0.1",
]


class StubResolver:
    """Answers from a table, recording every look-up; a name's answers may change per call."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        sequence = self.answers.get(host)
        if not sequence:
            raise OSError("no such name")
        return sequence[min(self.calls.count(host), len(sequence)) - 1]


class Recorder:
    """A MockTransport handler that records which address each request was sent to."""

    def __init__(self, redirect: dict[str, str] | None = None) -> None:
        self.seen: list[dict[str, Any]] = []
        self.redirect = redirect or {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(
            {
                "host": request.url.host,
                "host_header": request.headers.get("host"),
                "sni": request.extensions.get("sni_hostname"),
                "path": request.url.path,
            }
        )
        if request.url.path in self.redirect:
            return httpx.Response(302, headers={"Location": self.redirect[request.url.path]})
        return httpx.Response(200, json=[])


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_addresses_that_are_not_public_are_refused(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is not None
    host = f"[{address}]" if ":" in address else address
    assert url_problem(f"http://{host}/feed") is not None


def test_public_addresses_pass_and_loopback_only_when_allowed() -> None:
    for address in (PUBLIC, "2606:4700::1111"):
        assert address_problem(ipaddress.ip_address(address)) is None
    assert url_problem("http://127.0.0.1:8080/x", allow_loopback=True) is None
    assert url_problem("http://[::1]/x", allow_loopback=True) is None
    # The test setting admits loopback only, never a private or CGNAT address.
    for url in ("http://10.0.0.1/", "http://100.64.0.1/", "http://[2002::1]/"):
        assert url_problem(url, allow_loopback=True) is not None
    for url in ("file:///etc/passwd", "http://user:pw@x.org/", "http://localhost/x", "gopher://x.org/"):
        assert url_problem(url) is not None


def test_a_name_is_resolved_once_and_the_checked_address_is_connected_to() -> None:
    resolver = StubResolver({"feeds.example.org": [[PUBLIC]]})
    recorder = Recorder()
    with outbound_client(resolver=resolver, transport=httpx.MockTransport(recorder)) as client:
        assert client.get("https://feeds.example.org/capacity.json").status_code == 200
    assert resolver.calls == ["feeds.example.org"]
    [sent] = recorder.seen
    # Connected to the address that was checked; the server still sees its own name (Host, SNI).
    assert sent == {
        "host": PUBLIC,
        "host_header": "feeds.example.org",
        "sni": "feeds.example.org",
        "path": "/capacity.json",
    }


def test_a_rebinding_name_is_refused_at_connect() -> None:
    """The name answers a public address first (what a registration-time check would see), then an
    internal one. Each request resolves once and connects to what it checked: the internal answer is
    refused at connect, and nothing is sent to it."""
    resolver = StubResolver({"rebind.example.org": [[PUBLIC], ["10.0.0.5"], ["169.254.169.254"]]})
    recorder = Recorder()
    with outbound_client(resolver=resolver, transport=httpx.MockTransport(recorder)) as client:
        assert url_problem("http://rebind.example.org/f") is None  # nothing to judge before resolution
        assert client.get("http://rebind.example.org/f").status_code == 200
        for _ in range(2):
            with pytest.raises(OutboundRefused) as refused:
                client.get("http://rebind.example.org/f")
            assert "10.0.0.5" not in str(refused.value) and "169.254" not in str(refused.value)
    assert [s["host"] for s in recorder.seen] == [PUBLIC]
    assert len(resolver.calls) == 3  # one resolution per request, none between check and connect


def test_the_async_client_follows_the_same_policy() -> None:
    import anyio

    resolver = StubResolver({"feeds.example.org": [[PUBLIC]], "inside.example.org": [["100.64.0.9"]]})
    recorder = Recorder(redirect={"/to-inside": "http://inside.example.org/"})

    async def calls() -> None:
        async with async_outbound_client(resolver=resolver, transport=httpx.MockTransport(recorder)) as client:
            assert (await client.get("https://feeds.example.org/hook")).status_code == 200
            with pytest.raises(OutboundRefused):
                await client.get("http://feeds.example.org/to-inside")

    anyio.run(calls)
    assert [(s["host"], s["host_header"]) for s in recorder.seen] == [(PUBLIC, "feeds.example.org")] * 2


def test_a_name_with_any_internal_answer_is_refused() -> None:
    resolver = StubResolver(
        {"mixed.example.org": [[PUBLIC, "100.64.0.1"]], "sixtofour.example.org": [["2002:a9fe:a9fe::1"]]}
    )
    recorder = Recorder()
    with outbound_client(resolver=resolver, transport=httpx.MockTransport(recorder)) as client:
        for url in ("http://mixed.example.org/", "http://sixtofour.example.org/", "http://unknown.example.org/"):
            with pytest.raises(OutboundRefused):
                client.get(url)
    assert recorder.seen == []


def test_redirects_are_checked_the_same_way() -> None:
    resolver = StubResolver(
        {
            "feeds.example.org": [[PUBLIC]],
            "inside.example.org": [["10.0.0.7"]],
            "mirror.example.org": [["2606:4700::1111"]],
        }
    )
    recorder = Recorder(
        redirect={
            "/to-inside": "http://inside.example.org/secrets",
            "/to-literal": "http://100.64.0.1/latest/meta-data",
            "/to-mirror": "https://mirror.example.org/c.json",
        }
    )
    with outbound_client(resolver=resolver, transport=httpx.MockTransport(recorder)) as client:
        for path in ("/to-inside", "/to-literal"):
            with pytest.raises(OutboundRefused):
                client.get(f"http://feeds.example.org{path}")
        assert client.get("http://feeds.example.org/to-mirror").status_code == 200
    assert [s["host"] for s in recorder.seen] == [PUBLIC, PUBLIC, PUBLIC, "2606:4700::1111"]
    assert recorder.seen[-1]["host_header"] == "mirror.example.org"


@pytest.fixture
def loopback_server() -> Iterator[tuple[int, list[str]]]:
    """A real HTTP server on 127.0.0.1 that records the Host header of each request."""
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            hosts.append(self.headers.get("Host", ""))
            body = b"[]"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hosts
    server.shutdown()
    server.server_close()


def test_the_real_transport_connects_to_the_checked_address_with_the_name_as_host(loopback_server) -> None:
    port, hosts = loopback_server
    resolver = StubResolver({"feed.test": [["127.0.0.1"]]})
    with outbound_client(allow_loopback=True, resolver=resolver, timeout=5) as client:
        assert client.get(f"http://feed.test:{port}/c.json").json() == []
    assert hosts == [f"feed.test:{port}"]
    # Without the test setting the same loopback answer is refused before any connection.
    with outbound_client(resolver=resolver, timeout=5) as client, pytest.raises(OutboundRefused):
        client.get(f"http://feed.test:{port}/c.json")
    assert len(hosts) == 1


def test_feed_fetch_refuses_cgnat_and_says_nothing_of_the_resolution(settings) -> None:  # type: ignore[no-untyped-def]
    from api.capacity.feeds import FeedSnapshot, fetch_feed

    resolver = StubResolver({"internal.example.org": [["100.64.0.1"]], "v6.example.org": [["2002:c0a8:101::1"]]})
    recorder = Recorder()
    strict = settings.model_copy(update={"outbound_allow_loopback": False})
    for url in (
        "http://internal.example.org/c.json",
        "http://v6.example.org/c.json",
        "http://100.64.0.1/",
        "http://192.88.99.1/",
        "http://[2002::1]/",
    ):
        snapshot = FeedSnapshot(
            id="f",
            url=url,
            organization_id=None,
            interval_seconds=60,
            etag=None,
            last_modified=None,
            consecutive_failures=0,
        )
        result = fetch_feed(snapshot, strict, resolver=resolver, transport=httpx.MockTransport(recorder))
        assert result.error and "refused" in result.error, url
        for leaked in ("100.64", "2002:", "c0a8", "192.88"):
            assert leaked not in result.error.replace(url, ""), (url, result.error)
    assert recorder.seen == []


def test_feed_registration_refuses_cgnat_and_6to4(client, admin_headers) -> None:  # type: ignore[no-untyped-def]
    for url in ("http://100.64.0.1/", "https://[2002:a00:1::1]/feed", "http://192.88.99.1/c.json"):
        r = client.post("/v1/feeds", json={"url": url}, headers=admin_headers)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "url", (url, r.text)
    assert client.get("/v1/feeds", headers=admin_headers).json()["total_items"] == 0
