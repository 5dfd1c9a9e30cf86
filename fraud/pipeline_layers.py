"""The layers of the pipeline, in display order. Adding a layer is adding a line here.

Each layer's name, title, maximum points and inputs are declared once, on its class; the
classes are imported on first use, so a process loads only the layers (and their image
libraries) it runs or describes.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from .layers.base import Layer

LAYER_PATHS = {
    "metadata": "fraud.layers.metadata.MetadataLayer",
    "ela": "fraud.layers.ela.ErrorLevelLayer",
    "vision": "fraud.layers.vision.VisionLayer",
    "registry": "fraud.layers.registry.RegistryLayer",
    "blockchain": "fraud.layers.blockchain.BlockchainLayer",
    "geo": "fraud.layers.geo.GeoLayer",
    "forensics": "fraud.layers.forensics.ForensicsLayer",
}

# Layers that decode the full page and need ~100 MiB for a 12 MP photo; with
# settings.FRAUD_IMAGES_QUEUE they run (with stage 1's OCR) on the workers of that queue.
IMAGE_LAYERS = frozenset({"ela", "registry", "forensics"})


def _import(path: str) -> type[Layer]:
    module_path, class_name = path.rsplit(".", 1)
    return getattr(import_module(module_path), class_name)


def layer_names() -> list[str]:
    return list(LAYER_PATHS)


def layer_class(name: str) -> type[Layer]:
    """The class that runs layer `name`; settings.FRAUD_LAYER_OVERRIDES may replace it (e.g. a
    site-specific variant)."""
    from django.conf import settings

    overrides = getattr(settings, "FRAUD_LAYER_OVERRIDES", {})
    return _import(overrides.get(name) or LAYER_PATHS[name])


def get_layer(name: str) -> Layer:
    return layer_class(name)()


def max_points(name: str) -> int:
    """What layer `name` can earn, from its standard class (an override may not even load)."""
    return _import(LAYER_PATHS[name]).max_points


@cache
def titles() -> dict[str, str]:
    """Each layer's title as shown to people, from the standard classes (not the overrides)."""
    return {name: _import(path).title for name, path in LAYER_PATHS.items()}
