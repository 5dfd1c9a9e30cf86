"""Onboarding in a real browser, on a phone (390 px) and a laptop (1280 px): the landing page, then
sign-up → the e-mailed link → sign-in → the organization (a confusable slug refused) → getting started.
"""

import re

import pytest
from django.core import mail

from organizations.models import Organization
from organizations.roles import Role
from tests.factories import OrganizationFactory

from .conftest import PHONE
from .harness import expect

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1280, "height": 800}
PASSWORD = "plum-orchard-lantern-42"


def unexpected_errors(page) -> list[str]:
    """Console errors other than the browser's note on the 400 a form with errors answers."""
    return [e for e in page.console_errors if "status of 400" not in e]


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "phone"), (LAPTOP, "laptop")])
def test_the_landing_page(new_page, live_server, screenshot, transactional_db, viewport, name):
    page = new_page(viewport)
    page.goto("/")
    expect(page.get_by_role("heading", name="Certificates that prove themselves")).to_be_visible()
    expect(page.get_by_role("heading", name="For issuers")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("verifiers"))).to_be_visible()
    expect(page.get_by_label("Credential id")).to_be_visible()
    expect(page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign up")).to_be_visible()
    assert no_horizontal_scroll(page)
    screenshot(page, f"onboarding-01-landing-{name}")
    if name == "laptop":  # the verify box and the audiences side by side
        box = page.locator("form.verify").bounding_box()
        issuers = page.locator(".audience").first.bounding_box()
        assert box["x"] + box["width"] <= issuers["x"]

    page.get_by_role("button", name="Verify").click()  # nothing given: the verify flow says so
    expect(page.get_by_role("alert")).to_contain_text("Upload the certificate, type its credential id")
    assert page.url.endswith("/verify/")

    page.goto("/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    assert no_horizontal_scroll(page)
    screenshot(page, f"onboarding-02-signup-{name}")
    assert unexpected_errors(page) == []  # among them any Content-Security-Policy refusal


def test_sign_up_to_getting_started_on_a_phone(new_page, live_server, screenshot, transactional_db):
    OrganizationFactory(name="Demo University", slug="demo-university", verification_level="reviewed")
    page = new_page(PHONE)
    page.goto("/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign up").click()

    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Work e-mail address").fill("ada@northwind.example")
    page.get_by_label("Choose a password").fill("short")
    page.get_by_label("Repeat the password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#id_new_password1_error")).to_contain_text("too short")
    screenshot(page, "onboarding-03-signup-error-phone")

    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    screenshot(page, "onboarding-04-check-email-phone")

    link = re.search(r"/accounts/verify-email/\?token=\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm my e-mail address").click()
    expect(page.get_by_role("heading", name="E-mail address verified")).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("E-mail address").fill("ada@northwind.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Create an organization")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Northwind University")
    page.get_by_label("Short name").fill("demo-universlty")
    page.get_by_role("button", name="Create organization").click()
    expect(page.locator("#id_slug_error")).to_contain_text("Demo University")
    screenshot(page, "onboarding-05-confusable-slug-phone")
    assert not Organization.objects.filter(name="Northwind University").exists()

    page.get_by_label("Short name").fill("northwind")
    page.get_by_role("button", name="Create organization").click()
    expect(page.get_by_role("heading", name="Getting started")).to_be_visible()
    steps = page.locator("ol.steps > li")
    expect(steps).to_have_count(3)
    expect(steps.nth(0)).to_contain_text("Prove your organization’s web domain")
    expect(steps.nth(1)).to_contain_text("Pick a design")
    expect(steps.nth(2)).to_contain_text("Issue your first certificate")
    expect(page.locator("ol.steps .badge", has_text="Not done yet")).to_have_count(3)
    assert no_horizontal_scroll(page)
    screenshot(page, "onboarding-06-getting-started-phone")
    org = Organization.objects.get(slug="northwind")
    assert org.memberships.get().role == Role.OWNER

    laptop = new_page(LAPTOP)
    laptop.context.add_cookies(page.context.cookies())
    laptop.goto("/portal/getting-started/")
    expect(laptop.locator("ol.steps > li")).to_have_count(3)
    screenshot(laptop, "onboarding-07-getting-started-laptop")
    laptop.get_by_role("link", name="Prove your organization’s web domain").click()
    expect(laptop.get_by_role("heading", name="Verified identity")).to_be_visible()
    assert unexpected_errors(page) == [] and unexpected_errors(laptop) == []
