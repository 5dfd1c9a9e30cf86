"""Organization pages for an owner, a viewer and an outsider (a member of another organization)."""

import re

import pytest
from django.core import mail

from organizations.access import Actor
from organizations.models import APIKey, AuditEvent, Invitation, Membership, Organization
from organizations.roles import Role
from organizations.services import invitation_create
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

from .conftest import add_member, signed_in

pytestmark = pytest.mark.django_db

READ_PAGES = ["/portal/", "/portal/members/", "/portal/audit-log/", "/portal/settings/"]
ADMIN_PAGES = ["/portal/invitations/", "/portal/api-keys/", "/portal/signing-keys/"]


# --- Pages by role ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", READ_PAGES + ADMIN_PAGES)
def test_owner_sees_every_page(owner_client, org, path):
    response = owner_client.get(path)
    assert response.status_code == 200
    assert org.name.encode() in response.content


@pytest.mark.parametrize("path", READ_PAGES)
def test_viewer_sees_the_read_only_pages(viewer_client, path):
    assert viewer_client.get(path).status_code == 200


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_viewer_is_refused_admin_pages(viewer_client, path):
    response = viewer_client.get(path)
    assert response.status_code == 403
    assert b"needs the <strong>admin</strong> role" in response.content


def test_viewer_navigation_hides_admin_sections(viewer_client):
    body = viewer_client.get("/portal/").content.decode()
    assert 'href="/portal/members/"' in body and 'href="/portal/audit-log/"' in body
    assert 'href="/portal/api-keys/"' not in body and 'href="/portal/invitations/"' not in body


def test_owner_navigation_marks_the_current_section(owner_client):
    body = owner_client.get("/portal/members/").content.decode()
    assert re.search(r'href="/portal/members/" aria-current="page"', body)


@pytest.mark.parametrize("path", READ_PAGES + ADMIN_PAGES)
def test_outsider_never_sees_the_other_organizations_data(outsider_client, org, owner, path):
    body = outsider_client.get(path).content.decode()
    assert org.name not in body and owner.email not in body


@pytest.mark.parametrize("path", READ_PAGES + ["/portal/organizations/new/"])
def test_pages_have_no_inline_scripts_or_styles(owner_client, path):
    body = owner_client.get(path).content.decode()
    assert " style=" not in body and "<style" not in body
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)


def test_person_without_an_organization_is_asked_to_create_one():
    client = signed_in(UserFactory())
    response = client.get("/portal/members/")
    assert response["Location"] == "/portal/organizations/new/"
    page = client.get("/portal/organizations/new/")
    assert b"Welcome to CertVerify" in page.content


# --- Creating, switching, settings -------------------------------------------------------------


def test_creating_an_organization_makes_you_its_owner_and_switches_to_it(owner_client, owner):
    response = owner_client.post(
        "/portal/organizations/new/", {"name": "Open University", "country": "gb", "website": "ou.example"}
    )
    assert response["Location"] == "/portal/getting-started/"
    created = Organization.objects.get(name="Open University")
    assert created.country == "GB" and created.website == "https://ou.example"
    assert Membership.objects.get(organization=created, user=owner).role == Role.OWNER
    assert b"Open University" in owner_client.get("/portal/").content


def test_create_organization_form_errors_are_shown_next_to_fields(owner_client):
    response = owner_client.post("/portal/organizations/new/", {"name": "", "country": "Germany"})
    body = response.content.decode()
    assert 'id="id_name_error"' in body and 'id="id_country_error"' in body


def test_switching_organization_is_stored_in_the_session(owner_client, second_org):
    body = owner_client.get("/portal/").content.decode()
    assert "Switch organization" in body and second_org.name in body
    response = owner_client.post("/portal/organizations/switch/", {"organization": second_org.slug})
    assert response["Location"] == "/portal/"
    dashboard = owner_client.get("/portal/").content.decode()
    assert f'<p class="page-header__sub">{second_org.name}' in dashboard
    # The owner is only a viewer there: admin pages are refused.
    assert owner_client.get("/portal/api-keys/").status_code == 403


def test_switching_to_an_organization_you_are_not_in_is_a_404(outsider_client, org):
    assert (
        outsider_client.post("/portal/organizations/switch/", {"organization": org.slug}).status_code == 404
    )


def test_switch_needs_post(owner_client, second_org):
    assert (
        owner_client.get(f"/portal/organizations/switch/?organization={second_org.slug}").status_code == 405
    )


