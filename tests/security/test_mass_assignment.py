"""No mass assignment: fields a client must never set are sent to every writable endpoint, and the
stored row must not take them (DESIGN §7: organization, status, hashes, proofs, scores, roles).

Certificate issue with status/content_hash/merkle_proof, webhook `organization` on update and
`email`/`email_verified` on /auth/me/ are pinned in their apps' tests; this file covers the rest.
"""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import User
from certificates.models import Certificate, CertificateTemplate
from organizations.models import APIKey, Invitation, Membership, Organization
from organizations.roles import Role
from tests.conftest import auth_client
from tests.factories import PASSWORD, MembershipFactory
from verification.models import VerificationRequest
from webhooks.models import Endpoint

pytestmark = pytest.mark.django_db

FAR_FUTURE = (timezone.now() + timedelta(days=3650)).isoformat()
LONG_AGO = "2001-01-01T00:00:00Z"
FAKE_HASH = "0" * 64


def test_organization_create_ignores_verification_and_activity_flags(user):
    response = auth_client(user).post(
        "/api/v1/organizations/",
        {
            "name": "Fresh Institute",
            "slug": "fresh-institute",
            "is_verified": True,
            "is_active": False,
            "deactivated_at": LONG_AGO,
            "created_at": LONG_AGO,
            "role": "viewer",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    organization = Organization.objects.get(slug="fresh-institute")
    assert not organization.is_verified and organization.is_active and organization.deactivated_at is None
    assert organization.created_at.year == timezone.now().year
    assert Membership.objects.get(organization=organization).role == Role.OWNER


def test_organization_update_ignores_slug_and_flags(org, owner):
    Organization.objects.filter(pk=org.pk).update(verification_level="unverified")  # factory: reviewed
    response = auth_client(owner).patch(
        f"/api/v1/organizations/{org.slug}/",
        {
            "name": "Renamed",
            "slug": "hijacked",
            "is_verified": True,
            "verification_level": "reviewed",
            "is_active": False,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    org.refresh_from_db()
    assert org.name == "Renamed" and org.slug != "hijacked" and not org.is_verified and org.is_active


def test_membership_update_changes_only_the_role(org, other_org, admin_user, user):
    membership = MembershipFactory(organization=org, role=Role.VIEWER)
    response = auth_client(admin_user).patch(
        f"/api/v1/organizations/{org.slug}/members/{membership.pk}/",
        {"role": "issuer", "user": user.pk, "organization": other_org.slug, "email": "mallory@example.com"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    membership.refresh_from_db()
    assert membership.role == Role.ISSUER
    assert membership.organization == org and membership.user != user
    assert not Membership.objects.filter(organization=other_org, user=membership.user).exists()


def test_a_member_cannot_raise_their_own_role(org, issuer):
    membership = Membership.objects.get(organization=org, user=issuer)
    response = auth_client(issuer).patch(
        f"/api/v1/organizations/{org.slug}/members/{membership.pk}/", {"role": "owner"}, format="json"
    )
    assert response.status_code in (403, 404)
    membership.refresh_from_db()
    assert membership.role == Role.ISSUER


def test_api_key_create_ignores_organization_secrets_and_lifecycle(org, other_org, admin_user, owner):
    response = auth_client(admin_user).post(
        f"/api/v1/organizations/{org.slug}/api-keys/",
        {
            "name": "HR system",
            "role": "viewer",
            "organization": other_org.slug,
            "prefix": "aaaaaaaa",
            "key_hash": FAKE_HASH,
            "key": "cvk_aaaaaaaa_chosen-by-the-client",
            "revoked_at": FAR_FUTURE,
            "last_used_at": LONG_AGO,
            "created_by": owner.pk,
            "is_active": False,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    key = APIKey.objects.get(name="HR system")
    assert key.organization == org and key.role == Role.VIEWER
    assert key.prefix != "aaaaaaaa" and key.key_hash != FAKE_HASH
    assert response.json()["key"] != "cvk_aaaaaaaa_chosen-by-the-client"
    assert key.revoked_at is None and key.last_used_at is None and key.created_by == admin_user


@pytest.mark.parametrize("role", ["owner", "superuser", ""])
def test_api_key_roles_are_limited_to_the_allowed_choices(org, owner, role):
    response = auth_client(owner).post(
        f"/api/v1/organizations/{org.slug}/api-keys/", {"name": f"k-{role}", "role": role}, format="json"
    )
    assert response.status_code == 400
    assert not APIKey.objects.exists()


def test_invitation_create_ignores_status_token_and_expiry(org, other_org, admin_user, owner):
    response = auth_client(admin_user).post(
        f"/api/v1/organizations/{org.slug}/invitations/",
        {
            "email": "newcomer@example.com",
            "role": "viewer",
            "organization": other_org.slug,
            "status": "accepted",
            "token_hash": FAKE_HASH,
            "expires_at": FAR_FUTURE,
            "accepted_at": LONG_AGO,
            "invited_by": owner.email,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    invitation = Invitation.objects.get(email="newcomer@example.com")
    assert invitation.organization == org and invitation.status == "pending"
    assert invitation.token_hash != FAKE_HASH and invitation.accepted_at is None
    assert invitation.expires_at < timezone.now() + timedelta(days=30)
    assert invitation.invited_by == admin_user


def test_an_admin_cannot_invite_an_owner(org, admin_user):
    response = auth_client(admin_user).post(
        f"/api/v1/organizations/{org.slug}/invitations/",
        {"email": "boss@example.com", "role": "owner"},
        format="json",
    )
    assert response.status_code in (400, 403)
    assert not Invitation.objects.exists()


def test_certificate_issue_ignores_identity_anchoring_and_lifecycle_fields(org, issuer):
    response = auth_client(issuer).post(
        "/api/v1/certificates/",
        {
            "organization": org.slug,
            "recipient_name": "Ada Lovelace",
            "title": "MSc",
            "issue_date": "2026-06-30",
            "credential_id": "CV-AAAA-AAAA-AAAA-AAAA-A",
            "status_reason": "pre-revoked",
            "status_changed_at": LONG_AGO,
            "anchor": {"status": "confirmed", "tx_hash": "0x" + "ab" * 32},
            "signing_key": 1,
            "supersedes": "CV-0000-0000-0000-0000-0",
            "created_at": LONG_AGO,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    certificate = Certificate.objects.get()
    assert certificate.credential_id != "CV-AAAA-AAAA-AAAA-AAAA-A"
    assert certificate.status == Certificate.Status.ISSUED and certificate.status_reason == ""
    assert certificate.anchor_id is None and certificate.supersedes_id is None
    assert certificate.created_at.year == timezone.now().year


def test_certificate_reissue_stays_in_its_organization_and_recomputes_the_hash(org, other_org, issuer):
    MembershipFactory(organization=other_org, user=issuer, role=Role.ISSUER)
    client = auth_client(issuer)
    original = client.post(
        "/api/v1/certificates/",
        {"organization": org.slug, "recipient_name": "Ada", "title": "MSc", "issue_date": "2026-06-30"},
        format="json",
    ).json()
    response = client.post(
        f"/api/v1/certificates/{original['credential_id']}/reissue/",
        {
            "recipient_name": "Ada Lovelace",
            "organization": other_org.slug,
            "content_hash": FAKE_HASH,
            "status": "issued",
            "merkle_proof": [{"x": 1}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    replacement = Certificate.objects.get(credential_id=response.json()["credential_id"])
    assert replacement.organization == org and replacement.content_hash != FAKE_HASH
    assert replacement.merkle_proof is None
    assert (
        Certificate.objects.get(credential_id=original["credential_id"]).status == Certificate.Status.REVOKED
    )


def test_certificate_revoke_takes_only_a_reason(org, issuer):
    client = auth_client(issuer)
    created = client.post(
        "/api/v1/certificates/",
        {"organization": org.slug, "recipient_name": "Ada", "title": "MSc", "issue_date": "2026-06-30"},
        format="json",
    ).json()
    response = client.post(
        f"/api/v1/certificates/{created['credential_id']}/suspend/",
        {"reason": "check", "status": "issued", "content_hash": FAKE_HASH},
        format="json",
    )
    assert response.status_code == 200, response.json()
    certificate = Certificate.objects.get()
    assert certificate.status == Certificate.Status.SUSPENDED and certificate.content_hash != FAKE_HASH


def test_template_create_and_update_ignore_default_flag_and_owner(org, other_org, admin_user):
    MembershipFactory(organization=other_org, user=admin_user, role=Role.ADMIN)
    client = auth_client(admin_user)
    response = client.post(
        "/api/v1/templates/", {"organization": org.slug, "name": "Mine", "is_default": True}, format="json"
    )
    assert response.status_code == 201, response.json()
    template = CertificateTemplate.objects.get(name="Mine")
    assert not template.is_default
    response = client.patch(
        f"/api/v1/templates/{template.pk}/",
        {"organization": other_org.slug, "is_default": True, "name": "Still mine"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    template.refresh_from_db()
    assert template.organization == org and not template.is_default and template.name == "Still mine"


def test_webhook_create_ignores_secret_and_failure_state(org, owner):
    response = auth_client(owner).post(
        "/api/v1/webhooks/",
        {
            "organization": org.slug,
            "url": "http://127.0.0.1:9/hook",
            "events": ["certificate.issued"],
            "secret": "whsec_Y2hvc2VuLWJ5LXRoZS1jbGllbnQ=",
            "secret_encrypted": "plain",
            "disabled_at": LONG_AGO,
            "disabled_reason": "pre-disabled",
            "failed_events_in_a_row": 99,
            "previous_secret_expires_at": FAR_FUTURE,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    endpoint = Endpoint.objects.get()
    assert response.json()["secret"] != "whsec_Y2hvc2VuLWJ5LXRoZS1jbGllbnQ="
    assert endpoint.secret_encrypted != "plain"
    assert (
        endpoint.disabled_at is None
        and endpoint.disabled_reason == ""
        and endpoint.failed_events_in_a_row == 0
    )
    assert endpoint.previous_secret_expires_at is None


def _tiny_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (255, 255, 255)).save(out, "PNG")
    return out.getvalue()


def test_verification_create_ignores_result_fields(org, user):
    response = auth_client(user).post(
        "/api/v1/verifications/",
        {
            "file": SimpleUploadedFile("c.png", _tiny_png()),
            "status": "completed",
            "score": 100,
            "verdict": "authentic",
            "reasons": ["trust me"],
            "organization": org.pk,
            "access_token": "chosen-by-the-client",
            "upload_sha256": FAKE_HASH,
            "requested_by": 1,
        },
        format="multipart",
    )
    assert response.status_code == 202, response.json()
    verification = VerificationRequest.objects.get()
    assert verification.score is None and verification.verdict in ("", None)
    assert verification.reasons in ([], None, "")
    assert verification.organization is None
    assert verification.access_token != "chosen-by-the-client" and verification.upload_sha256 != FAKE_HASH
    assert verification.requested_by == user


def test_registration_and_profile_cannot_grant_staff_or_verification(api_client):
    response = api_client.post(
        "/api/v1/auth/register/",
        {
            "email": "climber@example.com",
            "password": PASSWORD,
            "is_staff": True,
            "is_superuser": True,
            "email_verified": True,
        },
        format="json",
    )
    assert response.status_code == 202
    user = User.objects.get(email="climber@example.com")
    assert not user.is_staff and not user.is_superuser and not user.email_verified
    User.objects.filter(pk=user.pk).update(email_verified=True)
    client = auth_client(user)
    response = client.patch(
        "/api/v1/auth/me/",
        {"is_staff": True, "is_superuser": True, "totp_enabled": True, "is_active": False, "memberships": []},
        format="json",
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser and not user.totp_enabled and user.is_active


def test_anonymous_clients_cannot_write_anything_but_a_verification():
    client = APIClient()
    for path in (
        "/api/v1/organizations/",
        "/api/v1/certificates/",
        "/api/v1/templates/",
        "/api/v1/webhooks/",
    ):
        assert client.post(path, {"name": "x", "organization": "x"}, format="json").status_code == 401, path
