"""One HTTP POST to a webhook receiver, pinned to the addresses the SSRF check approved.

The pinned connections are core/safe_http.py's.

The host is resolved and vetted at send time and the socket is opened to a vetted address,
while the Host header, TLS SNI and certificate check use the URL's host name. Redirects are
never followed; the connection has its own timeout and the whole exchange a hard deadline.
"""

from __future__ import annotations

import http.client
import ssl
import threading
import time
from dataclasses import dataclass

from core.safe_http import pinned_connection

from .ssrf import UnsafeURL, vet_url

EXCERPT_BYTES = 1024


@dataclass
class Outcome:
    status_code: int | None
    excerpt: str
    duration_ms: int
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _excerpt(raw: bytes) -> str:
    return raw[:EXCERPT_BYTES].decode("utf-8", errors="replace")[:EXCERPT_BYTES]


def post(
    url: str, *, body: bytes, headers: dict[str, str], connect_timeout: float, deadline: float
) -> Outcome:
    """POST `body` to `url`; never raises for network trouble, which comes back as `error`."""
    started = time.monotonic()
    try:
        target = vet_url(url)
    except UnsafeURL as exc:
        return Outcome(None, "", _elapsed_ms(started), f"Refused: {exc}")
    connection = pinned_connection(target, timeout=connect_timeout)
    timer = threading.Timer(deadline, connection.abort)
    timer.start()
    try:
        connection.connect()
        connection.sock.settimeout(deadline)
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = _excerpt(response.read(EXCERPT_BYTES))
        return Outcome(response.status, excerpt, _elapsed_ms(started), _status_error(response))
    except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
        error = f"Timed out after {deadline:g} s." if connection.aborted else _describe(exc)
        return Outcome(None, "", _elapsed_ms(started), error)
    finally:
        timer.cancel()
        connection.close()


def _status_error(response: http.client.HTTPResponse) -> str:
    if 300 <= response.status < 400:
        return f"Redirect not followed (Location: {response.getheader('Location', '')[:200]})."
    if not 200 <= response.status < 300:
        return f"The receiver answered HTTP {response.status}."
    return ""


def _describe(exc: Exception) -> str:
    if isinstance(exc, TimeoutError):
        return "Timed out connecting or waiting for the response."
    if isinstance(exc, ConnectionRefusedError):
        return "Connection refused."
    return f"{type(exc).__name__}: {exc}"[:500]
