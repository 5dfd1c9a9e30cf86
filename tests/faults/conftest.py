"""Helpers for fault tests: a private Redis, a killable Celery worker, and a plain WSGI caller.

Nothing here touches the machine's own services: Redis is a private `redis-server` on a spare
port, the worker consumes its own queue, and PostgreSQL faults are confined to the test
process's own connection.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from wsgiref.util import setup_testing_defaults

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from config.celery_app import app as celery_app
from tests.celery_worker import worker_command, worker_env
from tests.net import free_port
from tests.security.conftest import throttle_rates  # noqa: F401  (a fixture, shared)


def wait_until(condition, timeout: float, message: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s: {message}")


# --- Redis -------------------------------------------------------------------------------------


class PrivateRedis:
    """A throwaway redis-server on a spare port that a test may stop and start at will."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.answers, 10, "private redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class PartitionableLink:
    """A TCP relay to 127.0.0.1:`port` that a test can cut: while cut, what either side sends is
    read and dropped, so requests time out and nothing reaches the server, which keeps its data: a
    network partition as the app sees it. Healing lets bytes through again."""

    def __init__(self, port: int):
        self.target = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                if not self.cut.is_set():
                    dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()


def redis_cache_settings(url: str) -> dict:
    """The production cache configuration (config/settings/base.py) pointed at `url`."""
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                "IGNORE_EXCEPTIONS": True,
            },
            "KEY_PREFIX": "cv",
        }
    }


# --- Celery worker -----------------------------------------------------------------------------


@contextmanager
def killable_worker(queue: str, media_root: Path, log: Path, extra_env: dict | None = None):
    """A worker in its own session, so SIGKILL can take the whole pool (parent and children)."""
    name = f"{queue}-{uuid.uuid4().hex[:6]}"
    env = worker_env(queue, media_root, extra_env)
    command = worker_command(queue, name, loglevel="INFO")
    with log.open("ab") as output:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=settings.BASE_DIR,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    # The app reads the CELERY_-namespaced keys; the lowercase names would shadow them for the
    # rest of the test process.
    conf = celery_app.conf
    previous = (conf.CELERY_TASK_ALWAYS_EAGER, conf.CELERY_TASK_DEFAULT_QUEUE)
    conf.CELERY_TASK_ALWAYS_EAGER, conf.CELERY_TASK_DEFAULT_QUEUE = False, queue
    try:
        destination = [f"{name}@{os.uname().nodename}"]

        def ready():
            if process.poll() is not None:
                raise AssertionError(f"worker exited: {log.read_text(errors='replace')[-2000:]}")
            return celery_app.control.ping(destination=destination, timeout=1)

        wait_until(ready, 60, "the worker did not answer a ping")
        yield process
    finally:
        conf.CELERY_TASK_ALWAYS_EAGER, conf.CELERY_TASK_DEFAULT_QUEUE = previous
        kill_worker(process)


def kill_worker(process: subprocess.Popen) -> None:
    """SIGKILL the worker's process group: no warm shutdown, no acks, no goodbyes."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=20)


# --- WSGI --------------------------------------------------------------------------------------


@dataclass
class WSGIResponse:
    status_code: int
    headers: dict[str, str]
    content: bytes

    def json(self):
        return json.loads(self.content)


def wsgi_request(method: str, path: str, *, headers: dict | None = None, body: bytes = b"") -> WSGIResponse:
    """Call the real WSGI application, as a server would.

    Unlike Django's test client this keeps `close_old_connections` on the request signals, so
    CONN_HEALTH_CHECKS and CONN_MAX_AGE behave as they do under gunicorn.
    """
    path, _, query = path.partition("?")
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(
        {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "HTTP_HOST": "testserver",
            "SERVER_NAME": "testserver",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json",
            "wsgi.input": io.BytesIO(body),
        }
    )
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    captured: dict = {}

    def start_response(status, response_headers, exc_info=None):
        captured["status"] = int(status.split()[0])
        captured["headers"] = dict(response_headers)

    chunks = get_wsgi_application()(environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return WSGIResponse(captured["status"], captured["headers"], content)
