"""Webhook chaos: N events delivered by real Celery workers while workers are SIGKILLed.

Run from the project root::

    python bench/webhook_chaos.py [--events 1000] [--kills 10] [--workers 3] [--concurrency 4]

What it does: records N `certificate.issued` events (each in its own transaction, as the
certificates service does) for one endpoint pointing at a receiver thread in this process; real
Celery worker processes deliver them through the Redis broker against PostgreSQL; meanwhile a
whole worker (main process and its pool children) is killed with SIGKILL `--kills` times and
restarted. A stand-in for beat queues the sweeper every second. The receiver verifies every
request with the official `standardwebhooks` library and deduplicates by `webhook-id`.

Services: the database `certverify_chaos` on DATABASE_URL's PostgreSQL server (default
127.0.0.1:5432; created and migrated if missing; a DATABASE_URL whose name contains "chaos" is
used as is) and the Redis broker CELERY_BROKER_URL (default redis://127.0.0.1:6379/14); tasks
go to their own queue, so other workers on the same broker don't take them. Claim lease and timeouts are
shortened (6 s, 3 s) so lost attempts come back within the run. Exit status 0 iff nothing was
lost and every signature verified.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUEUE = "webhooks-chaos"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/certverify_chaos"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/14"
RECEIVER_DELAY = 0.05
LOG_FILE = (
    Path(tempfile.gettempdir()) / "webhook_chaos.log"
)  # seconds per request, so deliveries are in flight when the kills land


def chaos_database_url() -> str:
    """The bench's own database on the configured PostgreSQL server (never the app's database)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return DEFAULT_DATABASE_URL
    server, name = url.split("?")[0].rsplit("/", 1)
    return url if "chaos" in name else f"{server}/certverify_chaos"


def broker_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    return url if url.startswith("redis://") else DEFAULT_BROKER_URL


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=chaos_database_url(),
        CELERY_BROKER_URL=broker_url(),
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DEBUG="false",
        LOG_FORMAT="plain",
        LOG_LEVEL="ERROR",
        CELERY_TASK_ALWAYS_EAGER="false",
        WEBHOOKS_ALLOW_LOOPBACK="true",
        WEBHOOKS_REQUIRE_HTTPS="false",
    )
    return env


def django_setup() -> None:
    """Configure Django for the bench; the same in the orchestrator and in every worker."""
    import django
    from django.conf import settings

    django.setup()
    settings.WEBHOOKS_CLAIM_SECONDS = 6
    settings.WEBHOOKS_TIMEOUT = 3
    settings.WEBHOOKS_CONNECT_TIMEOUT = 1
    settings.CELERY_TASK_DEFAULT_QUEUE = QUEUE
    settings.CELERY_TASK_ROUTES = {"webhooks.*": {"queue": QUEUE}}
    from config.celery_app import app

    assert app.conf.task_default_queue == QUEUE, "Celery read its configuration too early"


