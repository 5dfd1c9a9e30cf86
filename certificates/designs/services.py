"""Template writes: an organization's certificate templates (a background image and a field layout).

The layout is checked with `rendering.layout_schema_errors`; the background must be a real PNG,
JPEG or WebP image of sane size (read from the header, then verified) and is stored under a
generated name. Only admins and owners manage templates; platform templates (no organization)
are managed in the Django admin.
"""

from __future__ import annotations

import io
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from billing.usage import plan_require_feature
from certificates.errors import CertificateError
from certificates.models import CertificateTemplate
from certificates.rendering.layout import EXTRA_IMAGES, EXTRA_SIGNATURES, layout_schema_errors
from certificates.rendering.render import layout_text_problems
from organizations.access import Actor
from organizations.audit import audit_by
from organizations.models import Organization
from organizations.roles import Role

MAX_BACKGROUND_BYTES = 8 * 1024 * 1024
MAX_BACKGROUND_PIXELS = 40_000_000
BACKGROUND_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}


def _require_admin(actor: Actor, organization: Organization) -> None:
    if not actor.has_role(organization, Role.ADMIN):
        raise CertificateError("Managing templates needs the admin role.", code="permission_denied")


def _check_layout(layout: dict) -> dict:
    errors = layout_schema_errors(layout) or layout_text_problems(layout)
    if errors:
        raise CertificateError("; ".join(errors[:5]), field="layout", code="invalid_layout")
    return layout


def _checked_background(data: bytes, field: str = "background") -> tuple[bytes, str]:
    """The image bytes and their extension, or a CertificateError naming what is wrong."""
    if len(data) > MAX_BACKGROUND_BYTES:
        raise CertificateError(f"The {field} is larger than 8 MB.", field=field, code="file_too_large")
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size  # from the header, before decoding
            if width * height > MAX_BACKGROUND_PIXELS:
                raise CertificateError(
                    f"The {field} is {width}×{height} pixels; at most 40 megapixels are accepted.",
                    field=field,
                    code="too_many_pixels",
                )
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise CertificateError(
            f"The {field} must be a PNG, JPEG or WebP image.", field=field, code="invalid_image"
        ) from exc
    if kind not in BACKGROUND_FORMATS:
        raise CertificateError(
            f"The {field} must be a PNG, JPEG or WebP image.", field=field, code="invalid_image"
        )
    return data, BACKGROUND_FORMATS[kind]


def _store_background(template: CertificateTemplate, data: bytes, field: str = "background") -> None:
    """Checked like every upload, stored under a new name (an issued certificate's version keeps
    pointing at the file it was issued with)."""
    plan_require_feature(template.organization, "designer_images", "An image in the designer")
    data, extension = _checked_background(data, field)
    getattr(template, field).save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)


IMAGE_FIELDS = ("logo", "signature_image")
# Upload field -> the layout element whose image it is (the first signatory's is `signature_image`).
SIGNATORY_IMAGE_FIELDS = {f"signature_image_{name.rsplit('_', 1)[1]}": name for name in EXTRA_SIGNATURES}
# Upload field -> the extra image element it fills (the same name).
ELEMENT_IMAGE_FIELDS = {name: name for name in EXTRA_IMAGES}
# Upload fields kept in a JSON map on the template (element name -> stored file), by that map.
NAMED_IMAGE_FIELDS = {"signature_images": SIGNATORY_IMAGE_FIELDS, "element_images": ELEMENT_IMAGE_FIELDS}


def named_image_target(field: str) -> tuple[str, str] | None:
    """(template map, layout element) an upload field fills, e.g. ("element_images", "image_1")."""
    for attribute, fields in NAMED_IMAGE_FIELDS.items():
        if field in fields:
            return attribute, fields[field]
    return None


def preview_image(upload, field: str, *, organization: Organization) -> Image.Image:
    """An image chosen in the editor but not saved, checked like an upload (the plan, then the size
    without reading a too large file, then the image), decoded for the live preview."""
    plan_require_feature(organization, "designer_images", "An image in the designer")
    if upload.size > MAX_BACKGROUND_BYTES:
        raise CertificateError(f"The {field} is larger than 8 MB.", field=field, code="file_too_large")
    data, _ = _checked_background(upload.read(), field)
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _store_named_image(template: CertificateTemplate, data: bytes, field: str) -> str:
    """A further signatory's or an extra image, checked like every upload, under a new name in the
    template's map for it (issued certificates keep the name they were issued with); the map's name."""
    plan_require_feature(template.organization, "designer_images", "An image in the designer")
    data, extension = _checked_background(data, field)
    storage = CertificateTemplate._meta.get_field("signature_image").storage
    stored = storage.save(f"templates/{uuid.uuid4().hex}.{extension}", ContentFile(data))
    attribute, element = named_image_target(field)
    setattr(template, attribute, {**(getattr(template, attribute) or {}), element: stored})
    return attribute


def _store_images(template: CertificateTemplate, images: dict[str, bytes] | None) -> list[str]:
    """Store the uploaded logo, signature and extra images; the model fields that changed."""
    changed = []
    for field, data in (images or {}).items():
        if field in IMAGE_FIELDS and data:
            _store_background(template, data, field)
            changed.append(field)
        elif named_image_target(field) and data:
            changed.append(_store_named_image(template, data, field))
    return list(dict.fromkeys(changed))


@transaction.atomic
def template_create(
    *,
    actor: Actor,
    organization: Organization,
    name: str,
    layout: dict,
    background: bytes | None = None,
    images: dict[str, bytes] | None = None,
) -> CertificateTemplate:
    """A new template of `organization`; `background` is the raw bytes of an uploaded image."""
    _require_admin(actor, organization)
    name = name.strip()
    if not name:
        raise CertificateError("Give the template a name.", field="name")
    template = CertificateTemplate(organization=organization, name=name[:100], layout=_check_layout(layout))
    if background:
        _store_background(template, background)
    _store_images(template, images)
    template.save()
    audit_by(
        actor, action="template.created", organization=organization, target=template, details={"name": name}
    )
    return template


@transaction.atomic
def template_update(
    *,
    actor: Actor,
    template: CertificateTemplate,
    name: str | None = None,
    layout: dict | None = None,
    background: bytes | None = None,
    remove_background: bool = False,
    images: dict[str, bytes] | None = None,
) -> CertificateTemplate:
    """Change a template; certificates already rendered keep their files (re-render to apply)."""
    if template.organization_id is None:
        raise CertificateError("Platform templates cannot be changed here.", code="permission_denied")
    template = (
        CertificateTemplate.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=template.pk)
    )
    _require_admin(actor, template.organization)
    changed = []
    if name is not None and name.strip() and name.strip() != template.name:
        template.name, changed = name.strip()[:100], [*changed, "name"]
    if layout is not None and layout != template.layout:
        template.layout, changed = _check_layout(layout), [*changed, "layout"]
    if background:
        _store_background(template, background)
        changed.append("background")
    elif remove_background and template.background:
        template.background, changed = "", [*changed, "background"]
    changed += _store_images(template, images)
    if changed:
        template.save(update_fields=changed)
        audit_by(
            actor,
            action="template.updated",
            organization=template.organization,
            target=template,
            details={"fields": changed},
        )
    return template
