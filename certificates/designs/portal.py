"""Portal pages for certificate designs: the issue form's live preview and the template editor
(admins), with previews drawn from the same renderer as real certificates and marked PREVIEW.

A template of another organization is a 404; the shared designs are usable by every organization
but edited by none. Writes go through `template_services`, as the API's do.
"""

from __future__ import annotations

import io
import json

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from PIL import Image, ImageDraw, ImageFont

from certificates.designs import forms as design_forms
from certificates.designs import gallery
from certificates.designs import services as template_services
from certificates.lifecycle import forms
from certificates.lifecycle.portal import usable_templates
from certificates.models import CertificateTemplate
from certificates.rendering.fonts import font_path
from certificates.rendering.layout import (
    DEFAULT_LAYOUT,
    EXTRA_IMAGE_DEFAULTS,
    EXTRA_SIGNATURE_DEFAULTS,
    FREE_TEXT_DEFAULTS,
    REQUIRED_ELEMENTS,
    STATIC_ELEMENTS,
    LayoutError,
    layout_schema_errors,
)
from certificates.rendering.render import RenderInput, layout_text_problems, render_image
from core.errors import DomainError
from core.portal import apply_domain_error
from organizations.portal import portal_view
from organizations.roles import Role

PREVIEW_WIDTH = 1200


def _background(template: CertificateTemplate | None):
    if template is None or not template.background:
        return None
    with template.background.open("rb") as fh:
        return Image.open(fh).convert("RGB")


def _open(storage, name: str) -> Image.Image:
    with storage.open(name, "rb") as fh:
        image = Image.open(fh)
        image.load()
    return image


def _saved_images(template: CertificateTemplate | None) -> dict:
    """The template's saved logo and signature images, for its previews."""
    images: dict = {}
    if template is None:
        return images
    for name in template_services.IMAGE_FIELDS:
        stored = getattr(template, name)
        if stored:
            images[name] = _open(stored.storage, stored.name)
    storage = CertificateTemplate._meta.get_field("signature_image").storage
    for attribute in template_services.NAMED_IMAGE_FIELDS:  # signature_images, element_images
        images[attribute] = {
            element: _open(storage, stored)
            for element, stored in (getattr(template, attribute) or {}).items()
            if stored
        }
    return images


PENDING_FIELDS = (
    "background",
    *template_services.IMAGE_FIELDS,
    *template_services.SIGNATORY_IMAGE_FIELDS,
    *template_services.ELEMENT_IMAGE_FIELDS,
)


def _pending_images(files, organization) -> tuple[dict, dict[str, DomainError]]:
    """The images chosen in the editor but not saved yet (checked like uploads), as RenderInput
    arguments over the saved ones; and {field: error} for those that cannot be used."""
    pending: dict = {attribute: {} for attribute in template_services.NAMED_IMAGE_FIELDS}
    errors = {}
    for field in PENDING_FIELDS:
        upload = files.get(field)
        if not upload:
            continue
        try:
            image = template_services.preview_image(upload, field, organization=organization)
        except DomainError as exc:
            errors[field] = exc
            continue
        target = template_services.named_image_target(field)
        if target:
            attribute, element = target
            pending[attribute][element] = image
        else:
            pending[field] = image.convert("RGB") if field == "background" else image
    return pending, errors


def _preview_png(
    *, layout: dict | None, background=None, values: dict | None = None, images: dict | None = None
) -> bytes:
    """A downscaled rendering with sample values, marked PREVIEW so it cannot pass for a certificate."""
    values = values or {}
    sample_id = "CV-0000-0000-0000-0000-0"
    image = render_image(
        RenderInput(
            organization_name=values.get("organization_name") or "Your organization",
            recipient_name=values.get("recipient_name") or "Recipient Name",
            title=values.get("title") or "Course or programme title",
            issue_date=values.get("issue_date") or timezone.localdate(),
            expiry_date=values.get("expiry_date"),
            grade=values.get("grade") or None,
            credential_id=sample_id,
            qr_text=f"https://preview.invalid/verify/{sample_id}/?p=" + "PREVIEW0" * 22,
            background=background,
            layout=layout,
            **(images or {}),
        )
    )
    image.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH))
    _watermark(image)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)
    return out.getvalue()


