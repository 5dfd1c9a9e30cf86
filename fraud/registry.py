"""The layers of the pipeline, in display order. Adding a layer is adding a line here."""

from __future__ import annotations

from importlib import import_module

from .layers.base import Layer

LAYER_PATHS = {
    "metadata": "fraud.layers.metadata.MetadataLayer",
    "ela": "fraud.layers.ela.ErrorLevelLayer",
    "vision": "fraud.layers.vision.VisionLayer",
    "registry": "fraud.layers.registry.RegistryLayer",
    "blockchain": "fraud.layers.blockchain.BlockchainLayer",
    "geo": "fraud.layers.geo.GeoLayer",
}

# Layers that decode the full page and need ~100 MiB for a 12 MP photo; with
# settings.FRAUD_IMAGES_QUEUE they run (with stage 1's OCR) on the workers of that queue.
IMAGE_LAYERS = frozenset({"ela", "registry"})

# The seed weights of DESIGN §5; each layer class declares the same number as `max_points`.
MAX_POINTS = {"metadata": 20, "ela": 20, "vision": 20, "registry": 20, "blockchain": 10, "geo": 10}

TITLES = {
    "metadata": "File metadata",
    "ela": "Error level analysis",
    "vision": "AI vision / text reading",
    "registry": "Issuer's records",
    "blockchain": "Blockchain anchor",
    "geo": "Where the check came from",
}


def _paths() -> dict[str, str]:
    """settings.FRAUD_LAYER_OVERRIDES may replace a layer's class (e.g. a site-specific variant)."""
    from django.conf import settings

    return {**LAYER_PATHS, **getattr(settings, "FRAUD_LAYER_OVERRIDES", {})}


def layer_names() -> list[str]:
    return list(LAYER_PATHS)


def get_layer(name: str) -> Layer:
    module_path, class_name = _paths()[name].rsplit(".", 1)
    return getattr(import_module(module_path), class_name)()
