"""The staff portal in a real browser: sign-in with two-factor, switching organization, inviting a
member who then joins, and creating an API key whose secret is shown once."""

import re

import pyotp
import pytest
from django.core import mail

from organizations.models import APIKey, Invitation, Membership
from organizations.roles import Role

from .conftest import PHONE
from .harness import css_loaded, enable_totp, expect, organization, person, sign_in, with_some_history

pytestmark = pytest.mark.e2e


@pytest.fixture
def ada(transactional_db):
    return person("ada@northwind.example", "Ada Lovelace")


@pytest.fixture
def northwind(ada):
    org = organization(
        "Northwind University",
        "northwind",
        members={ada: Role.OWNER},
        country="GB",
        website="https://northwind.example",
        domain="northwind.example",
    )
    with_some_history(org, ada)
    return org


def test_sign_in_with_two_factor(page, live_server, screenshot, ada, northwind):
    totp = enable_totp(ada)
    page.goto("/portal/login/")
    assert css_loaded(page), "portal.css did not load"
    screenshot(page, "01-login")

    page.get_by_label("E-mail address").fill(ada.email)
    page.get_by_label("Password").fill("wrong password!")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("No active account found")

    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    page.get_by_label("Authentication code").fill("123456")
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.locator("#id_code_error")).to_contain_text("That code is not valid.")
    screenshot(page, "02-login-second-factor-error")

    page.get_by_label("Authentication code").fill(totp.now())
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.get_by_text("Northwind University").first).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Members")).to_be_visible()
    screenshot(page, "03-dashboard")
    assert page.console_errors == []


def test_switch_organization(page, live_server, screenshot, ada, northwind):
    organization("Southbank College of Art", "southbank", members={ada: Role.VIEWER}, country="GB")
    sign_in(page, ada.email)
    expect(page.locator(".page-header__sub")).to_contain_text("Northwind University")

    page.locator(".org-switcher summary").click()
    expect(page.get_by_role("button", name=re.compile("Southbank College of Art"))).to_be_visible()
    screenshot(page, "04-organization-switcher", full_page=False)
    page.get_by_role("button", name=re.compile("Southbank College of Art")).click()

    expect(page.locator(".page-header__sub")).to_contain_text("Southbank College of Art")
    expect(page.locator(".org-switcher summary")).to_contain_text("Viewer")
    # A viewer there: the admin sections are gone from the navigation.
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="API keys")).to_have_count(0)
    screenshot(page, "05-dashboard-as-viewer")


def test_invite_a_member_who_then_joins(page, new_page, live_server, screenshot, ada, northwind):
    sign_in(page, ada.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invitations").click()
    expect(page.get_by_role("heading", name="Invitations", exact=True)).to_be_visible()

    page.get_by_label("E-mail address").fill("not-an-address")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#id_email_error")).to_be_visible()
    screenshot(page, "06-invitation-form-error")

    page.get_by_label("E-mail address").fill("mary@northwind.example")
    page.get_by_label("Role").select_option("issuer")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to mary@northwind.example")
    row = page.get_by_role("row", name=re.compile("mary@northwind.example"))
    expect(row).to_contain_text("Pending")
    screenshot(page, "07-invitations")
    assert Invitation.objects.get(email="mary@northwind.example").role == Role.ISSUER

    token = re.search(r"/portal/invitations/([\w-]+)/", mail.outbox[-1].body).group(1)
    guest = new_page()
    guest.goto(f"/portal/invitations/{token}/")
    expect(guest.get_by_role("heading", name="Join Northwind University")).to_be_visible()
    guest.get_by_label("Full name").fill("Mary Somerville")
    guest.get_by_label("Choose a password").fill("tides-and-planets-1831")
    guest.get_by_label("Repeat the password").fill("tides-and-planets-1831")
    screenshot(guest, "08-invitation-accept")
    guest.get_by_role("button", name="Create my account and join").click()
    expect(guest.get_by_role("status")).to_contain_text("Welcome to Northwind University")
    assert Membership.objects.get(user__email="mary@northwind.example").role == Role.ISSUER

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Members").click()
    expect(page.get_by_role("row", name=re.compile("Mary Somerville"))).to_contain_text("Issuer")
    screenshot(page, "09-members")


def test_create_an_api_key_and_see_its_secret_once(page, live_server, screenshot, ada, northwind):
    sign_in(page, ada.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("HR platform integration")
    page.get_by_label("Role").select_option("viewer")
    page.get_by_role("button", name="Create key").click()

    expect(page.get_by_role("heading", name="Your new API key")).to_be_visible()
    secret = page.locator("#api-key-secret").inner_text()
    key = APIKey.objects.get(name="HR platform integration")
    assert secret.startswith(f"cvk_{key.prefix}_") and key.role == Role.VIEWER
    screenshot(page, "10-api-key-created")

    page.reload()  # shown once: a reload does not show it again
    expect(page.get_by_role("heading", name="API keys", exact=True)).to_be_visible()
    assert secret not in page.content()

    row = page.get_by_role("row", name=re.compile("HR platform integration"))
    expect(row).to_contain_text("Active")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=re.compile("Revoke")).click()
    expect(page.get_by_role("row", name=re.compile("HR platform integration"))).to_contain_text("Revoked")
    screenshot(page, "11-api-keys")
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_tour_of_the_other_pages(page, new_page, live_server, screenshot, ada, northwind):
    sign_in(page, ada.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    screenshot(page, "12-audit-log")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    screenshot(page, "13-organization-settings")

    page.locator(".user-menu summary").click()
    page.get_by_role("link", name="Security and two-factor").click()
    page.get_by_role("button", name="Set up two-factor").click()
    expect(page.get_by_alt_text(re.compile("QR code"))).to_be_visible()
    screenshot(page, "14-two-factor-enrolment")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor").click()
    expect(page.get_by_role("heading", name="Save your backup codes")).to_be_visible()
    expect(page.locator("#backup-codes li")).to_have_count(10)
    screenshot(page, "15-backup-codes")
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_text("Your account is protected by two-factor authentication")).to_be_visible()
    page.get_by_role("link", name="Profile").click()
    screenshot(page, "16-profile")

    newcomer = person("newcomer@example.org", "Lin Newcomer")
    fresh = new_page()
    sign_in(fresh, newcomer.email)
    expect(fresh.get_by_role("heading", name="Create an organization")).to_be_visible()
    screenshot(fresh, "17-create-organization")

    phone = new_page(PHONE)
    sign_in(phone, "grace@northwind.example")  # Ada now has two-factor on
    expect(phone.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    screenshot(phone, "18-dashboard-phone")
    phone.get_by_role("button", name="Menu").click()
    expect(phone.get_by_role("navigation", name="Main")).to_be_visible()
    screenshot(phone, "19-navigation-phone", full_page=False)
    phone.get_by_role("navigation", name="Main").get_by_role("link", name="Members").click()
    screenshot(phone, "20-members-phone")
    # A Content-Security-Policy violation (inline style or script) would show up here.
    assert page.console_errors == [] and phone.console_errors == [] and fresh.console_errors == []
