"""Thin Celery tasks of the pipeline. They take plain inputs and return plain results; the
`verification` app builds the canvas and stores what comes back."""

from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings

from .context import extract
from .runner import run_layer


@worker_process_init.connect
def warm_up(**kwargs) -> None:
    """Load the OCR engine, web3 and (when configured) the Gemini SDK before the first task, not during it."""
    from certificates import chain  # noqa: F401  (web3's import takes seconds)

    from . import gemini_client, ocr

    ocr.warm_up()
    if settings.GEMINI_API_KEY:
        gemini_client.warm_up()


@shared_task(acks_late=True, soft_time_limit=45, time_limit=60)
def extract_fields(inputs: dict) -> dict:
    return extract(inputs)


@shared_task(acks_late=True, soft_time_limit=30, time_limit=40)
def run_layer_task(inputs: dict, name: str) -> dict:
    return run_layer(inputs, name)
