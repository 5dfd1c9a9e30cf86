"""gunicorn.conf.py, which every deployment's `gunicorn config.wsgi` reads, serves the app with
keep-alive threaded workers and logs each request with its request id."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.net import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


@pytest.fixture
def served(tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    process = subprocess.Popen(
        [str(GUNICORN), "config.wsgi"], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                time.sleep(0.1)
        _wait_until_the_worker_answers(port, deadline)
        yield port, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_the_worker_answers(port: int, deadline: float) -> None:
    """The master listens before its worker has loaded the app; on a busy machine that takes seconds."""
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=5).close()
            return
        except OSError:
            time.sleep(0.2)


def test_served_with_keep_alive_and_a_request_id_in_the_access_log(served):
    port, log = served
    connection = socket.create_connection(("127.0.0.1", port), timeout=5)
    with connection, connection.makefile("rb") as stream:
        for request_id in ("first-req", "second-req"):  # two requests, one connection
            connection.sendall(
                f"GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: {request_id}\r\n\r\n".encode()
            )
            status = stream.readline()
            headers = {}
            while (line := stream.readline()) != b"\r\n":
                name, _, value = line.decode().partition(":")
                headers[name.lower()] = value.strip()
            stream.read(int(headers["content-length"]))
            assert status.startswith(b"HTTP/1.1 200"), status
            assert headers.get("connection", "").lower() != "close"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live") as response:
        assert response.status == 200

    deadline = time.monotonic() + 5
    while "second-req" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = [line for line in log.read_text().splitlines() if "/health/live" in line]
    assert any('"GET /health/live HTTP/1.1" 200' in line and line.endswith("first-req") for line in lines)
    assert any(line.endswith("second-req") for line in lines)
