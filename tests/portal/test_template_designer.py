"""The template editor's designer parts (issue P.1): a signature image per signatory, kept with each
issued certificate's template version, and images previewed before they are saved (checked like
every upload)."""

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from billing.models import Subscription
from billing.plans import plan_get
from certificates.lifecycle.services import certificate_issue
from certificates.models import CertificateTemplate
from certificates.rendering.services import certificate_render
from organizations.access import Actor

from .conftest import signed_in

RED, GREEN, BLUE = (200, 20, 20), (20, 140, 40), (20, 20, 160)
PREVIEW_SCALE = 1200 / 2000  # the live preview is drawn 1200 px wide


@pytest.fixture
def admin_client(admin_user):
    return signed_in(admin_user)


def png_file(name: str, size, colour) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _two_signatories() -> dict:
    return {
        "elements": {
            "signature": {"name": "Dr. Jane Roe", "label": "Dean"},
            "signature_2": {
                "x": 1040,
                "y": 1150,
                "width": 400,
                "name": "Prof. Amal Idris",
                "label": "Rector",
            },
        }
    }


def test_each_signatory_gets_its_own_signature_image_which_issued_certificates_keep(
    admin_client, org, admin_user
):
    response = admin_client.post(
        "/portal/templates/new/",
        {
            "name": "Two signatories",
            "layout": json.dumps(_two_signatories()),
            "signature_image": png_file("one.png", (300, 100), BLUE),
            "signature_image_2": png_file("two.png", (300, 100), GREEN),
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    template = CertificateTemplate.objects.get(organization=org, name="Two signatories")
    assert set(template.signature_images) == {"signature_2"}
    certificate = certificate_issue(
        actor=Actor(user=admin_user), organization=org, recipient_name="Ada", title="MSc",
        issue_date=dt.date(2026, 6, 30), template=template,
    )  # fmt: skip
    assert certificate.template_version["signature_images"] == template.signature_images
    png = Image.open(certificate_render(certificate=certificate, force=True).image).convert("RGB")
    assert png.getpixel((210 + 220, 1150 - 70)) == BLUE and png.getpixel((1040 + 200, 1150 - 70)) == GREEN

    admin_client.post(
        f"/portal/templates/{template.pk}/",
        {
            "name": "Two signatories",
            "layout": json.dumps(_two_signatories()),
            "signature_image_2": png_file("new.png", (300, 100), RED),
        },
    )
    template.refresh_from_db()
    certificate.refresh_from_db()
    again = Image.open(certificate_render(certificate=certificate, force=True).image).convert("RGB")
    assert again.getpixel((1040 + 200, 1150 - 70)) == GREEN  # the version it was issued with
    assert (
        template.signature_images["signature_2"]
        != certificate.template_version["signature_images"]["signature_2"]
    )


def test_a_chosen_logo_shows_in_the_live_preview_before_it_is_saved(admin_client, org):
    response = admin_client.post(
        "/portal/templates/preview.png", {"layout": "{}", "logo": png_file("logo.png", (200, 200), RED)}
    )
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    preview = Image.open(io.BytesIO(response.content)).convert("RGB")
    centre = (round((150 + 120) * PREVIEW_SCALE), round((140 + 100) * PREVIEW_SCALE))
    assert all(abs(a - b) <= 3 for a, b in zip(preview.getpixel(centre), RED, strict=True))
    without = Image.open(
        io.BytesIO(admin_client.post("/portal/templates/preview.png", {"layout": "{}"}).content)
    )
    assert without.convert("RGB").getpixel(centre) != preview.getpixel(centre)
    assert not CertificateTemplate.objects.filter(organization=org).exists()  # nothing saved


def test_a_chosen_signatory_image_and_background_show_in_the_live_preview(admin_client):
    response = admin_client.post(
        "/portal/templates/preview.png",
        {
            "layout": json.dumps(_two_signatories()),
            "signature_image_2": png_file("two.png", (300, 100), GREEN),
            "background": png_file("bg.png", (400, 283), (230, 240, 250)),
        },
    )
    preview = Image.open(io.BytesIO(response.content)).convert("RGB")
    signature = (round((1040 + 200) * PREVIEW_SCALE), round((1150 - 70) * PREVIEW_SCALE))
    assert all(abs(a - b) <= 3 for a, b in zip(preview.getpixel(signature), GREEN, strict=True))
    assert preview.getpixel((20, 20)) == (230, 240, 250)  # the chosen background, not the engraved paper


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("logo.png", b"not an image", content_type="image/png"),
            "must be a PNG, JPEG or WebP",
        ),
        (
            SimpleUploadedFile("logo.png", b"\0" * (8 * 1024 * 1024 + 1), content_type="image/png"),
            "larger than 8 MB",
        ),
    ],
)
def test_a_chosen_file_that_is_no_usable_image_is_a_field_error_in_the_preview(admin_client, upload, message):
    response = admin_client.post("/portal/templates/preview.png", {"layout": "{}", "logo": upload})
    assert response.status_code == 400
    assert message in response.json()["fields"]["logo"] and response.json()["errors"]


