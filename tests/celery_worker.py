"""A real Celery worker process on the real broker, for tests marked `worker`.

The worker gets its own queue (so parallel test processes never steal each other's tasks) and
points at the test database and media folder of the test process that started it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from config.celery_app import app


def worker_env(default_queue: str, media_root: Path, extra_env: dict | None = None) -> dict:
    """A worker's environment: the test database and media folder of this test process."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": default_queue,
        "MEDIA_ROOT": str(media_root),
        **(extra_env or {}),
    }


def worker_command(queue: str, name: str, loglevel: str = "WARNING") -> list[str]:
    """`celery worker` on one queue with two prefork processes, without cluster chatter."""
    return [
        sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue,
        "--pool", "prefork", "--concurrency", "2", "--loglevel", loglevel,
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}@%h",
    ]  # fmt: skip


@contextmanager
def running_worker(media_root: Path, extra_env: dict | None = None, *, queue: str | None = None):
    """A worker on a fresh queue that becomes this process's default queue; or, given `queue`, a
    worker on that queue only, leaving the default as it is (a second worker beside the first)."""
    own_queue = queue is None
    queue = queue or f"test-{uuid.uuid4().hex[:10]}"
    default_queue = queue if own_queue else app.conf.CELERY_TASK_DEFAULT_QUEUE
    env = worker_env(default_queue, media_root, extra_env)
    command = worker_command(queue, queue)
    process = subprocess.Popen(
        command, env=env, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    # Set through the CELERY_ namespace keys the app was configured with: assigning the lowercase
    # names would shadow them for the rest of the test process (other tests toggle these too).
    conf = app.conf
    previous = (conf.CELERY_TASK_ALWAYS_EAGER, conf.CELERY_TASK_DEFAULT_QUEUE)
    conf.CELERY_TASK_ALWAYS_EAGER = False
    if own_queue:
        conf.CELERY_TASK_DEFAULT_QUEUE = queue
    try:
        _wait_until_ready(queue, process)
        yield process
    finally:
        conf.CELERY_TASK_ALWAYS_EAGER, conf.CELERY_TASK_DEFAULT_QUEUE = previous
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _wait_until_ready(queue: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"worker exited: {process.stdout.read().decode(errors='replace')[-2000:]}")
        replies = app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1)
        if replies:
            return
    raise RuntimeError("worker did not become ready")
