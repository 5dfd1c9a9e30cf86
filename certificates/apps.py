from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Certificates"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from organizations.models import Organization

        # Each concept keeps its Celery tasks beside its services; importing them registers them.
        from .anchoring import tasks as _anchoring_tasks  # noqa: F401
        from .batches import tasks as _batch_tasks  # noqa: F401
        from .public_status import tasks as _public_status_tasks  # noqa: F401
        from .public_status.receivers import organization_saved
        from .rendering import tasks as _rendering_tasks  # noqa: F401

        post_save.connect(organization_saved, sender=Organization, dispatch_uid="certificates.public_status")
