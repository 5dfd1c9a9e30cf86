"""gunicorn's settings for every deployment: gunicorn reads ./gunicorn.conf.py by itself, so the
Dockerfile, docker-compose.yml, the README's commands and bench/ all serve with these.

    gunicorn config.wsgi                          # WEB_CONCURRENCY, GUNICORN_THREADS, PORT adjust it

Threaded workers: a request spends part of its time waiting on PostgreSQL or Redis, and keep-alive
connections from a load balancer need a worker that can hold several of them (the sync worker
closes every connection after one request). See docs/scaling.md for the per-request costs.
"""

import gc
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 30  # longer than a load balancer's idle timeout, so it is the balancer that closes
timeout = 60
graceful_timeout = 30
# One line per request on stdout, with the request id the app echoes (X-Request-ID), so a line
# can be matched with the app's JSON logs; GUNICORN_ACCESS_LOG="" turns it off.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'
errorlog = "-"


def post_worker_init(worker) -> None:
    """Move everything the app allocated while loading into the permanent generation: the
    collector then never walks Django's ~10^5 long-lived objects during a request, which is
    where multi-millisecond pauses in the latency tail come from (and copy-on-write stays shared)."""
    gc.collect()
    gc.freeze()
