"""The profile and security pages: name, password, two-factor enrolment and removal."""

import re

import pyotp
import pytest

from accounts.models import BackupCode, User
from organizations.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

from .conftest import enable_totp, signed_in

pytestmark = pytest.mark.django_db


def test_profile_page_saves_the_name(owner_client, owner):
    assert owner_client.get("/portal/account/").status_code == 200
    response = owner_client.post("/portal/account/", {"profile-full_name": "  Ada Lovelace "})
    assert response["Location"] == "/portal/account/"
    assert User.objects.get(pk=owner.pk).full_name == "Ada Lovelace"


def test_account_pages_work_for_a_person_without_an_organization():
    client = signed_in(UserFactory())
    assert client.get("/portal/account/").status_code == 200
    assert client.get("/portal/account/security/").status_code == 200


def test_password_change_shows_the_services_error_next_to_the_field(owner_client):
    response = owner_client.post(
        "/portal/account/password/",
        {
            "password-current_password": "wrong-password",
            "password-new_password1": "a-new-long-passphrase",
            "password-new_password2": "a-new-long-passphrase",
        },
    )
    assert response.status_code == 200
    assert 'id="id_password-current_password_error"' in response.content.decode()


def test_password_change_keeps_this_session_signed_in(owner_client, owner):
    response = owner_client.post(
        "/portal/account/password/",
        {
            "password-current_password": PASSWORD,
            "password-new_password1": "a-new-long-passphrase",
            "password-new_password2": "a-new-long-passphrase",
        },
    )
    assert response["Location"] == "/portal/account/"
    assert User.objects.get(pk=owner.pk).check_password("a-new-long-passphrase")
    assert owner_client.get("/portal/account/").status_code == 200


def _secret_from_page(body: str) -> str:
    grouped = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', body).group(1)
    return grouped.replace(" ", "")


def test_two_factor_enrolment_shows_a_qr_then_backup_codes_once(owner_client, owner):
    response = owner_client.post("/portal/account/security/two-factor/begin/")
    assert response["Location"] == "/portal/account/security/two-factor/"
    page = owner_client.get("/portal/account/security/two-factor/")
    body = page.content.decode()
    assert '<img src="data:image/svg+xml' in body
    secret = _secret_from_page(body)

    wrong = owner_client.post("/portal/account/security/two-factor/", {"code": "000000"})
    assert 'id="id_code_error"' in wrong.content.decode()
    assert not User.objects.get(pk=owner.pk).totp_enabled

    done = owner_client.post("/portal/account/security/two-factor/", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    assert "no-store" in done["Cache-Control"]
    codes = re.findall(r"<li>([0-9a-f]{6}-[0-9a-f]{6})</li>", done.content.decode())
    assert len(codes) == 10
    assert User.objects.get(pk=owner.pk).totp_enabled
    assert BackupCode.objects.filter(user=owner).count() == 10
    # Never shown again: the enrolment page now sends you back to the security page.
    assert owner_client.get("/portal/account/security/two-factor/")["Location"] == "/portal/account/security/"
    assert AuditEvent.objects.filter(action="auth.2fa_enabled", actor=owner).exists()


def test_two_factor_can_be_turned_off_with_password_and_code(owner_client, owner):
    totp = enable_totp(owner)
    page = owner_client.get("/portal/account/security/")
    assert b"Turn off two-factor" in page.content
    bad = owner_client.post("/portal/account/security/two-factor/disable/", {"password": "nope", "code": "1"})
    assert 'id="id_password_error"' in bad.content.decode()
    response = owner_client.post(
        "/portal/account/security/two-factor/disable/", {"password": PASSWORD, "code": totp.now()}
    )
    assert response["Location"] == "/portal/account/security/"
    assert not User.objects.get(pk=owner.pk).totp_enabled


def test_two_factor_views_need_post_to_change_anything(owner_client, owner):
    assert owner_client.get("/portal/account/security/two-factor/begin/").status_code == 405
    assert owner_client.get("/portal/account/security/two-factor/disable/").status_code == 405
    assert not User.objects.get(pk=owner.pk).totp_secret_encrypted


def test_an_enrolment_code_in_digits_of_another_script_is_a_form_error(owner_client, owner):
    # Was a 500: the code reached secrets.compare_digest, which refuses non-ASCII text.
    owner_client.post("/portal/account/security/two-factor/begin/")
    response = owner_client.post("/portal/account/security/two-factor/", {"code": "１２３４５６"})
    assert response.status_code == 200
    assert 'id="id_code_error"' in response.content.decode()
    assert not User.objects.get(pk=owner.pk).totp_enabled
