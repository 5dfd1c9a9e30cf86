"""1,000 events, real Celery workers on Redis, PostgreSQL, ten SIGKILLs: nothing lost."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(
    not (reachable(5432) and reachable(6379)), reason="needs PostgreSQL and Redis on 127.0.0.1"
)
def test_a_thousand_events_survive_ten_worker_kills_with_none_lost():
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    result = subprocess.run(
        [sys.executable, "bench/webhook_chaos.py", "--events", "1000", "--kills", "10", "--deadline", "200"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    print(result.stdout)
    figures = dict(
        line.strip().split(":", 1)
        for line in result.stdout.splitlines()
        if line.startswith("  ") and ":" in line
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert figures["distinct webhook-ids received"].strip() == "1000"
    assert figures["lost"].strip() == "0"
    assert figures["invalid signatures"].strip() == "0"
    assert figures["SIGKILLs during delivery"].strip().startswith("10 ")
