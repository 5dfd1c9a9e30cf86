from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "credentials"
    verbose_name = "Portable credentials"

    def ready(self) -> None:
        from certificates.api import public_status_changed_signal

        from .status_lists import status_lists_follow_public_status

        public_status_changed_signal.connect(
            status_lists_follow_public_status, dispatch_uid="credentials.status"
        )
