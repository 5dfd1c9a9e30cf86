"""A real HTTP receiver on 127.0.0.1, a stand-in DNS, and endpoint helpers."""

from __future__ import annotations

import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from organizations.access import Actor
from webhooks import events, services


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class Receiver:
    """Records every request; answers with queued replies, then with `default`."""

    def __init__(self, server: ThreadingHTTPServer):
        self.server = server
        self.requests: list[ReceivedRequest] = []
        self.replies: deque[Reply] = deque()
        self.default = Reply()
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def reply(self, *replies: Reply | int) -> None:
        self.replies.extend(r if isinstance(r, Reply) else Reply(status=r) for r in replies)

    def next_reply(self) -> Reply:
        with self.lock:
            return self.replies.popleft() if self.replies else self.default


def _handler(receiver_ref: list[Receiver]):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            receiver = receiver_ref[0]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with receiver.lock:
                receiver.requests.append(ReceivedRequest(self.path, dict(self.headers.items()), body))
            reply = receiver.next_reply()
            if reply.delay:
                time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender gave up (deadline tests)

        def log_message(self, *args):
            pass

    return Handler


def start_receiver(wrap_socket=None) -> Receiver:
    ref: list[Receiver] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ref))
    server.daemon_threads = True
    if wrap_socket is not None:
        server.socket = wrap_socket(server.socket)
    receiver = Receiver(server)
    ref.append(receiver)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return receiver


@pytest.fixture
def receiver():
    receiver = start_receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


class FakeDNS:
    """Answers for chosen host names; a list of answers is served in turn, the last one repeating."""

    def __init__(self, real):
        self.real = real
        self.answers: dict[str, list] = {}
        self.lookups: list[str] = []

    def __setitem__(self, host: str, answers) -> None:
        self.answers[host] = list(answers) if isinstance(answers, list) else [answers]

    def getaddrinfo(self, host, port, *args, **kwargs):
        if host not in self.answers:
            return self.real(host, port, *args, **kwargs)
        self.lookups.append(host)
        queue = self.answers[host]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        addresses = answer if isinstance(answer, tuple) else (answer,)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]


@pytest.fixture
def fake_dns(monkeypatch):
    """Stands in for the DNS (the network), not for our code."""
    dns = FakeDNS(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    return dns


def make_endpoint(org, user, url: str, types=(events.CERTIFICATE_ISSUED,), **kwargs):
    """Register an endpoint through the service; returns (endpoint, secret)."""
    return services.endpoint_create(
        actor=Actor(user=user), organization=org, url=url, event_types=list(types), **kwargs
    )


@pytest.fixture
def hook(org, owner, receiver):
    """An endpoint of `org` pointing at the receiver, subscribed to certificate.issued."""
    endpoint, secret = make_endpoint(org, owner, receiver.url())
    endpoint.secret = secret  # for the tests' convenience; never stored in clear
    return endpoint
