"""Rendering writes: a certificate's PNG and PDF files and the perceptual hash stored with them."""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from certificates.models import Certificate
from certificates.rendering.render import RenderInput, perceptual_hash, render_pdf, render_png

logger = logging.getLogger(__name__)


def enqueue_render(certificate_id: int) -> None:
    from certificates.rendering.tasks import render_certificate

    try:
        render_certificate.delay(certificate_id)
    except Exception:  # broker down: the files are rendered on first download instead
        logger.warning("render of certificate %s not enqueued; it renders on first download", certificate_id)


def _image(name: str):
    from PIL import Image

    if not name:
        return None
    with default_storage.open(name, "rb") as fh:
        image = Image.open(fh)
        image.load()
        return image


def _template_images(certificate: Certificate) -> dict:
    """The background, logo, signature and extra images and layout of the template version the certificate
    was issued with; certificates issued before versions were kept read their template as it is."""
    version = certificate.template_version
    if version is None and certificate.template is not None:
        template = certificate.template
        version = {
            "layout": template.layout,
            "background": template.background.name or "",
            "logo": template.logo.name or "",
            "signature_image": template.signature_image.name or "",
            "signature_images": template.signature_images or {},
            "element_images": template.element_images or {},
        }
    version = version or {}
    background = _image(version.get("background", ""))
    return {
        "background": background.convert("RGB") if background is not None else None,
        "logo": _image(version.get("logo", "")),
        "signature_image": _image(version.get("signature_image", "")),
        "signature_images": {
            name: _image(stored) for name, stored in (version.get("signature_images") or {}).items() if stored
        },
        "element_images": {
            name: _image(stored) for name, stored in (version.get("element_images") or {}).items() if stored
        },
        "layout": version.get("layout") or None,
    }


def certificate_render(*, certificate: Certificate, force: bool = False) -> Certificate:
    """Render the PNG and PDF (with the QR) and store them; idempotent unless `force`."""
    if certificate.rendered_at and not force:
        return certificate
    images = _template_images(certificate)
    inp = RenderInput(
        organization_name=certificate.organization.name,
        recipient_name=certificate.recipient_name,
        title=certificate.title,
        issue_date=certificate.issue_date,
        expiry_date=certificate.expiry_date,
        grade=certificate.grade or None,
        credential_id=certificate.credential_id,
        qr_text=certificate.qr_text,
        **images,
    )
    png = render_png(inp)
    pdf = render_pdf(inp)
    certificate.image.save(f"{certificate.credential_id}.png", ContentFile(png), save=False)
    certificate.pdf.save(f"{certificate.credential_id}.pdf", ContentFile(pdf), save=False)
    certificate.phash = perceptual_hash(png)
    certificate.rendered_at = timezone.now()
    Certificate.objects.filter(pk=certificate.pk).update(
        image=certificate.image.name,
        pdf=certificate.pdf.name,
        phash=certificate.phash,
        rendered_at=certificate.rendered_at,
    )
    return certificate
