"""Where the service may send requests: the one outbound address policy (feeds, webhooks, ...).

Any URL a client gives us (a capacity feed, a webhook) would otherwise let that client make our
servers call into their own network: a cloud metadata service, a database, an admin page. The rule:
an outbound request goes only to an address that is on the public internet (`is_global`), and the
check is made on the address actually connected to.

- **Resolve once, connect to that address.** `PinnedTransport` resolves the host, refuses it unless
  every address it resolves to is public, and connects to the checked address itself (the request
  keeps its `Host` header, and TLS keeps the host name for SNI and certificate checks). A name
  whose DNS answer changes between a check and the connect (DNS rebinding) gains nothing.
- **Redirects checked the same way**: every request a client makes, redirects included, goes
  through the transport.
- **Messages never echo resolution**: what a host resolved to is not told to the caller (feed
  health is shown to providers; it must not become a way to map our network).
- `allow_loopback` (setting `DIVERT_OUTBOUND_ALLOW_LOOPBACK`) also admits 127.0.0.0/8 and ::1, for
  tests and local demos against a loopback server; nothing else that is not public, ever.

Use:

    from api.outbound import OutboundRefused, outbound_client, url_problem

    problem = url_problem(url, allow_loopback)           # at registration: 422 with this message
    with outbound_client(allow_loopback, timeout=10) as client:
        client.post(url, json=...)                        # raises OutboundRefused when refused

`outbound_client(...)` takes `resolver=` (host, port -> addresses) and `transport=` (the transport
that really connects, e.g. `httpx.MockTransport`) so tests need no DNS and no network.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> the addresses the name resolves to (as text).
Resolver = Callable[[str, int], Sequence[str]]

# Ranges that `is_global` calls global but that lead somewhere else than the host they name: 6to4
# (2002::/16) and its relay anycast (192.88.99.0/24) tunnel to an IPv4 address chosen by the sender;
# NAT64 (64:ff9b::/96, 64:ff9b:1::/48) translates to one. Refused outright, as is multicast (some
# multicast ranges count as global, but no feed or webhook is ever there).
TUNNELS: Final = tuple(
    ipaddress.ip_network(n) for n in ("2002::/16", "192.88.99.0/24", "64:ff9b::/96", "64:ff9b:1::/48", "2001::/32")
)
MAX_REDIRECTS: Final = 3
REFUSED: Final = "the address is not a public internet address; refused"
UNRESOLVED: Final = "the host name could not be resolved"


class OutboundRefused(httpx.TransportError):
    """An outbound request the policy will not send. Its message never names a resolved address.

    A subclass of httpx's `TransportError`, so code that already handles a failed request
    (`except httpx.HTTPError`) handles a refused one too."""


def address_problem(address: Address, allow_loopback: bool = False) -> str | None:
    """Why an address may not be contacted, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if allow_loopback and address.is_loopback:
        return None
    tunnelled = any(address in net for net in TUNNELS if net.version == address.version)
    if not address.is_global or address.is_multicast or tunnelled:
        return REFUSED
    return None


def url_problem(url: str, allow_loopback: bool = False) -> str | None:
    """What is wrong with an outbound URL before any resolution (for a 422 at registration).

    Literal addresses are judged here; names are judged when they are resolved, at connect time."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "url must be http:// or https://"
    if not parts.hostname:
        return "url must name a host"
    if parts.username or parts.password:
        return "url must not carry credentials (they would be shown in listings)"
    try:
        _ = parts.port
    except ValueError:
        return "url has an invalid port"
    literal = _literal(parts.hostname)
    if literal is not None:
        return address_problem(literal, allow_loopback)
    if not allow_loopback and parts.hostname.rstrip(".").lower().endswith("localhost"):
        return REFUSED
    return None


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def system_resolver(host: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def checked_address(host: str, port: int, allow_loopback: bool, resolver: Resolver) -> Address:
    """The one address to connect to: the host resolved once, refused unless every address is allowed."""
    literal = _literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        if not allow_loopback and host.rstrip(".").lower().endswith("localhost"):
            raise OutboundRefused(REFUSED)
        try:
            found = resolver(host, port)
        except OSError:
            raise OutboundRefused(UNRESOLVED) from None
        addresses = [a for a in (_literal(str(text)) for text in found) if a is not None]
        if not addresses:
            raise OutboundRefused(UNRESOLVED)
    for address in addresses:
        if address_problem(address, allow_loopback):
            raise OutboundRefused(REFUSED)
    return addresses[0]


def _pinned(request: httpx.Request, allow_loopback: bool, resolver: Resolver) -> httpx.Request:
    """The same request, addressed to the checked IP; Host header and TLS server name unchanged."""
    url = request.url
    if url.scheme not in ("http", "https"):
        raise OutboundRefused("only http and https requests are sent")
    port = url.port or (443 if url.scheme == "https" else 80)
    address = checked_address(url.host, port, allow_loopback, resolver)
    extensions: dict[str, Any] = dict(request.extensions)
    if url.scheme == "https" and _literal(url.host) is None:
        extensions["sni_hostname"] = url.host
    # `request.headers` already holds Host: the name the client asked for, as the server expects.
    return httpx.Request(
        request.method,
        url.copy_with(host=str(address)),
        headers=request.headers,
        stream=request.stream,
        extensions=extensions,
    )


class PinnedTransport(httpx.BaseTransport):
    """Resolves, checks and connects to the checked address (see the module docstring)."""

    def __init__(
        self,
        allow_loopback: bool = False,
        resolver: Resolver | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.allow_loopback = allow_loopback
        self.resolver = resolver or system_resolver
        self.transport = transport or httpx.HTTPTransport(trust_env=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.transport.handle_request(_pinned(request, self.allow_loopback, self.resolver))

    def close(self) -> None:
        self.transport.close()


class AsyncPinnedTransport(httpx.AsyncBaseTransport):
    """The same policy for `httpx.AsyncClient` (resolution runs on a worker thread)."""

    def __init__(
        self,
        allow_loopback: bool = False,
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.allow_loopback = allow_loopback
        self.resolver = resolver or system_resolver
        self.transport = transport or httpx.AsyncHTTPTransport(trust_env=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import anyio.to_thread

        pinned = await anyio.to_thread.run_sync(_pinned, request, self.allow_loopback, self.resolver)
        return await self.transport.handle_async_request(pinned)

    async def aclose(self) -> None:
        await self.transport.aclose()


def outbound_client(
    allow_loopback: bool = False,
    *,
    resolver: Resolver | None = None,
    transport: httpx.BaseTransport | None = None,
    **options: Any,
) -> httpx.Client:
    """An httpx client that only reaches allowed addresses; redirects (at most 3) are checked too.

    `options` go to `httpx.Client` (timeout, headers, follow_redirects=False to not follow any)."""
    options.setdefault("follow_redirects", True)
    options.setdefault("max_redirects", MAX_REDIRECTS)
    return httpx.Client(transport=PinnedTransport(allow_loopback, resolver, transport), trust_env=False, **options)


def async_outbound_client(
    allow_loopback: bool = False,
    *,
    resolver: Resolver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    **options: Any,
) -> httpx.AsyncClient:
    """`outbound_client` for asyncio code."""
    options.setdefault("follow_redirects", True)
    options.setdefault("max_redirects", MAX_REDIRECTS)
    return httpx.AsyncClient(
        transport=AsyncPinnedTransport(allow_loopback, resolver, transport), trust_env=False, **options
    )
