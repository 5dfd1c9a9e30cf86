"""What a worker process loads before its first task depends on the queues it takes."""

import pytest

from fraud import ocr, tasks


@pytest.fixture
def queues(monkeypatch):
    def take(*names):
        monkeypatch.setattr(tasks, "_worker_queues", set(names))

    monkeypatch.setattr(ocr, "_engine", None)
    return take


@pytest.mark.parametrize(
    ("taken", "image_work", "light_work"),
    [
        ((), True, True),  # no -Q: every queue
        (("celery",), False, True),
        (("images",), True, False),
        (("celery", "images"), True, True),
    ],
)
def test_worker_knows_its_work_from_its_queues(settings, queues, taken, image_work, light_work):
    settings.FRAUD_IMAGES_QUEUE = "images"
    queues(*taken)
    assert (tasks.does_image_work(), tasks.does_light_work()) == (image_work, light_work)


def test_without_an_images_queue_every_worker_does_both(settings, queues):
    settings.FRAUD_IMAGES_QUEUE = ""
    queues("celery")
    assert tasks.does_image_work() and tasks.does_light_work()


def test_light_worker_never_loads_the_ocr_models(settings, queues):
    settings.FRAUD_IMAGES_QUEUE, settings.GEMINI_API_KEY = "images", ""
    queues("celery")
    tasks.warm_up()
    assert ocr._engine is None


def test_images_worker_with_gemini_leaves_ocr_to_the_first_fallback(settings, queues):
    settings.FRAUD_IMAGES_QUEUE, settings.GEMINI_API_KEY = "images", "test-key"
    queues("images")
    tasks.warm_up()
    assert ocr._engine is None


def test_images_worker_without_gemini_loads_the_ocr_models(settings, queues):
    settings.FRAUD_IMAGES_QUEUE, settings.GEMINI_API_KEY = "images", ""
    queues("images")
    tasks.warm_up()
    assert ocr._engine is not None
