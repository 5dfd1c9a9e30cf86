"""Settings of a worker in tests/verification/test_worker_pipeline.py: the test settings plus an ELA
layer that always crashes."""

from config.settings.test import *  # noqa: F401,F403

FRAUD_LAYER_OVERRIDES = {"ela": "tests.verification.layers.CrashingLayer"}
