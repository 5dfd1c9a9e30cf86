from django.apps import AppConfig


class HoldersConfig(AppConfig):
    name = "holders"
    verbose_name = "Certificate holders"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from certificates.models import Certificate, IssuanceBatch

        from . import tasks as _tasks  # noqa: F401  (registers the Celery tasks)
        from .receivers import batch_saved, certificate_saved

        post_save.connect(certificate_saved, sender=Certificate, dispatch_uid="holders.certificate")
        post_save.connect(batch_saved, sender=IssuanceBatch, dispatch_uid="holders.batch")

        from certificates.api import public_record_narrower_register

        from .access import narrow_public_record

        public_record_narrower_register(narrow_public_record)
