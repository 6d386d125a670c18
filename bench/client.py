"""The benchmark's HTTP client: one keep-alive HTTP/1.1 connection per client thread, on `http.client`.

It is the instrument, not what is measured, so it should cost as little of the machine as it can: on
the two-core reference machine httpx spent 1.2–1.9 ms of client-side Python on every request (a
`GET /v1/` answered in 0.6 ms took 1.9–2.6 ms through it, against 0.7 ms through this client), on
the same cores the server and PostgreSQL use. The suite records what this client costs on a trivial
route in every run (`client_floor`), so a reader can see how much of a figure is the instrument.

Only what the suite needs: GET, POST, PUT with JSON bodies and query parameters, answers read whole.
"""

from __future__ import annotations

import http.client
import socket
from email.message import Message
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

import orjson

# What a failed request raises (the suite counts it as an error of its kind).
ClientError: Final = (OSError, http.client.HTTPException)


class Response:
    """An answer: status, headers (case-insensitive `get`), body."""

    def __init__(self, status_code: int, headers: Message, content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    def json(self) -> Any:
        return orjson.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


class Client:
    """`Client(base_url, timeout)`, then `.get / .post / .put(path, params=, json=, headers=)`."""

    def __init__(self, base_url: str, timeout: float = 30) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"the bench client speaks plain http to a host: {base_url!r}")
        self._host, self._port, self._timeout = parts.hostname, parts.port or 80, timeout
        self._connection: http.client.HTTPConnection | None = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Response:
        return self.request("PUT", path, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        target = f"{path}?{urlencode(params, doseq=True)}" if params else path
        sent = dict(headers or {})
        body = None
        if json is not None:
            body = orjson.dumps(json)
            sent["Content-Type"] = "application/json"
        reused = self._connection is not None
        try:
            return self._exchange(method, target, body, sent)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed a kept-alive connection while it was idle (uvicorn does after 5 s):
            # nothing was processed, so the request is sent again once on a new connection.
            self.close()
            if not reused:
                raise
            return self._exchange(method, target, body, sent)

    def _exchange(self, method: str, target: str, body: bytes | None, headers: dict[str, str]) -> Response:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            self._connection.connect()
            self._connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self._connection.request(method, target, body=body, headers=headers)
            answer = self._connection.getresponse()
            content = answer.read()
        except BaseException:
            self.close()
            raise
        if answer.will_close:
            self.close()
        return Response(answer.status, answer.headers, content)
