"""What a holder can do with a valid certificate: LinkedIn's add-to-profile, e-mail, wallets.

Shown only while the certificate is valid: a revoked, suspended or expired one has nothing to
share, and its page says so instead.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.conf import settings

from certificates.models import Certificate

SHAREABLE = "valid"


def holder_page_url(certificate: Certificate) -> str:
    return f"{settings.SITE_URL}/c/{certificate.credential_id}/"


def credential_url(certificate: Certificate) -> str:
    """The Open Badges 3.0 credential (served by the certificates API)."""
    return f"{settings.SITE_URL}/api/v1/public/certificates/{certificate.credential_id}/credential/"


def linkedin_add_url(certificate: Certificate) -> str:
    """LinkedIn's add-to-profile link with the certification's fields filled in."""
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.title,
        "organizationName": certificate.organization.name,
        "issueYear": certificate.issue_date.year,
        "issueMonth": certificate.issue_date.month,
        "certUrl": holder_page_url(certificate),
        "certId": certificate.credential_id,
    }
    if certificate.expiry_date:
        params.update(
            expirationYear=certificate.expiry_date.year, expirationMonth=certificate.expiry_date.month
        )
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


def email_share_url(certificate: Certificate) -> str:
    subject = f"My certificate: {certificate.title}"
    body = (
        f'{certificate.organization.name} awarded me "{certificate.title}". '
        f"You can check it here: {holder_page_url(certificate)}"
    )
    return f"mailto:?subject={quote(subject)}&body={quote(body)}"


def wallet_deep_link(certificate: Certificate) -> str:
    """A link a wallet app registered for Open Badges can take; its QR is the same URL."""
    return credential_url(certificate)


def wallet_qr_svg(certificate: Certificate) -> str:
    """The QR code as inline SVG markup (made by segno from our own URL, so safe to embed)."""
    import segno

    return segno.make(wallet_deep_link(certificate), error="m").svg_inline(scale=4, border=2)
