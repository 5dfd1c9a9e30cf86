"""A layer that always crashes, to prove a crash is reported as `error` and earns nothing."""

from fraud.layers.base import Layer


class CrashingLayer(Layer):
    name = "ela"
    max_points = 20

    def run(self, ctx):
        raise RuntimeError("boom")