def _watermark(image: Image.Image) -> None:
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    size = max(24, image.width // 9)
    path = font_path("sans-bold")
    font = ImageFont.truetype(path, size) if path else ImageFont.load_default(size)
    draw = ImageDraw.Draw(overlay)
    draw.text((image.width / 2, image.height / 2), "PREVIEW", font=font, fill=(200, 30, 30, 70), anchor="mm")
    overlay = overlay.rotate(18, resample=Image.Resampling.BICUBIC)
    image.paste(Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB"))


def _png(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@portal_view(Role.ISSUER)
@require_GET
def certificate_preview_view(request):
    """The issue form's current values drawn on the chosen design (fetched by static/js/preview.js)."""
    form = forms.PreviewForm(request.GET, templates=usable_templates(request))
    form.is_valid()
    values = {name: value for name, value in form.cleaned_data.items() if value}
    values["organization_name"] = request.portal.organization.name
    template = values.pop("template", None)
    try:
        data = _preview_png(
            layout=template.layout if template else None,
            background=_background(template),
            values=values,
            images=_saved_images(template),
        )
    except LayoutError:  # a stored layout made invalid by a later schema change: show the standard one
        data = _preview_png(layout=None, values=values)
    return _png(data)


# --- Templates (admins) ---------------------------------------------------------------------------


@portal_view(Role.ADMIN)
@require_GET
def template_list_view(request):
    templates = usable_templates(request).annotate(uses=Count("certificate")).order_by("organization", "name")
    context = {"templates": templates, "gallery": gallery.GALLERY}
    return render(request, "portal/templates/list.html", context)


def _own_template(request, pk: int) -> CertificateTemplate:
    return get_object_or_404(
        usable_templates(request).filter(organization=request.portal.organization), pk=pk
    )


def _template_form_page(request, template: CertificateTemplate | None):
    portal = request.portal
    start = gallery.BY_KEY.get(request.GET.get("start", ""))
    initial = {"layout": _layout_text(start.layout) if start else design_forms.layout_example()}
    if start is not None:
        initial["name"] = start.name
    if template is not None:
        initial = {"name": template.name, "layout": _layout_text(template.layout)}
    form = design_forms.TemplateForm(request.POST or None, request.FILES or None, initial=initial)
    if template is None:
        del form.fields["remove_background"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.get("background")
        background = upload.read() if upload else None
        image_fields = (
            *template_services.IMAGE_FIELDS,
            *template_services.SIGNATORY_IMAGE_FIELDS,
            *template_services.ELEMENT_IMAGE_FIELDS,
        )
        images = {name: data[name].read() for name in image_fields if data.get(name)}
        try:
            if template is None:
                template = template_services.template_create(
                    actor=portal.actor,
                    organization=portal.organization,
                    name=data["name"],
                    layout=data["layout"],
                    background=background,
                    images=images,
                )
            else:
                template = template_services.template_update(
                    actor=portal.actor,
                    template=template,
                    name=data["name"],
                    layout=data["layout"],
                    background=background,
                    remove_background=data.get("remove_background", False),
                    images=images,
                )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"The template “{template.name}” has been saved.")
            return redirect("portal:template-edit", pk=template.pk)
    context = {
        "form": form,
        "template": template,
        "default_layout": _layout_text(DEFAULT_LAYOUT),
        "designer_data": {  # the designer's handles and panel (static/js/designer.js)
            "layout": DEFAULT_LAYOUT,
            "extra_signatures": EXTRA_SIGNATURE_DEFAULTS,
            "free_texts": FREE_TEXT_DEFAULTS,
            "extra_images": EXTRA_IMAGE_DEFAULTS,
            "required": REQUIRED_ELEMENTS,
            "static": STATIC_ELEMENTS,
        },
    }
    return render(request, "portal/templates/form.html", context, status=400 if form.errors else 200)


def _layout_text(layout: dict) -> str:
    return json.dumps(layout or {}, indent=2)


@portal_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def template_create_view(request):
    return _template_form_page(request, None)


@portal_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def template_edit_view(request, pk: int):
    return _template_form_page(request, _own_template(request, pk))


@portal_view(Role.ADMIN)
@require_GET
def template_preview_view(request, pk: int):
    template = get_object_or_404(usable_templates(request), pk=pk)
    values = {"organization_name": request.portal.organization.name}
    try:
        data = _preview_png(
            layout=template.layout or None,
            background=_background(template),
            values=values,
            images=_saved_images(template),
        )
    except LayoutError:
        data = _preview_png(layout=None, values=values)
    return _png(data)


@portal_view(Role.ADMIN)
@require_POST
def template_live_preview_view(request):
    """The editor's unsaved layout drawn with the images chosen but not saved yet (checked like
    uploads), else the saved ones when editing.

    A layout with mistakes, or a chosen file that is not a usable image, is answered with JSON `{"errors": [...]}` (status 200: the editor shows
    them; it is not a failed request) instead of a PNG.
    """
    form = design_forms.TemplatePreviewForm(request.POST)
    form.is_valid()
    layout = form.layout_value()
    if layout is None:
        return JsonResponse({"errors": ["The layout is not a valid JSON object."]})
    errors = layout_schema_errors(layout) or layout_text_problems(layout)
    if errors:
        return JsonResponse({"errors": errors[:8]})
    pending, file_errors = _pending_images(request.FILES, request.portal.organization)
    if file_errors:  # 400, or 402 when the plan has no designer images
        fields = {field: exc.message for field, exc in file_errors.items()}
        status = max(exc.status_code for exc in file_errors.values())
        return JsonResponse({"errors": list(fields.values()), "fields": fields}, status=status)
    template_id = request.POST.get("template", "")
    template = _own_template(request, int(template_id)) if template_id.isdigit() else None
    images = _saved_images(template)
    background = pending.pop("background", None)
    if background is None and not form.cleaned_data.get("remove_background"):
        background = _background(template)
    for attribute in template_services.NAMED_IMAGE_FIELDS:  # a chosen file over the saved one
        images[attribute] = {**images.get(attribute, {}), **pending.pop(attribute)}
    images = {**images, **pending}
    values = {"organization_name": request.portal.organization.name}
    return _png(_preview_png(layout=layout, background=background, values=values, images=images))


@portal_view(Role.ADMIN)
@require_GET
def gallery_preview_view(request, key: str):
    """A starting design of the gallery drawn with sample values and the organization's name."""
    design = gallery.BY_KEY.get(key)
    if design is None:
        raise Http404("No such design.")
    return _png(
        _preview_png(layout=design.layout, values={"organization_name": request.portal.organization.name})
    )
