"""Shared plumbing for the performance benches (DESIGN.md §9, issue H item 4).

Everything runs on loopback against the machine's PostgreSQL and Redis, in a dedicated database
(`certverify_bench`, created and migrated on first use, reused afterwards) and dedicated Redis
databases (13 = cache, 12 = Celery broker), with the production settings module plus a bench-only
URL (`bench/bench_settings.py`). Override the locations with BENCH_DATABASE_URL,
BENCH_REDIS_URL and BENCH_BROKER_URL.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
BIN = Path(PYTHON).parent

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/certverify_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/12")
BENCH_PASSWORD = "bench-password-0123456789"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def bench_env(**extra: str) -> dict[str, str]:
    """Environment of the bench server, worker and in-process Django: production settings module,
    PostgreSQL + Redis, DEBUG off. Only what loopback HTTP forces is relaxed (no TLS redirect) and
    the proxy hop count is 1 so each simulated client (X-Forwarded-For) has its own throttle bucket,
    with the production throttle rates unchanged."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.bench_settings",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        CELERY_BROKER_URL=BROKER_URL,
        CELERY_RESULT_BACKEND=BROKER_URL,
        CELERY_TASK_ALWAYS_EAGER="false",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-" + "k" * 60),
        SECURE_SSL_REDIRECT="false",
        NUM_PROXIES="1",
        DEBUG="false",
        LOG_LEVEL="ERROR",
        LOG_FORMAT="plain",
        PYTHONPATH=str(ROOT),
        # Anchoring is not part of any figure here; keep the worker from starting an anchor run.
        ANCHOR_BATCH_SIZE="1000000000",
        MEDIA_ROOT=os.environ.get("BENCH_MEDIA_ROOT", "/tmp/certverify-bench-media"),
    )
    env.update(extra)
    return env


def setup_django() -> None:
    """Configure this process like the bench server (same settings, same database)."""
    import django

    for k, v in bench_env().items():
        if k not in ("PYTHONPATH",):
            os.environ[k] = v
    ensure_database()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def ensure_database() -> None:
    """Create the bench database if it does not exist yet."""
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def redis_client(url: str = REDIS_URL):
    import redis

    return redis.Redis.from_url(url)


# --- the machine ----------------------------------------------------------------------------------


def machine_info() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, StopIteration), open("/proc/cpuinfo") as f:
        cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return (
        f"{platform.node()}: {cpu}, {os.cpu_count()} logical CPUs, {mem_gib:.0f} GiB, "
        f"Linux {platform.release()}, Python {platform.python_version()}, load {load:.2f}"
    )