def test_owner_updates_the_organization_settings(owner_client, org, owner):
    response = owner_client.post(
        "/portal/settings/",
        {"name": "Renamed Institute", "country": "fr", "website": "https://x.example", "domain": "X.example"},
    )
    assert response["Location"] == "/portal/settings/"
    org.refresh_from_db()
    assert (org.name, org.country, org.domain) == ("Renamed Institute", "FR", "x.example")
    assert AuditEvent.objects.filter(organization=org, action="organization.updated").exists()


def test_settings_form_errors_are_shown_next_to_fields(owner_client):
    response = owner_client.post("/portal/settings/", {"name": "X", "country": "D1", "domain": "https://bad"})
    body = response.content.decode()
    assert 'id="id_country_error"' in body and 'id="id_domain_error"' in body


def test_viewer_sees_settings_read_only_and_cannot_post(viewer_client, org):
    body = viewer_client.get("/portal/settings/").content.decode()
    assert "disabled" in body and "Save changes" not in body
    assert viewer_client.post("/portal/settings/", {"name": "Hacked"}).status_code == 403
    org.refresh_from_db()
    assert org.name != "Hacked"


def test_owner_can_deactivate_after_typing_the_short_name(owner_client, org):
    owner_client.post("/portal/settings/deactivate/", {"confirm_slug": "wrong"})
    org.refresh_from_db()
    assert org.is_active
    owner_client.post("/portal/settings/deactivate/", {"confirm_slug": org.slug})
    org.refresh_from_db()
    assert not org.is_active


def test_admin_cannot_deactivate(org):
    admin = add_member(org, Role.ADMIN).user
    assert (
        signed_in(admin).post("/portal/settings/deactivate/", {"confirm_slug": org.slug}).status_code == 403
    )


# --- Members ---------------------------------------------------------------------------------------


def test_owner_changes_a_members_role(owner_client, org, viewer):
    membership = Membership.objects.get(user=viewer, organization=org)
    response = owner_client.post(f"/portal/members/{membership.pk}/role/", {"role": Role.ISSUER})
    assert response["Location"] == "/portal/members/"
    membership.refresh_from_db()
    assert membership.role == Role.ISSUER


def test_the_last_owner_cannot_demote_themselves(owner_client, org, owner):
    membership = Membership.objects.get(user=owner, organization=org)
    response = owner_client.post(f"/portal/members/{membership.pk}/role/", {"role": Role.ADMIN}, follow=True)
    assert b"An organization needs at least one owner." in response.content
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_admin_cannot_touch_an_owner(org, owner):
    admin_client = signed_in(add_member(org, Role.ADMIN).user)
    body = admin_client.get("/portal/members/").content.decode()
    owner_membership = Membership.objects.get(user=owner, organization=org)
    assert f"/portal/members/{owner_membership.pk}/role/" not in body
    admin_client.post(f"/portal/members/{owner_membership.pk}/role/", {"role": Role.VIEWER})
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER


def test_viewer_sees_members_without_actions_and_cannot_change_roles(viewer_client, org, owner):
    body = viewer_client.get("/portal/members/").content.decode()
    assert owner.email in body and "Change role" not in body
    owner_membership = Membership.objects.get(user=owner, organization=org)
    response = viewer_client.post(f"/portal/members/{owner_membership.pk}/role/", {"role": Role.VIEWER})
    assert response.status_code == 403
    response = viewer_client.post(f"/portal/members/{owner_membership.pk}/remove/")
    assert Membership.objects.filter(pk=owner_membership.pk).exists()


def test_outsider_gets_404_on_another_organizations_members(outsider_client, org, viewer):
    membership = Membership.objects.get(user=viewer, organization=org)
    assert (
        outsider_client.post(f"/portal/members/{membership.pk}/role/", {"role": "owner"}).status_code == 404
    )
    assert outsider_client.post(f"/portal/members/{membership.pk}/remove/").status_code == 404
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


def test_owner_removes_a_member_and_a_viewer_can_leave(owner_client, viewer_client, org, viewer):
    other = add_member(org, Role.ISSUER)
    owner_client.post(f"/portal/members/{other.pk}/remove/")
    assert not Membership.objects.filter(pk=other.pk).exists()
    mine = Membership.objects.get(user=viewer, organization=org)
    response = viewer_client.post(f"/portal/members/{mine.pk}/remove/")
    assert response["Location"] == "/portal/"
    assert not Membership.objects.filter(pk=mine.pk).exists()


def test_member_role_and_remove_need_post(owner_client, org, viewer):
    membership = Membership.objects.get(user=viewer, organization=org)
    assert owner_client.get(f"/portal/members/{membership.pk}/role/").status_code == 405
    assert owner_client.get(f"/portal/members/{membership.pk}/remove/").status_code == 405


# --- Invitations -------------------------------------------------------------------------------------


