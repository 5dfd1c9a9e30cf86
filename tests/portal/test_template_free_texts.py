"""Free texts in the template editor (issue P.1): the issuer's own words are saved with the layout,
refused field by field when they cannot print, and kept with each issued certificate."""

import datetime as dt
import json

import pypdfium2
import pytest

from certificates.lifecycle.services import certificate_issue
from certificates.models import CertificateTemplate
from certificates.rendering.services import certificate_render
from organizations.access import Actor

from .conftest import signed_in


@pytest.fixture
def admin_client(admin_user):
    return signed_in(admin_user)


def _layout(words: str) -> str:
    return json.dumps({"elements": {"text_1": {"x": 1000, "y": 1330, "max_width": 800, "text": words}}})


def _pdf_text(rendering) -> str:
    with rendering.pdf.open("rb") as fh:
        return pypdfium2.PdfDocument(fh.read())[0].get_textpage().get_text_range()


def test_a_free_text_is_saved_and_issued_certificates_keep_the_words_they_were_issued_with(
    admin_client, org, admin_user
):
    response = admin_client.post(
        "/portal/templates/new/", {"name": "With words", "layout": _layout("Awarded with distinction")}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    template = CertificateTemplate.objects.get(organization=org, name="With words")
    certificate = certificate_issue(
        actor=Actor(user=admin_user), organization=org, recipient_name="Ada", title="MSc",
        issue_date=dt.date(2026, 6, 30), template=template,
    )  # fmt: skip
    admin_client.post(
        f"/portal/templates/{template.pk}/", {"name": "With words", "layout": _layout("Awarded with honours")}
    )
    template.refresh_from_db()
    assert template.layout["elements"]["text_1"]["text"] == "Awarded with honours"
    text = _pdf_text(certificate_render(certificate=certificate, force=True))
    assert "Awarded with distinction" in text and "honours" not in text


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("   ", "write the words to print"),
        ("Private \ue000 use", "No installed font can draw"),
        ("Awarded with distinction " * 12, "too long to print"),
    ],
)
def test_words_that_cannot_print_are_a_layout_error_and_nothing_is_saved(admin_client, org, words, message):
    response = admin_client.post("/portal/templates/new/", {"name": "Bad words", "layout": _layout(words)})
    assert response.status_code == 400
    assert "elements.text_1.text" in response.content.decode()
    assert message in response.content.decode()
    assert not CertificateTemplate.objects.filter(organization=org).exists()
    preview = admin_client.post("/portal/templates/preview.png", {"layout": _layout(words)})
    assert any(error.startswith("elements.text_1.text") for error in preview.json()["errors"])


def test_the_editor_offers_adding_a_text_and_an_image_with_their_defaults_and_uploads(admin_client):
    body = admin_client.get("/portal/templates/new/").content.decode()
    for action in ("add-text", "remove-text", "add-image", "remove-image"):
        assert f'data-action="{action}"' in body
    assert 'name="image_1"' in body and 'name="image_2"' in body
    data = body.split('id="designer-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert set(json.loads(data)["free_texts"]) == {"text_1", "text_2", "text_3"}
    assert set(json.loads(data)["extra_images"]) == {"image_1", "image_2"}
