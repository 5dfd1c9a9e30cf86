"""Thin Celery tasks of the pipeline. They take plain inputs and return plain results; the
`verification` app builds the canvas and stores what comes back."""

from celery import shared_task
from celery.signals import celeryd_init, worker_process_init
from django.conf import settings

from .context import extract
from .runner import run_layer

_worker_queues: set[str] = set()  # the worker's -Q list; empty: it consumes every queue


@celeryd_init.connect
def remember_queues(options=None, **kwargs) -> None:
    """Runs in the worker's main process before it forks; the children inherit the set."""
    queues = (options or {}).get("queues") or []
    if isinstance(queues, str):
        queues = queues.split(",")
    _worker_queues.update(q.strip() for q in queues if q.strip())


def does_image_work() -> bool:
    images = settings.FRAUD_IMAGES_QUEUE
    return not images or not _worker_queues or images in _worker_queues


@worker_process_init.connect
def warm_up(**kwargs) -> None:
    """Load the OCR engine, web3 and (when configured) the Gemini SDK before the first task, not during it.
    A worker that only takes the light queue never reads a page, so it keeps the ~60 MiB of models out."""
    from certificates import chain  # noqa: F401  (web3's import takes seconds)

    from . import gemini_client, ocr

    if not does_image_work():
        return
    ocr.warm_up()
    if settings.GEMINI_API_KEY:
        gemini_client.warm_up()


@shared_task(acks_late=True, soft_time_limit=45, time_limit=60)
def extract_fields(inputs: dict) -> dict:
    return extract(inputs)


@shared_task(acks_late=True, soft_time_limit=30, time_limit=40)
def run_layer_task(inputs: dict, name: str) -> dict:
    return run_layer(inputs, name)
