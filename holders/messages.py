"""The e-mails a holder receives, composed from an organization's subject and body.

An organization's text is never a Django template: `fill` substitutes a fixed set of
`{placeholders}` in one pass (a value that itself contains `{title}` stays as it is), and the
HTML part puts the result, escaped, into our own template. So no one can reach template tags,
filters or object attributes through the message, and the subject cannot carry a header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from certificates.models import Certificate

PLACEHOLDERS = (
    "recipient_name",
    "organization",
    "title",
    "credential_id",
    "issue_date",
    "expiry_date",
    "holder_url",
    "pdf_url",
    "verify_url",
)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_BRACED = re.compile(r"\{([^{}\s]+)\}")  # anything that looks meant as a placeholder
_URL = re.compile(r"(https?://[^\s<>\"']+)")

# The notices an organization cannot edit: what happened to the certificate must be said plainly.
FIXED = {
    "revoked": (
        "Your certificate from {organization} has been revoked",
        'Dear {recipient_name},\n\n{organization} has revoked your certificate "{title}" '
        "(credential {credential_id}). Its page now says so, and it can no longer be shared.\n\n"
        "Reason given: {reason}\n\n{holder_url}\n\nIf you think this is a mistake, contact {organization}.",
    ),
    "reissued": (
        "Your corrected certificate from {organization}: {title}",
        'Dear {recipient_name},\n\n{organization} has reissued your certificate "{title}". '
        "The new certificate (credential {credential_id}) replaces {supersedes}, which no longer "
        "counts.\n\nYour new certificate's page:\n{holder_url}\n\nDownload the PDF: {pdf_url}",
    ),
    "expiring": (
        "Your certificate “{title}” expires on {expiry_date}",
        'Dear {recipient_name},\n\nYour certificate "{title}" from {organization} '
        "(credential {credential_id}) expires on {expiry_date}.\n\n{holder_url}\n\n"
        "Contact {organization} if you need to renew it.",
    ),
}


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in _BRACED.findall(text) if name not in PLACEHOLDERS})


def fill(text: str, values: dict[str, str]) -> str:
    """Replace each known {placeholder}; leave anything else exactly as written."""
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


def one_line(text: str) -> str:
    return " ".join(text.split())[:250]


def holder_url(certificate: Certificate) -> str:
    return f"{settings.SITE_URL}/c/{certificate.credential_id}/"


def values_for(certificate: Certificate, *, link_token: str = "") -> dict[str, str]:
    page = holder_url(certificate)
    return {
        "recipient_name": certificate.recipient_name,
        "organization": certificate.organization.name,
        "title": certificate.title,
        "credential_id": certificate.credential_id,
        "issue_date": certificate.issue_date.strftime("%-d %B %Y"),
        "expiry_date": certificate.expiry_date.strftime("%-d %B %Y") if certificate.expiry_date else "",
        "holder_url": f"{page}?d={link_token}" if link_token else page,
        "pdf_url": f"{page}certificate.pdf",
        "verify_url": certificate.public_url,
        "reason": certificate.status_reason or "not given",
        "supersedes": certificate.supersedes.credential_id if certificate.supersedes_id else "",
    }


@dataclass
class Composed:
    subject: str
    text: str
    html: str


def compose(
    *, certificate: Certificate, subject: str, body: str, link_token: str = "", pixel_url: str = ""
) -> Composed:
    values = values_for(certificate, link_token=link_token)
    text = fill(body, values)
    paragraphs = [_linked(p) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    html = render_to_string(
        "emails/holders/message.html",
        {
            "organization": certificate.organization,
            "paragraphs": paragraphs,
            "holder_url": values["holder_url"],
            "pdf_url": values["pdf_url"],
            "pixel_url": pixel_url,
            "SITE_URL": settings.SITE_URL,
        },
    )
    return Composed(subject=one_line(fill(subject, values)), text=text + "\n", html=html)


def _linked(paragraph: str) -> list[tuple[str, bool]]:
    """A paragraph as (piece, is_url) pairs, for the HTML template to escape and link."""
    return [(piece, bool(i % 2)) for i, piece in enumerate(_URL.split(paragraph)) if piece]


def sender(organization_name: str) -> str:
    """Our address, shown under the organization's name: the holder knows who it is from, and
    no organization can make us send as its own domain (SPF/DKIM are ours)."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((f"{one_line(organization_name)[:80]} via CertVerify", address))


def email_message(*, to: str, composed: Composed, organization_name: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=composed.subject,
        body=composed.text,
        from_email=sender(organization_name),
        to=[to],
        headers={"X-CertVerify-Organization": one_line(organization_name)},
    )
    message.attach_alternative(composed.html, "text/html")
    return message
