"""Onboarding over HTTP: the landing page, then sign-up → e-mailed link → organization → getting started.

Everything goes through the pages and the services the API uses; the steps of the getting-started
page are done or not from the organization's real state (a DNS stand-in proves the domain).
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from certificates.designs.forms import layout_example
from certificates.designs.services import template_create
from certificates.lifecycle.services import certificate_issue
from core.throttling import RegisterThrottle
from organizations.access import Actor
from organizations.models import AuditEvent, Membership, Organization
from organizations.roles import Role
from tests.factories import OrganizationFactory, UserFactory
from tests.organizations.test_identity import StandInDNS

pytestmark = pytest.mark.django_db

SIGNUP, LOGIN, CREATE, STEPS = (
    "/portal/signup/",
    "/portal/login/",
    "/portal/organizations/new/",
    "/portal/getting-started/",
)
NEW_PASSWORD = "plum-orchard-lantern-42"
LINK = re.compile(r"/accounts/verify-email/\?token=(\S+)")


def no_inline_code(body: str) -> bool:
    return " style=" not in body and "<style" not in body and not re.search(r"<script(?![^>]*\bsrc=)", body)


def sign_up(client: Client, email: str, extra: dict | None = None):
    data = {
        "full_name": "Ada Lovelace",
        "email": email,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    return client.post(SIGNUP, data | (extra or {}))


# --- The landing page ------------------------------------------------------------------------------


def test_the_landing_page_says_what_certverify_does_with_the_verify_box_and_account_links(client):
    response = client.get("/")

    assert response.status_code == 200
    body = response.content.decode()
    for words in [
        "For issuers",
        "Issue tamper-evident certificates",
        "Prove your domain",
        "Issue in bulk",
        "For employers and other verifiers",
        "Check a document or an id",
        "signed report",
    ]:
        assert words in body, words
    assert re.search(r'<form class="verify" method="post" action="/verify/"', body)
    assert 'name="credential_id"' in body and 'type="file"' in body and "csrfmiddlewaretoken" in body
    assert 'href="/portal/login/"' in body and 'href="/portal/signup/"' in body
    assert no_inline_code(body)
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_landing_pages_verify_box_posts_into_the_public_verify_flow(client):
    page = client.get("/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)

    empty = client.post("/verify/", {"csrfmiddlewaretoken": token})
    assert empty.status_code == 400
    assert "Upload the certificate, type its credential id, or both." in empty.content.decode()

    unknown = client.post("/verify/", {"credential_id": "CV-0000-0000-0000-0000-0"})
    assert unknown.status_code == 302 and unknown["Location"].startswith("/verify/results/")


# --- Sign-up, field by field -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"new_password1": "short", "new_password2": "short"}, "new_password1", "too short"),
        (
            {"new_password1": "1234567890123", "new_password2": "1234567890123"},
            "new_password1",
            "entirely numeric",
        ),
        ({"new_password2": "something-else-entirely"}, "new_password2", "do not match"),
    ],
)
def test_bad_sign_up_input_is_a_400_with_the_error_at_its_field(client, extra, field, message):
    response = sign_up(client, "ada@uni.example", extra)

    assert response.status_code == 400
    error = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', response.content.decode())
    assert error and message in error.group(1)
    assert not User.objects.filter(email="ada@uni.example").exists() and not mail.outbox


def test_sign_up_with_a_taken_address_answers_the_same_and_tells_its_owner(
    client, django_capture_on_commit_callbacks
):
    taken = UserFactory(email="taken@uni.example")

    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, "Taken@Uni.example")

    assert response.status_code == 200 and b"Check your e-mail" in response.content
    [message] = mail.outbox
    assert message.to == [taken.email] and "already has one" in message.body
    assert User.objects.filter(email__iexact="taken@uni.example").count() == 1


def test_sign_up_is_throttled_with_the_apis_registration_limit(client, monkeypatch):
    monkeypatch.setattr(RegisterThrottle, "rate", "2/min", raising=False)
    for n in range(2):
        assert sign_up(client, f"person{n}@uni.example").status_code == 200

    response = sign_up(client, "person2@uni.example")

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert not User.objects.filter(email="person2@uni.example").exists()


# --- End to end -----------------------------------------------------------------------------------------


@pytest.fixture
def dns_server(settings):
    server = StandInDNS()
    settings.DOMAIN_PROOF_NAMESERVER = f"127.0.0.1:{server.port}"
    settings.DOMAIN_PROOF_TIMEOUT = 2.0
    yield server
    server.close()


def test_sign_up_to_getting_started_end_to_end(client, dns_server, django_capture_on_commit_callbacks):
    OrganizationFactory(name="Demo University", slug="demo-university", verification_level="reviewed")

    # 1. The account: the verification link is e-mailed through the account e-mail path.
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, "ada@northwind.example")
    assert response.status_code == 200 and b"Check your e-mail" in response.content
    user = User.objects.get(email="ada@northwind.example")
    assert user.full_name == "Ada Lovelace" and not user.email_verified and user.check_password(NEW_PASSWORD)
    [message] = mail.outbox
    assert message.to == ["ada@northwind.example"]
    token = LINK.search(message.body).group(1)

    # 2. Signing in waits for the address to be confirmed.
    refused = client.post(LOGIN, {"email": "ada@northwind.example", "password": NEW_PASSWORD})
    assert refused.status_code == 200 and "Verify your e-mail address first" in refused.content.decode()

    # 3. The link opens a page; its button confirms (a link scanner's GET changes nothing).
    landing = client.get(f"/accounts/verify-email/?token={token}")
    assert landing.status_code == 200 and b"Confirm my e-mail address" in landing.content
    user.refresh_from_db()
    assert not user.email_verified
    confirmed = client.post("/accounts/verify-email/", {"token": token})
    assert b"E-mail address verified" in confirmed.content
    user.refresh_from_db()
    assert user.email_verified

    # 4. Sign in; without an organization the portal asks for one.
    assert client.post(LOGIN, {"email": "ada@northwind.example", "password": NEW_PASSWORD}).status_code == 302
    assert client.get("/portal/")["Location"] == CREATE

    # 5. A slug that passes for a verified organization's is refused at its field; nothing is created.
    refused = client.post(CREATE, {"name": "Northwind University", "slug": "the-dem0-university"})
    assert refused.status_code == 400
    slug_error = re.search(r'<ul class="errorlist" id="id_slug_error">(.*?)</ul>', refused.content.decode())
    assert slug_error and "Demo University" in slug_error.group(1)
    assert not Organization.objects.filter(name="Northwind University").exists()

    # 6. A good one creates the organization, with its owner, and opens the getting-started page.
    created = client.post(CREATE, {"name": "Northwind University", "slug": "northwind", "country": "gb"})
    assert created.status_code == 302 and created["Location"] == STEPS
    org = Organization.objects.get(slug="northwind")
    assert Membership.objects.get(organization=org, user=user).role == Role.OWNER
    assert AuditEvent.objects.filter(organization=org, action="organization.created").exists()
    assert steps(client) == {"prove-domain": False, "pick-design": False, "first-certificate": False}
    body = client.get(STEPS).content.decode()
    assert 'href="/portal/settings/#identity-title"' in body and 'href="/portal/templates/"' in body
    assert 'href="/portal/certificates/new/"' in body and no_inline_code(body)

    # 7. Each step is done once the organization really did it.
    client.post("/portal/settings/", {"domain_proof": "start", "domain": "northwind.example"})
    org.refresh_from_db()
    dns_server.records["_certverify.northwind.example"] = [
        f"certverify-verification={org.domain_proof_token}"
    ]
    client.post("/portal/settings/", {"domain_proof": "check"})
    assert steps(client) == {"prove-domain": True, "pick-design": False, "first-certificate": False}

    actor = Actor(user=user)
    design = template_create(
        actor=actor, organization=org, name="Northwind", layout=json.loads(layout_example())
    )
    assert steps(client)["pick-design"] is True
    certificate_issue(
        actor=actor,
        organization=org,
        recipient_name="Grace Hopper",
        title="BSc Mathematics",
        issue_date=dt.date(2026, 6, 30),
        template=design,
    )
    assert steps(client) == {"prove-domain": True, "pick-design": True, "first-certificate": True}
    assert "is set up" in client.get(STEPS).content.decode()


def steps(client: Client) -> dict[str, bool]:
    response = client.get(STEPS)
    assert response.status_code == 200
    found = re.findall(r'<li class="step( is-done)?" data-step="([a-z-]+)">', response.content.decode())
    return {key: bool(done) for done, key in found}


def test_a_viewer_sees_no_setup_steps_and_an_outsider_sees_only_their_own(client):
    org = OrganizationFactory(name="Northwind University", verification_level="unverified")
    viewer = UserFactory()
    Membership.objects.create(user=viewer, organization=org, role=Role.VIEWER)
    client.force_login(viewer)
    body = client.get(STEPS).content.decode()
    assert "Northwind University" in body and 'data-step="' not in body and "is set up" not in body

    outsider = Client()
    outsider.force_login(UserFactory())
    assert outsider.get(STEPS)["Location"] == CREATE


def test_the_sign_in_page_links_to_sign_up(client):
    assert 'href="/portal/signup/"' in client.get(LOGIN).content.decode()


def test_an_altered_or_expired_link_does_not_verify_the_address(
    client, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, "ada@northwind.example")
    token = LINK.search(mail.outbox[-1].body).group(1)

    altered = client.post("/accounts/verify-email/", {"token": token[:-2] + "xx"})
    settings.EMAIL_VERIFICATION_MAX_AGE = dt.timedelta(seconds=-1)
    expired = client.post("/accounts/verify-email/", {"token": token})

    for response in (altered, expired):
        assert "This verification link is invalid or has expired." in response.content.decode()
    assert not User.objects.get(email="ada@northwind.example").email_verified
