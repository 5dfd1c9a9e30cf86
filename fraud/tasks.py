"""Thin Celery tasks of the pipeline. They take plain inputs and return plain results; the
`verification` app builds the canvas and stores what comes back."""

from celery import shared_task

from .context import extract
from .runner import run_layer


@shared_task(acks_late=True, soft_time_limit=45, time_limit=60)
def extract_fields(inputs: dict) -> dict:
    return extract(inputs)


@shared_task(acks_late=True, soft_time_limit=30, time_limit=40)
def run_layer_task(inputs: dict, name: str) -> dict:
    return run_layer(inputs, name)
