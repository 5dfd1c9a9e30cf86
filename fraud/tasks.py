"""Thin Celery tasks of the pipeline. They take plain inputs and return plain results; the
`verification` app builds the canvas and stores what comes back."""

import ctypes
import ctypes.util

from celery import shared_task
from celery.signals import celeryd_init, task_postrun, worker_process_init
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


def does_light_work() -> bool:
    """Whether this worker takes anything besides the images queue (the blockchain layer, issuance,
    anchoring: the tasks that use web3)."""
    return not _worker_queues or bool(_worker_queues - {settings.FRAUD_IMAGES_QUEUE})


@worker_process_init.connect
def warm_up(**kwargs) -> None:
    """Load before the first task, not during it, what this worker's queues will use, and no more:
    memory is what sizes a pool. web3 (~30 MiB, seconds to import) only where light tasks run; the
    OCR models (~70 MiB) only where pages are read and Gemini is not configured, since with Gemini
    local OCR is the fallback and loads on its first use; the Gemini SDK where it is configured."""
    if does_light_work():
        pass

    if not does_image_work():
        return
    from . import gemini_client, ocr

    if settings.GEMINI_API_KEY:
        gemini_client.warm_up()
    else:
        ocr.warm_up()


@shared_task(acks_late=True, soft_time_limit=45, time_limit=60)
def extract_fields(inputs: dict) -> dict:
    return extract(inputs)


@shared_task(acks_late=True, soft_time_limit=30, time_limit=40)
def run_layer_task(inputs: dict, name: str) -> dict:
    return run_layer(inputs, name)


def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
        return None


_trim = _malloc_trim()
IMAGE_TASKS = {"verification.tasks.start_verification", "fraud.tasks.run_layer_task"}


@task_postrun.connect
def release_freed_memory(sender=None, **kwargs) -> None:
    """Hand the heap's free pages back to the OS after image work. glibc keeps them, so the
    ~100-200 MiB each step of a 12 MP verification frees (decoded page, OCR activations, ELA
    planes) would otherwise stack up in the worker's RSS, step after step (bench/worker_rss_bench.py)."""
    if _trim is not None and getattr(sender, "name", None) in IMAGE_TASKS:
        _trim(0)