def test_a_chosen_image_is_refused_in_the_preview_when_the_plan_has_no_designer_images(admin_client, org):
    plan = plan_get("free")
    plan.designer_images = False
    plan.save()
    Subscription.objects.update_or_create(organization=org, defaults={"plan": plan})
    response = admin_client.post(
        "/portal/templates/preview.png", {"layout": "{}", "logo": png_file("logo.png", (200, 200), RED)}
    )
    assert response.status_code == 402
    assert "not part of your plan" in response.json()["fields"]["logo"]
    assert admin_client.post("/portal/templates/preview.png", {"layout": "{}"}).status_code == 200


def test_the_preview_of_another_organizations_template_is_not_found(admin_client, outsider, other_org):
    theirs = CertificateTemplate.objects.create(organization=other_org, name="Theirs", layout={})
    response = admin_client.post(
        "/portal/templates/preview.png", {"layout": "{}", "template": str(theirs.pk)}
    )
    assert response.status_code == 404


def test_the_editor_offers_the_element_panel_and_a_signature_upload_per_signatory(admin_client):
    body = admin_client.get("/portal/templates/new/").content.decode()
    for marker in (
        'id="designer-panel"',
        'type="color"',
        'name="signature_image_2"',
        'name="signature_image_3"',
    ):
        assert marker in body
    assert 'id="designer-data"' in body and " style=" not in body  # data, never inline style


# --- extra images (image_1, image_2) ----------------------------------------------------------------

IMAGE_BOX = {"elements": {"image_1": {"x": 700, "y": 900, "width": 200, "height": 200}}}
IMAGE_CENTRE = (800, 1000)


def test_an_extra_image_is_stored_under_a_new_name_and_issued_certificates_keep_theirs(
    admin_client, org, admin_user
):
    form = {"name": "Partner logo", "layout": json.dumps(IMAGE_BOX)}
    response = admin_client.post(
        "/portal/templates/new/", {**form, "image_1": png_file("a.png", (50, 50), GREEN)}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    template = CertificateTemplate.objects.get(organization=org, name="Partner logo")
    assert set(template.element_images) == {"image_1"}
    certificate = certificate_issue(
        actor=Actor(user=admin_user), organization=org, recipient_name="Ada", title="MSc",
        issue_date=dt.date(2026, 6, 30), template=template,
    )  # fmt: skip
    assert certificate.template_version["element_images"] == template.element_images
    png = Image.open(certificate_render(certificate=certificate, force=True).image).convert("RGB")
    assert png.getpixel(IMAGE_CENTRE) == GREEN

    admin_client.post(
        f"/portal/templates/{template.pk}/", {**form, "image_1": png_file("b.png", (50, 50), RED)}
    )
    template.refresh_from_db()
    certificate.refresh_from_db()
    assert template.element_images["image_1"] != certificate.template_version["element_images"]["image_1"]
    again = Image.open(certificate_render(certificate=certificate, force=True).image).convert("RGB")
    assert again.getpixel(IMAGE_CENTRE) == GREEN  # the version it was issued with
    newer = certificate_issue(
        actor=Actor(user=admin_user), organization=org, recipient_name="Bo", title="MSc",
        issue_date=dt.date(2026, 6, 30), template=template,
    )  # fmt: skip
    assert (
        Image.open(certificate_render(certificate=newer).image).convert("RGB").getpixel(IMAGE_CENTRE) == RED
    )


def test_a_chosen_extra_image_shows_in_the_live_preview_before_it_is_saved(admin_client, org):
    response = admin_client.post(
        "/portal/templates/preview.png",
        {"layout": json.dumps(IMAGE_BOX), "image_1": png_file("a.png", (50, 50), GREEN)},
    )
    preview = Image.open(io.BytesIO(response.content)).convert("RGB")
    centre = tuple(round(v * PREVIEW_SCALE) for v in IMAGE_CENTRE)
    assert all(abs(a - b) <= 3 for a, b in zip(preview.getpixel(centre), GREEN, strict=True))
    assert not CertificateTemplate.objects.filter(organization=org).exists()


def test_an_extra_image_that_is_no_image_is_a_field_error_on_the_form_and_in_the_preview(admin_client, org):
    bad = {"name": "Bad", "layout": json.dumps(IMAGE_BOX)}
    response = admin_client.post(
        "/portal/templates/new/",
        {**bad, "image_1": SimpleUploadedFile("a.png", b"not an image", content_type="image/png")},
    )
    assert response.status_code == 400 and not CertificateTemplate.objects.filter(organization=org).exists()
    response = admin_client.post(
        "/portal/templates/preview.png",
        {"layout": "{}", "image_2": SimpleUploadedFile("b.png", b"not an image", content_type="image/png")},
    )
    assert (
        response.status_code == 400 and "must be a PNG, JPEG or WebP" in response.json()["fields"]["image_2"]
    )


def test_an_extra_image_is_refused_when_the_plan_has_no_designer_images(admin_client, org):
    plan = plan_get("free")
    plan.designer_images = False
    plan.save()
    Subscription.objects.update_or_create(organization=org, defaults={"plan": plan})
    response = admin_client.post(
        "/portal/templates/new/",
        {"name": "No images", "layout": json.dumps(IMAGE_BOX), "image_1": png_file("a.png", (50, 50), GREEN)},
    )
    assert "not part of your plan" in response.content.decode()
    assert not CertificateTemplate.objects.filter(organization=org).exists()
