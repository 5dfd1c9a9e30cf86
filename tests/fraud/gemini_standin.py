"""A local stand-in for the Gemini API: `POST /v1beta/models/{model}:generateContent`.

It runs in a thread on 127.0.0.1 and answers from a script of canned replies, one per request
(the last one repeats), so tests exercise the real SDK over real HTTP:

    with GeminiStandIn([reply_json(reading), ...]) as server:
        read_document(png, organization_key="org", api_key="test", base_url=server.url)
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH = re.compile(r"^/v1beta/models/(?P<model>[^/:]+):generateContent$")


@dataclass
class Reply:
    status: int = 200
    body: dict | str = field(default_factory=dict)
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def reply_json(document: dict) -> Reply:
    """A successful answer whose text part is `document` as JSON (what a response schema yields)."""
    return reply_text(json.dumps(document))


def reply_text(text: str) -> Reply:
    return Reply(
        200,
        {
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP", "index": 0}
            ],
            "usageMetadata": {"promptTokenCount": 1290, "candidatesTokenCount": 120, "totalTokenCount": 1410},
            "modelVersion": "gemini-2.5-flash",
        },
    )


def reply_error(status: int, message: str = "", retry_after: int | None = None) -> Reply:
    names = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 400: "INVALID_ARGUMENT"}
    body = {
        "error": {
            "code": status,
            "message": message or names.get(status, "error"),
            "status": names.get(status),
        }
    }
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return Reply(status, body, headers=headers)


class GeminiStandIn:
    def __init__(self, replies: list[Reply]) -> None:
        self.replies = list(replies)
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> GeminiStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next_reply(self, record: dict) -> Reply:
        with self._lock:
            self.requests.append(record)
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                match = PATH.match(self.path.split("?", 1)[0])
                if not match:
                    self._send(
                        Reply(404, {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}})
                    )
                    return
                record = {
                    "model": match["model"],
                    "headers": dict(self.headers),
                    "json": json.loads(raw or b"{}"),
                }
                reply = standin._next_reply(record)
                if reply.delay:
                    time.sleep(reply.delay)
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                payload = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                data = payload.encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, *args) -> None:
                pass

        return Handler
