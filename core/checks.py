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


@register(Tags.security, deploy=True)
def report_signing_key_check(app_configs, **kwargs):
    if settings.REPORT_SIGNING_KEY:
        return []
    return [
        Warning(
            "REPORT_SIGNING_KEY is not set, so verification reports are signed with a key generated "
            "into the database (lost with it, and readable by anyone who can read it).",
            hint="Set REPORT_SIGNING_KEY to base64 of a raw 32-byte Ed25519 private key "
            "(docs/verification-report.md says how to make one).",
            id="core.W002",
        )
    ]
