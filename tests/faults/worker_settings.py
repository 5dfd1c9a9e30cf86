"""Settings of the worker in tests/faults/test_worker_killed.py: the test settings plus a stalling layer."""

from config.settings.test import *  # noqa: F401,F403

FRAUD_LAYER_OVERRIDES = {"ela": "tests.faults.layers.StallOnceLayer"}
