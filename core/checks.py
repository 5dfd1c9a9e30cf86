"""System checks of our own settings; `manage.py check --deploy` runs the deploy-tagged ones."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def metrics_token_check(app_configs, **kwargs):
    if settings.METRICS_TOKEN or settings.METRICS_ALLOW_LOOPBACK:
        return []
    return [
        Warning(
            "METRICS_TOKEN is not set, so /metrics refuses every request.",
            hint="Set METRICS_TOKEN and give Prometheus `Authorization: Bearer <token>`.",
            id="core.W001",
        )
    ]
