"""The public verify and holder pages speak the browser's language (en, hi, es, fr, ar, zh-hans),
with a switcher; the portal and the API stay in English (docs/i18n.md)."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from certificates.lifecycle.services import certificate_revoke
from organizations.access import Actor

pytestmark = pytest.mark.django_db

HEADINGS = {
    "fr": ("fr", "ltr", "Ce certificat est-il authentique ?"),
    "ar": ("ar", "rtl", "هل هذه الشهادة أصلية؟"),
    "hi": ("hi", "ltr", "क्या यह प्रमाणपत्र असली है?"),
    "zh-CN,zh;q=0.9": ("zh-hans", "ltr", "这张证书是真的吗？"),
    "es-MX,es;q=0.8,en;q=0.5": ("es", "ltr", "¿Es auténtico este certificado?"),
}


def _html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


@pytest.mark.parametrize("accept", list(HEADINGS))
def test_the_verify_page_follows_the_browsers_language(accept):
    code, direction, heading = HEADINGS[accept]
    response = Client().get("/verify/", HTTP_ACCEPT_LANGUAGE=accept)
    page = response.content.decode()
    assert _html_tag(page) == f'<html lang="{code}" dir="{direction}">'
    assert f"<h1>{heading}</h1>" in page
    assert response["Content-Language"] == code and "Accept-Language" in response["Vary"]
    assert "Is this certificate genuine?" not in page


@pytest.mark.parametrize("accept", ["de-DE,de;q=0.9", "ja", "pt-BR", ""])
def test_an_unsupported_language_falls_back_to_english(accept):
    page = Client().get("/verify/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert _html_tag(page) == '<html lang="en" dir="ltr">'
    assert "<h1>Is this certificate genuine?</h1>" in page


def test_the_switcher_posts_to_set_language_with_a_csrf_token_and_sticks():
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/verify/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    form = re.search(
        r'<form class="language-switcher" action="([^"]+)" method="post">(.*?)</form>', page, re.S
    )
    assert form and form.group(1) == "/i18n/setlang/"
    options = re.findall(r'<option value="([^"]+)"', form.group(2))
    assert options == ["en", "hi", "es", "fr", "ar", "zh-hans"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(2)).group(1)

    assert (
        browser.post("/i18n/setlang/", {"language": "ar", "next": "/verify/"}).status_code == 403
    )  # no token
    switched = browser.post(
        "/i18n/setlang/", {"language": "ar", "next": "/verify/", "csrfmiddlewaretoken": token}
    )
    assert switched.status_code == 302 and switched["Location"] == "/verify/"
    # The choice outranks the browser's language from then on.
    page = browser.get("/verify/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert _html_tag(page) == '<html lang="ar" dir="rtl">' and "هل هذه الشهادة أصلية؟" in page


def test_the_switcher_refuses_to_send_the_visitor_elsewhere():
    switched = Client().post("/i18n/setlang/", {"language": "fr", "next": "https://evil.example/"})
    assert switched.status_code == 302 and switched["Location"] == "/"


def test_the_verify_forms_own_error_is_in_the_visitors_language():
    response = Client().post("/verify/", {"credential_id": "  "}, HTTP_ACCEPT_LANGUAGE="fr")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Téléversez le certificat, saisissez son identifiant, ou les deux." in page
    assert "Identifiant de l’attestation (facultatif avec un fichier)" in page


def test_a_revoked_certificate_page_says_so_in_spanish_and_the_holder_page_in_hindi(certificate, issuer):
    certificate_revoke(actor=Actor(user=issuer), certificate=certificate, reason="Error de datos")
    page = Client().get(f"/verify/{certificate.credential_id}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<p class="status-word">Revocado</p>' in page
    assert "Este certificado ha sido revocado." in page and "Error de datos" in page
    holder = Client().get(f"/c/{certificate.credential_id}/", HTTP_ACCEPT_LANGUAGE="hi").content.decode()
    assert '<p class="status-word">रद्द</p>' in holder and "यह प्रमाणपत्र रद्द कर दिया गया है।" in holder


def test_an_id_check_result_in_arabic_keeps_the_id_left_to_right(certificate):
    browser = Client()
    response = browser.post(
        "/verify/", {"credential_id": certificate.credential_id}, HTTP_ACCEPT_LANGUAGE="ar"
    )
    page = browser.get(response["Location"], HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert _html_tag(page) == '<html lang="ar" dir="rtl">'
    assert (
        "الشهادة بحسب سجل الجهة المُصدِرة" in page
        and '<p class="credential-word" id="credential-status">صالحة</p>' in page
    )
    assert f"<code>{certificate.credential_id}</code>" in page  # code is isolated left to right (CSS)
    assert "تحقّق من شهادة أخرى" in page


def test_the_portal_and_the_api_stay_in_english_whatever_the_browser_asks():
    api = APIClient().get("/api/v1/verifications/", HTTP_ACCEPT_LANGUAGE="fr")
    assert api.json()["error"]["message"] == "Authentication credentials were not provided."
    assert "Content-Language" not in api
    browser = Client()
    browser.cookies["django_language"] = "fr"  # a visitor who chose French on the public pages
    login = browser.get("/portal/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Ce certificat" not in login and 'lang="fr"' not in login
    api = APIClient()
    api.cookies["django_language"] = "fr"
    assert api.get("/api/v1/verifications/").json()["error"]["message"].startswith("Authentication")


def test_an_upload_refused_on_the_verify_page_is_explained_in_french_and_in_english_by_the_api():
    from django.core.files.uploadedfile import SimpleUploadedFile

    def upload():
        return SimpleUploadedFile("notes.txt", b"just some text, not a certificate")

    page = Client().post("/verify/", {"file": upload()}, HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 400
    assert "Téléversez une image JPEG, PNG ou WebP, un PDF ou une attestation vérifiable (.json)." in (
        page.content.decode()
    )
    api = APIClient().post(
        "/api/v1/verifications/", {"file": upload()}, format="multipart", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert api.status_code == 400
    assert api.json()["error"]["fields"]["file"] == [
        "Upload a JPEG, PNG, WebP image, a PDF, or a verifiable credential (.json)."
    ]


def test_a_translated_page_leaves_the_thread_in_english():
    from django.utils import translation

    assert Client().get("/verify/", HTTP_ACCEPT_LANGUAGE="fr").status_code == 200
    assert translation.get_language() == "en"