def test_owner_invites_a_member_by_e_mail(owner_client, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            "/portal/invitations/", {"email": "New.Person@example.com", "role": Role.ISSUER}
        )
    assert response["Location"] == "/portal/invitations/"
    invitation = Invitation.objects.get(organization=org)
    assert (invitation.email, invitation.role) == ("new.person@example.com", Role.ISSUER)
    assert mail.outbox[-1].to == ["new.person@example.com"]
    page = owner_client.get("/portal/invitations/").content.decode()
    assert "new.person@example.com" in page and "Pending" in page


def test_inviting_an_existing_member_shows_the_error_at_the_e_mail_field(owner_client, viewer):
    response = owner_client.post("/portal/invitations/", {"email": viewer.email, "role": Role.VIEWER})
    body = response.content.decode()
    assert 'id="id_email_error"' in body and "This person is already a member." in body


def test_admin_cannot_invite_an_owner(org):
    admin_client = signed_in(add_member(org, Role.ADMIN).user)
    body = admin_client.get("/portal/invitations/").content.decode()
    assert 'value="owner"' not in body
    response = admin_client.post("/portal/invitations/", {"email": "x@example.com", "role": Role.OWNER})
    assert 'id="id_role_error"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_viewer_cannot_invite(viewer_client):
    assert (
        viewer_client.post("/portal/invitations/", {"email": "x@example.com", "role": "viewer"}).status_code
        == 403
    )
    assert not Invitation.objects.exists()


@pytest.fixture
def invite(owner, org, django_capture_on_commit_callbacks):
    """Invite invitee@example.com as an issuer through the service; returns the e-mailed token."""

    def _invite(email="invitee@example.com", role=Role.ISSUER) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            invitation_create(actor=Actor(user=owner), organization=org, email=email, role=role)
        return re.search(r"/portal/invitations/([\w-]+)/", mail.outbox[-1].body).group(1)

    return _invite


def test_owner_revokes_an_invitation_and_outsider_gets_404(owner_client, outsider_client, invite, org):
    invite()
    invitation = Invitation.objects.get()
    assert outsider_client.post(f"/portal/invitations/{invitation.pk}/revoke/").status_code == 404
    assert Invitation.objects.get().status == "pending"
    owner_client.post(f"/portal/invitations/{invitation.pk}/revoke/")
    assert Invitation.objects.get().status == "revoked"


def test_a_new_person_accepts_by_creating_an_account(client, invite, org):
    token = invite()
    page = client.get(f"/portal/invitations/{token}/")
    assert page.status_code == 200 and org.name.encode() in page.content
    response = client.post(
        f"/portal/invitations/{token}/",
        {
            "full_name": "Ivy Invitee",
            "new_password1": "a-long-passphrase",
            "new_password2": "a-long-passphrase",
        },
    )
    assert response["Location"] == "/portal/"
    membership = Membership.objects.get(organization=org, user__email="invitee@example.com")
    assert membership.role == Role.ISSUER and membership.user.email_verified
    assert client.session["_auth_user_id"] == str(membership.user_id)
    assert client.get(f"/portal/invitations/{token}/").status_code == 404  # used up


def test_registration_form_errors_are_shown_next_to_fields(client, invite, org):
    token = invite()
    response = client.post(
        f"/portal/invitations/{token}/", {"new_password1": "1234567890", "new_password2": "1234567890"}
    )
    assert 'id="id_new_password1_error"' in response.content.decode()
    assert not Membership.objects.filter(user__email="invitee@example.com").exists()


def test_a_signed_in_invitee_accepts_with_one_click(invite, org):
    invitee = UserFactory(email="invitee@example.com")
    token = invite()
    client = signed_in(invitee)
    assert b"Accept and join" in client.get(f"/portal/invitations/{token}/").content
    response = client.post(f"/portal/invitations/{token}/")
    assert response["Location"] == "/portal/"
    assert Membership.objects.get(organization=org, user=invitee).role == Role.ISSUER
    assert org.name.encode() in client.get("/portal/").content


def test_an_invitation_for_someone_else_is_not_accepted(outsider_client, invite, org):
    token = invite()
    page = outsider_client.get(f"/portal/invitations/{token}/")
    assert b"but this invitation is for invitee@example.com" in page.content
    outsider_client.post(f"/portal/invitations/{token}/")
    assert Invitation.objects.get().status == "pending"


def test_an_unknown_invitation_token_is_a_friendly_404(client):
    response = client.get("/portal/invitations/not-a-real-token/")
    assert response.status_code == 404 and b"can\xe2\x80\x99t be used" in response.content


# --- API keys ------------------------------------------------------------------------------------------


