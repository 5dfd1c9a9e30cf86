"""The words the public and holder pages show for a status or a verdict, in the visitor's language
(docs/i18n.md). The stored values stay the English codes."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

STATUS_WORDS = {
    "valid": _("Valid"),
    "revoked": _("Revoked"),
    "suspended": _("Suspended"),
    "expired": _("Expired"),
    "superseded": _("Superseded"),
    "not_found": _("Not found"),
    "unknown": _("No issuer record"),
}
VERDICT_WORDS = {
    "authentic": _("Authentic"),
    "suspicious": _("Suspicious"),
    "fraudulent": _("Fraudulent"),
    "inconclusive": _("Inconclusive"),
    "not_checked": _("No document checked"),
}
ANCHOR_WORDS = {
    "pending": _("Pending"),
    "signed": _("Signed"),
    "submitted": _("Submitted"),
    "confirmed": _("Confirmed"),
    "failed": _("Failed"),
}


@register.filter
def status_word(status: str) -> str:
    """A credential's status (valid, revoked, …) as a word."""
    return str(STATUS_WORDS.get(status, status.capitalize() if status else ""))


@register.filter
def verdict_word(verdict: str) -> str:
    """A document's verdict (authentic, fraudulent, …) as a word."""
    return str(VERDICT_WORDS.get(verdict, verdict.capitalize() if verdict else ""))


@register.filter
def anchor_word(status: str) -> str:
    """A blockchain anchor's status as a word."""
    return str(ANCHOR_WORDS.get(status, status.capitalize() if status else ""))