# --- statistics -----------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- /proc CPU accounting -------------------------------------------------------------------------


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children_of(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            kids += [int(x) for x in (task / "children").read_text().split()]
    return kids


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its live children (a gunicorn master and its workers)."""
    total = 0.0
    for p in [pid, *children_of(pid)]:
        with contextlib.suppress(OSError):
            total += process_cpu_seconds(p)
    return total


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


# --- processes --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                response.read()
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@dataclass
class Server:
    """A gunicorn serving the project with the bench settings."""

    workers: int = 2
    threads: int = 4
    worker_class: str = "gthread"
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self.port = self.port or free_port()
        self.log = Path(tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")[1])
        cmd = [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={self.workers}",
            *([f"--worker-class={self.worker_class}"] if self.worker_class else []),
            *([f"--threads={self.threads}"] if self.threads else []),
            "--keep-alive=30",
            "--backlog=256",
            "--log-level=warning",
            "--timeout=120",
        ]
        self.process = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=bench_env(**self.extra_env),
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_http(self.base + "/bench/bare/")
        deadline = time.monotonic() + 30
        while len(children_of(self.process.pid)) < self.workers and time.monotonic() < deadline:
            time.sleep(0.1)
        return self

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.process.pid)

    def worker_pids(self) -> list[int]:
        return children_of(self.process.pid)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@contextlib.contextmanager
def celery_worker(
    concurrency: int = 2, *, queues: str = "", flush: bool = True, **extra_env: str
) -> Iterator[subprocess.Popen]:
    """A Celery worker on the bench broker (flushed first unless told), stopped on exit; `queues`
    is its -Q list (default: every queue)."""
    if flush:
        redis_client(BROKER_URL).flushdb()
    log = Path(tempfile.mkstemp(prefix="bench-celery-", suffix=".log")[1])
    process = subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "config.celery_app",
            "worker",
            f"--concurrency={concurrency}",
            "--pool=prefork",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            *(["-Q", queues, "-n", f"{queues.replace(',', '-')}@%h"] if queues else []),
        ],
        cwd=ROOT,
        env=bench_env(**extra_env),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(children_of(process.pid)) < concurrency and time.monotonic() < deadline:
            time.sleep(0.2)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- load: wrk (preferred) or a Python keep-alive client -----------------------------------------------

WRK_SCRIPT = r"""
-- Per-thread request stream: paths from a file (one per line), each thread starting at its own
-- offset; a random client address from a pool (X-Forwarded-For, one proxy hop trusted).
local paths, n, i, auth, body, method
local thread_no = 0
setup = function(thread)
  thread:set("tid", thread_no)
  thread_no = thread_no + 1
end
init = function(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  n = #paths
  local threads = tonumber(args[2])
  i = math.floor(n / threads) * tid
  auth = args[3] ~= "-" and args[3] or nil
  method = args[4] or "GET"
  body = args[5] ~= nil and args[5] ~= "-" and args[5] or nil
  math.randomseed(1234 + tid)
end
request = function()
  i = i + 1
  local headers = {}
  headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.random(0, 15), math.random(0, 255), math.random(1, 254))
  if auth then headers["Authorization"] = auth end
  local p = paths[(i - 1) % n + 1]
  if body then
    headers["Content-Type"] = "application/json"
    return wrk.format(method, p, headers, (string.gsub(body, "@PATH@", p)))
  end
  return wrk.format(method, p, headers)
end
"""


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int
    latency_ms: dict[str, float]  # "p50", "p90", "p99"

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNIT[unit]


def run_wrk(
    base: str,
    paths: list[str],
    *,
    seconds: float,
    connections: int = 8,
    threads: int = 1,
    auth: str | None = None,
    method: str = "GET",
    body: str | None = None,
) -> LoadResult:
    """Closed-loop load with `connections` keep-alive connections for `seconds`."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp, "bench.lua")
        script.write_text(WRK_SCRIPT)
        paths_file = Path(tmp, "paths.txt")
        paths_file.write_text("\n".join(paths) + "\n")
        cmd = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout=10s",
            "--latency",
            "-s",
            str(script),
            base + paths[0],
            "--",
            str(paths_file),
            str(threads),
            auth or "-",
            method,
            body or "-",
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    m = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
    requests, span = int(m.group(1)), _ms(m.group(2) + m.group(3)) / 1000
    errors = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += (
        sum(
            int(x)
            for x in re.findall(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)[
                0
            ]
        )
        if "Socket errors" in out
        else 0
    )
    latency = {}
    for pct, value in re.findall(r"^\s+(50|90|99)%\s+([\d.]+(?:us|ms|s|m))\s*$", out, re.M):
        latency[f"p{pct}"] = _ms(value)
    return LoadResult(requests=requests, seconds=span, errors=errors, latency_ms=latency)


def run_python_load(
    base: str,
    paths: list[str],
    *,
    seconds: float,
    connections: int = 8,
    auth: str | None = None,
    method: str = "GET",
    body: str | None = None,
) -> LoadResult:
    """The same closed loop with http.client threads (used when wrk is not installed)."""
    import http.client
    import random
    import threading

    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(tid: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        rng = random.Random(1234 + tid)
        i = len(paths) // connections * tid
        local: list[float] = []
        bad = 0
        while time.monotonic() < stop_at:
            path = paths[i % len(paths)]
            i += 1
            headers = {
                "X-Forwarded-For": f"10.{rng.randint(0, 15)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            }
            if auth:
                headers["Authorization"] = auth
            payload = None
            if body:
                headers["Content-Type"] = "application/json"
                payload = body.replace("@PATH@", path)
            started = time.perf_counter()
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            response.read()
            local.append((time.perf_counter() - started) * 1000)
            bad += response.status >= 400
        conn.close()
        with lock:
            latencies.extend(local)
            errors[0] += bad

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(t,)) for t in range(connections)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    span = time.monotonic() - started
    return LoadResult(
        requests=len(latencies),
        seconds=span,
        errors=errors[0],
        latency_ms={f"p{p}": percentile(latencies, p) for p in (50, 90, 99)} if latencies else {},
    )


def run_paced(
    base: str, paths: list[str], *, rate: float, seconds: float, connections: int = 8
) -> LoadResult:
    """Open-loop GET load: `rate` requests per second spread evenly over `connections` keep-alive
    connections, each request due at a fixed time. Latency is counted from when a request was due,
    not when it could be sent, so a stalled server cannot hide its queue (no coordinated omission).
    One asyncio thread with raw HTTP/1.1 keeps the generator's own cost and jitter low."""
    import asyncio
    import random

    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = [0]

    async def connection(tid: int, start: float, end: float) -> None:
        loop = asyncio.get_running_loop()
        # Connect one after another before the schedule starts, as a load balancer's pool grows: all
        # at once, the first gunicorn worker to wake would accept every connection.
        await asyncio.sleep(tid * 0.02)
        reader, writer = await asyncio.open_connection(host, int(port))
        rng = random.Random(4321 + tid)
        i, k = len(paths) // connections * tid, 0
        try:
            while (due := start + (tid + k * connections) / rate) < end:
                if (delay := due - loop.time()) > 0:
                    await asyncio.sleep(delay)
                if writer is None:  # first request, or the server closed the last connection
                    reader, writer = await asyncio.open_connection(host, int(port))
                forwarded = f"10.{rng.randint(0, 15)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
                writer.write(
                    f"GET {paths[i % len(paths)]} HTTP/1.1\r\nHost: {host}\r\n"
                    f"X-Forwarded-For: {forwarded}\r\n\r\n".encode()
                )
                i, k = i + 1, k + 1
                status = int((await reader.readline()).split()[1])
                length, close = 0, False
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    close |= name.lower() == "connection" and value.strip().lower() == "close"
                await reader.readexactly(length)
                latencies.append((loop.time() - due) * 1000)
                errors[0] += status >= 400
                if close:
                    writer.close()
                    reader = writer = None
        finally:
            if writer is not None:
                writer.close()

    async def main() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.02 * connections + 0.1
        await asyncio.gather(*(connection(t, start, start + seconds) for t in range(connections)))
        return loop.time() - start

    span = asyncio.run(main())
    return LoadResult(
        requests=len(latencies),
        seconds=span,
        errors=errors[0],
        latency_ms={f"p{p}": percentile(latencies, p) for p in (50, 90, 99)} if latencies else {},
    )


def run_load(base: str, paths: list[str], **kwargs) -> LoadResult:
    if shutil.which("wrk"):
        return run_wrk(base, paths, **kwargs)
    kwargs.pop("threads", None)
    return run_python_load(base, paths, **kwargs)


def load_generator() -> str:
    return "wrk (1 thread)" if shutil.which("wrk") else "Python http.client threads"


# --- output -----------------------------------------------------------------------------------------


def print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def figure_line(key: str, label: str, value: str, goal: str, met: bool | None, note: str = "") -> str:
    """The machine-readable line each bench prints and run_all.py collects."""
    status = "met" if met else ("not met" if met is not None else "-")
    return f"FIGURE\t{key}\t{label}\t{value}\t{goal}\t{status}\t{note}"
