"""The production settings plus one bench-only URL (`/bench/bare/`, the baseline view).

Used only by the benches (bench/_common.py sets every variable); never in a deployment.
BENCH_METRICS=1 adds the Prometheus request middleware (core/metrics.py), to measure its cost.
"""

import os

from config.settings.production import *  # noqa: F401,F403

ROOT_URLCONF = "bench.bench_urls"
if os.environ.get("BENCH_METRICS") == "1":
    MIDDLEWARE = ["core.metrics.RequestMetricsMiddleware", *MIDDLEWARE]  # noqa: F405