def test_owner_creates_an_api_key_and_sees_the_secret_once(owner_client, org):
    response = owner_client.post("/portal/api-keys/", {"name": "Student records", "role": Role.ISSUER})
    key = APIKey.objects.get(organization=org)
    assert response["Location"] == f"/portal/api-keys/{key.pk}/"
    page = owner_client.get(response["Location"])
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    secret = re.search(r'id="api-key-secret">(cvk_[^<]+)<', page.content.decode()).group(1)
    assert secret.startswith(f"cvk_{key.prefix}_")
    again = owner_client.get(f"/portal/api-keys/{key.pk}/")
    assert again["Location"] == "/portal/api-keys/"
    assert secret not in owner_client.get("/portal/api-keys/").content.decode()


def test_api_key_form_errors_are_shown_next_to_fields(owner_client):
    response = owner_client.post("/portal/api-keys/", {"name": "", "role": Role.OWNER})
    body = response.content.decode()
    assert 'id="id_name_error"' in body and 'id="id_role_error"' in body
    assert not APIKey.objects.exists()


def test_owner_revokes_a_key_and_outsider_gets_404(owner_client, outsider_client, org):
    owner_client.post("/portal/api-keys/", {"name": "CI", "role": Role.VIEWER})
    key = APIKey.objects.get()
    assert outsider_client.post(f"/portal/api-keys/{key.pk}/revoke/").status_code == 404
    assert outsider_client.get(f"/portal/api-keys/{key.pk}/").status_code == 404
    assert APIKey.objects.get().revoked_at is None
    owner_client.post(f"/portal/api-keys/{key.pk}/revoke/")
    assert APIKey.objects.get().revoked_at is not None


def test_viewer_cannot_create_keys(viewer_client):
    assert viewer_client.post("/portal/api-keys/", {"name": "x", "role": "viewer"}).status_code == 403
    assert not APIKey.objects.exists()


# --- Audit log -------------------------------------------------------------------------------------------


def test_audit_log_lists_and_filters_by_action(viewer_client, owner_client, org):
    owner_client.post("/portal/api-keys/", {"name": "CI", "role": Role.VIEWER})
    owner_client.post("/portal/invitations/", {"email": "a@example.com", "role": Role.VIEWER})
    body = viewer_client.get("/portal/audit-log/").content.decode()
    assert "API key created" in body and "Invitation created" in body
    filtered = viewer_client.get("/portal/audit-log/?action=api_key.created").content.decode()
    assert "API key created" in filtered and "a@example.com" not in filtered


def test_audit_log_of_another_organization_is_not_shown(outsider_client, owner_client):
    owner_client.post("/portal/invitations/", {"email": "secret-invitee@example.com", "role": Role.VIEWER})
    assert b"secret-invitee@example.com" not in outsider_client.get("/portal/audit-log/").content


def test_audit_log_paginates(viewer_client, org):
    from organizations.audit import audit_record

    for i in range(60):
        audit_record(action="test.event", organization=org, details={"n": i})
    first = viewer_client.get("/portal/audit-log/").content.decode()
    assert "1–50 of 60" in first and "Page 1 of 2" in first
    second = viewer_client.get("/portal/audit-log/?action=test.event&page=2").content.decode()
    assert "51–60 of 60" in second


def test_dashboard_shows_summary_and_recent_activity(owner_client, org, viewer):
    owner_client.post("/portal/api-keys/", {"name": "CI", "role": Role.VIEWER})
    body = owner_client.get("/portal/").content.decode()
    assert "Members" in body and "Active API keys" in body and "API key created" in body
    assert "Getting started" in body


def test_unrelated_organizations_do_not_leak_into_the_switcher(owner_client):
    stranger_org = OrganizationFactory(name="Stranger College")
    MembershipFactory(organization=stranger_org)
    assert b"Stranger College" not in owner_client.get("/portal/").content


def certificates_section(request):
    """A stand-in app's dashboard section, named in PORTAL_DASHBOARD_SECTIONS by the test below."""
    from organizations.portal import DashboardSection

    return DashboardSection(
        stats=[{"label": "Certificates issued", "value": 1234, "url": ""}],
        checklist=[{"text": "Issue your first certificate", "done": False, "url": "/portal/"}],
    )


def test_other_apps_contribute_tiles_and_panels_to_the_dashboard(owner_client, settings):
    sections = [f"{__name__}.certificates_section", *settings.PORTAL_DASHBOARD_SECTIONS]
    settings.PORTAL_DASHBOARD_SECTIONS = sections
    body = owner_client.get("/portal/").content.decode()
    assert body.index('stat__label">Certificates issued') < body.index('stat__label">Members')
    assert "1234" in body and "Issue your first certificate" in body
