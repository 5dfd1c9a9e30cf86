"""Running one layer safely: whatever happens, the result says so (an error never earns points)."""

from __future__ import annotations

import logging
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from core import metrics

from . import pipeline_layers
from .context import PipelineInputs, build_context
from .layers.base import Finding, LayerResult

logger = logging.getLogger(__name__)


def _error(max_points: int, message: str) -> LayerResult:
    return LayerResult("error", 0.0, max_points, [Finding("layer_error", message, severity="warning")])


def run_layer(inputs: PipelineInputs, name: str) -> dict:
    """Run layer `name` and return its result as a JSON-able dict (artifacts stored as files)."""
    started = time.perf_counter()
    max_points = pipeline_layers.max_points(name)
    try:  # resolving the class is inside: a broken override is this layer's error, not the task's
        layer_class = pipeline_layers.layer_class(name)
        result = layer_class().run(build_context(inputs, layer_class.inputs))
    except SoftTimeLimitExceeded:
        result = _error(max_points, "This check took too long and was stopped; it earned no points.")
    except Exception:
        logger.exception("fraud layer %s crashed", name)
        result = _error(max_points, "This check failed with an internal error; it earned no points.")
    if result.status == "error":
        result.points = 0.0
    result.duration_ms = int((time.perf_counter() - started) * 1000)
    metrics.observe_layer(layer=name, status=result.status, duration_ms=result.duration_ms)
    return serialize(inputs["verification_id"], name, result)


def serialize(verification_id: str, name: str, result: LayerResult) -> dict:
    artifacts = {}
    for artifact, png in result.artifacts.items():
        path = f"verifications/{verification_id}/{name}-{artifact}.png"
        if default_storage.exists(path):  # a retried task replaces its own artifact
            default_storage.delete(path)
        artifacts[artifact] = default_storage.save(path, ContentFile(png))
    return {
        "layer": name,
        "status": result.status,
        "points": round(result.points, 2),
        "max_points": result.max_points,
        "findings": [f.as_dict() for f in result.findings],
        "details": result.details,
        "artifacts": artifacts,
        "duration_ms": result.duration_ms,
    }
