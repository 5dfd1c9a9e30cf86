from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Certificates"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from certificates.public_status.receivers import organization_saved
        from organizations.models import Organization

        post_save.connect(organization_saved, sender=Organization, dispatch_uid="certificates.public_status")