def run_worker(name: str, concurrency: int) -> None:
    # The orchestrator already resolved the environment; the worker takes it as given.
    django_setup()
    from config.celery_app import app

    app.worker_main(
        [
            "worker",
            "-Q",
            QUEUE,
            "-c",
            str(concurrency),
            "-P",
            "prefork",
            "-n",
            f"{name}@%h",
            "-O",
            "fair",
            "--loglevel",
            "ERROR",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


class Receiver:
    def __init__(self):
        self.ids: Counter[str] = Counter()
        self.invalid = 0  # complete requests whose signature did not verify: a signing bug
        self.truncated = 0  # requests cut short by a killed worker (redelivered, so not lost)
        self.lock = threading.Lock()
        self.secret = ""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.server.request_queue_size = 128
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def _handler(self):
        receiver = self
        from standardwebhooks.webhooks import Webhook, WebhookVerificationError

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:  # the sender was killed mid-request: nothing to verify
                    with receiver.lock:
                        receiver.truncated += 1
                    return
                time.sleep(RECEIVER_DELAY)
                try:
                    Webhook(receiver.secret).verify(body, dict(self.headers.items()))
                    valid = True
                except WebhookVerificationError:
                    valid = False
                with receiver.lock:
                    if valid:
                        receiver.ids[self.headers["webhook-id"]] += 1
                    else:
                        receiver.invalid += 1
                try:
                    self.send_response(200 if valid else 400)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        return Handler


def prepare(receiver: Receiver):
    from django.core.management import call_command

    from accounts.models import User
    from billing.models import Subscription
    from billing.plans import plan_get
    from organizations.access import Actor
    from organizations.models import Membership, Organization
    from organizations.roles import Role
    from webhooks import services
    from webhooks.models import Endpoint, Event

    call_command("migrate", verbosity=0)
    org, _ = Organization.objects.get_or_create(slug="chaos-bench", defaults={"name": "Chaos Bench"})
    user, _ = User.objects.get_or_create(email="chaos@bench.invalid")
    Membership.objects.get_or_create(user=user, organization=org, defaults={"role": Role.OWNER})
    # The bench's database is kept between runs: its organization must not run out of its plan's
    # monthly webhook endpoints (each run creates one).
    Subscription.objects.update_or_create(organization=org, defaults={"plan": plan_get("enterprise")})
    Endpoint.objects.filter(organization=org).delete()
    Event.objects.filter(organization=org).delete()
    endpoint, secret = services.endpoint_create(
        actor=Actor(user=user), organization=org, url=receiver.url, event_types=["certificate.issued"]
    )
    receiver.secret = secret
    return org, endpoint


def drain_queue(broker_url: str) -> None:
    import redis

    redis.Redis.from_url(broker_url).delete(QUEUE)


def record_events(org, numbers: range, rate: float, recorded: list) -> None:
    """One writer: each event in its own transaction, as a certificate service records it."""
    from django.db import connection, transaction

    from webhooks import services

    try:
        for n in numbers:
            with transaction.atomic():
                event = services.event_record(
                    organization=org,
                    type="certificate.issued",
                    data={"n": n, "credential_id": f"CV-CHAOS-{n:05d}"},
                )
            recorded.append(event.message_id)
            time.sleep(1 / rate)
    finally:
        connection.close()


def start_recorders(org, count: int, writers: int, rate: float, recorded: list) -> list[threading.Thread]:
    threads = [
        threading.Thread(target=record_events, args=(org, range(i, count, writers), rate / writers, recorded))
        for i in range(writers)
    ]
    for thread in threads:
        thread.start()
    return threads


def children(pid: int) -> list[int]:
    """Pool processes of a worker (Linux /proc; no psutil needed)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class Workers:
    """Worker processes; a kill is SIGKILL to a whole worker (then restarted) or to one pool child."""

    BOOT_TIMEOUT = 60.0

    def __init__(self, count: int, concurrency: int, log):
        self.concurrency = concurrency
        self.log = log
        self.procs = [self._start(i) for i in range(count)]
        self.started = [time.monotonic()] * count

    def ready(self, index: int) -> bool:
        """Booted: the pool processes exist only once Django and every task module are imported."""
        return len(children(self.procs[index].pid)) >= self.concurrency

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.BOOT_TIMEOUT
        while not all(self.ready(i) for i in range(len(self.procs))):
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers did not boot; see {LOG_FILE}")
            time.sleep(0.2)

    def _start(self, index: int) -> subprocess.Popen:
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", f"chaos{index}"]
        command += ["--concurrency", str(self.concurrency)]
        return subprocess.Popen(
            command, cwd=ROOT, env=environment(), start_new_session=True, stdout=self.log, stderr=self.log
        )

    def booted(self) -> list[int]:
        return [i for i in range(len(self.procs)) if self.ready(i)]

    def kill(self, n: int) -> str | None:
        """Kill number n: even ones take a whole worker down, odd ones a pool process mid-task."""
        ready = self.booted()
        if not ready:
            return None
        index = min(ready, key=lambda i: self.started[i])
        proc = self.procs[index]
        if n % 2:
            pool = children(proc.pid)
            if not pool:
                return None
            os.kill(pool[n % len(pool)], signal.SIGKILL)  # the worker's main process forks a new one
            return "pool process"
        os.killpg(proc.pid, signal.SIGKILL)  # the worker and its pool children, mid-task
        proc.wait()
        self.procs[index], self.started[index] = self._start(index), time.monotonic()
        return "whole worker"

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()  # warm shutdown of the main process; it stops its pool
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def in_flight(endpoint) -> int:
    from webhooks.models import Delivery

    return Delivery.objects.filter(endpoint=endpoint, status="sending").count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rate", type=float, default=60.0, help="events recorded per second at most")
    parser.add_argument("--writers", type=int, default=4, help="threads recording events concurrently")
    parser.add_argument("--kill-every", type=float, default=1.5, help="minimum seconds between kills")
    parser.add_argument("--deadline", type=float, default=150.0, help="seconds to wait for delivery")
    parser.add_argument("--verbose", action="store_true", help="print progress to stderr")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args.worker, args.concurrency)
        return 0

    env = environment()
    os.environ.update(env)
    ensure_database(env["DATABASE_URL"])
    django_setup()
    from webhooks.models import Delivery
    from webhooks.tasks import sweep

    receiver = Receiver()
    org, endpoint = prepare(receiver)
    drain_queue(env["CELERY_BROKER_URL"])
    log = open(LOG_FILE, "w")  # noqa: SIM115  (worker output, for post-mortems)
    workers = Workers(args.workers, args.concurrency, log)
    recorded: list[str] = []
    started = time.monotonic()
    kills: Counter[str] = Counter()
    last_kill, delivered_at, previous_done = started, None, 0
    try:
        workers.wait_ready()
        recorders = start_recorders(org, args.events, args.writers, args.rate, recorded)
        while time.monotonic() - started < args.deadline:
            sweep.apply_async(expires=5)  # what beat does every few seconds in production
            done = Delivery.objects.filter(endpoint=endpoint, status="succeeded").count()
            delivering = done > previous_done and in_flight(endpoint) > 0
            total = sum(kills.values())
            if total < args.kills and delivering and time.monotonic() - last_kill > args.kill_every:
                if kind := workers.kill(total):
                    kills[kind] += 1
                    last_kill = time.monotonic()
            if args.verbose:
                print(
                    f"  t={time.monotonic() - started:5.1f}s recorded={len(recorded)} delivered={done} "
                    f"in-flight={in_flight(endpoint)} kills={dict(kills)}",
                    file=sys.stderr,
                )
            if not any(r.is_alive() for r in recorders) and done >= len(recorded):
                delivered_at = time.monotonic()
                break
            previous_done = done
            time.sleep(0.5)
        for recorder in recorders:
            recorder.join()
    finally:
        workers.stop()
        receiver.server.shutdown()
        log.close()

    received = set(receiver.ids)
    lost = len(set(recorded) - received)
    duplicates = sum(receiver.ids.values()) - len(received)
    attempts = Delivery.objects.filter(endpoint=endpoint)
    print(
        f"webhook chaos: {len(recorded)} events, {args.workers} workers x {args.concurrency} processes, "
        f"broker {env['CELERY_BROKER_URL']}, database {env['DATABASE_URL'].rsplit('/', 1)[1]}"
    )
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(kills.items()))
    print(f"  SIGKILLs during delivery:        {sum(kills.values())} ({kinds})")
    print(f"  events recorded:                 {len(recorded)}")
    print(f"  distinct webhook-ids received:   {len(received)}")
    print(f"  lost:                            {lost}")
    print(f"  duplicate deliveries (deduped):  {duplicates}")
    print(f"  invalid signatures:              {receiver.invalid}")
    print(f"  requests cut short by a kill:    {receiver.truncated}")
    print(
        f"  attempt rows:                    {attempts.count()} "
        f"(succeeded {attempts.filter(status='succeeded').count()}, failed {attempts.filter(status='failed').count()})"
    )
    if delivered_at:
        print(
            f"  elapsed:                         {delivered_at - started:.1f} s "
            f"(all delivered {delivered_at - last_kill:.1f} s after the last kill)"
        )
    else:
        print(f"  elapsed:                         gave up after {args.deadline:.0f} s")
    ok = (
        lost == 0
        and receiver.invalid == 0
        and len(recorded) == args.events
        and sum(kills.values()) == args.kills
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
