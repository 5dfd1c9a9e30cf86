"""The recipient's side in a real browser: the holder's certificate page on a phone (390 px) and
a desktop (1280 px), valid and revoked; the magic link and hiding; the issuer's delivery view.

Screenshots: holder-page-phone.png, holder-page-desktop.png, holder-page-revoked-phone.png,
holder-list-phone.png, holder-page-hidden-phone.png, delivery-view-desktop.png,
delivery-view-phone.png, delivery-preview-desktop.png, dashboard-delivery-panel.png
(test-artifacts/screenshots/).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail

from certificates.lifecycle.services import certificate_issue, certificate_revoke
from holders.models import Delivery
from organizations.access import Actor
from organizations.roles import Role

from .conftest import PHONE
from .harness import expect, organization, person, sign_in

pytestmark = pytest.mark.e2e
DESKTOP_1280 = {"width": 1280, "height": 860}


@pytest.fixture
def ada(transactional_db):
    return person("ada@northwind.example", "Ada Lovelace")


@pytest.fixture
def northwind(ada):
    return organization(
        "Northwind University",
        "northwind",
        members={ada: Role.OWNER},
        country="GB",
        website="https://northwind.example",
    )


def issue(org, user, name: str, email: str, title: str = "MSc Computer Science"):
    return certificate_issue(
        actor=Actor(user=user), organization=org, recipient_name=name, recipient_email=email, title=title,
        issue_date=dt.date(2026, 6, 30), expiry_date=dt.date(2031, 6, 30), grade="Distinction",
    )  # fmt: skip


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def test_the_holders_page_on_phone_and_desktop(new_page, screenshot, ada, northwind):
    grace = issue(northwind, ada, "Grace Hopper", "grace@students.example")
    alan = issue(northwind, ada, "Alan Turing", "alan@students.example")
    certificate_revoke(actor=Actor(user=ada), certificate=alan, reason="Issued in error")

    phone = new_page(PHONE)
    phone.goto(f"/c/{grace.credential_id}/")
    expect(phone.get_by_role("heading", name="MSc Computer Science")).to_be_visible()
    expect(phone.locator(".status-word")).to_have_text("Valid")
    linkedin = phone.get_by_role("link", name="Add to LinkedIn profile")
    expect(linkedin).to_be_visible()
    assert linkedin.get_attribute("href") == f"/c/{grace.credential_id}/share/linkedin/"
    expect(phone.get_by_role("link", name="PDF")).to_be_visible()
    expect(phone.get_by_role("link", name="Image (PNG)")).to_be_visible()
    expect(phone.get_by_role("link", name="Open Badges 3.0 credential")).to_be_visible()
    expect(phone.locator(".qr svg")).to_be_visible()
    phone.get_by_role("button", name="Copy link").click()
    expect(phone.get_by_text("Link copied.")).to_be_visible()
    assert no_sideways_scroll(phone)
    screenshot(phone, "holder-page-phone")
    assert phone.console_errors == []

    desktop = new_page(DESKTOP_1280)
    desktop.goto(f"/c/{grace.credential_id}/")
    expect(desktop.get_by_role("link", name="Add to LinkedIn profile")).to_be_visible()
    screenshot(desktop, "holder-page-desktop")

    phone.goto(f"/c/{alan.credential_id}/")
    expect(phone.locator(".status-word")).to_have_text("Revoked")
    expect(phone.get_by_text("nothing to share")).to_be_visible()
    expect(phone.get_by_role("link", name="Add to LinkedIn profile")).to_have_count(0)
    expect(phone.get_by_role("button", name="Copy link")).to_have_count(0)
    screenshot(phone, "holder-page-revoked-phone")


def test_the_holder_signs_in_by_magic_link_and_hides_a_page(new_page, screenshot, ada, northwind):
    grace = issue(northwind, ada, "Grace Hopper", "grace@students.example")
    issue(northwind, ada, "Grace Hopper", "grace@students.example", title="Compiler Construction")
    phone = new_page(PHONE)
    phone.goto("/holder/")
    phone.get_by_label("E-mail address").fill("grace@students.example")
    phone.get_by_role("button", name="Send me a link").click()
    expect(phone.get_by_text("sign-in link is on its way")).to_be_visible()
    link = re.search(r"https?://\S+(/holder/link/\S+/)", mail.outbox[-1].body).group(1)

    phone.goto(link)
    phone.get_by_role("button", name="Open my certificates").click()
    expect(phone.get_by_role("heading", name="Your certificates")).to_be_visible()
    expect(phone.get_by_role("link", name="Compiler Construction")).to_be_visible()
    row = phone.locator("article", has=phone.get_by_role("link", name="MSc Computer Science"))
    row.get_by_role("button", name="Hide its public page").click()
    expect(row.get_by_text("Page hidden")).to_be_visible()
    assert no_sideways_scroll(phone)
    screenshot(phone, "holder-list-phone")

    visitor = new_page(PHONE)
    visitor.goto(f"/c/{grace.credential_id}/")
    expect(visitor.locator(".status-word")).to_have_text("Valid")
    expect(visitor.get_by_text("Grace Hopper")).to_have_count(0)
    screenshot(visitor, "holder-page-hidden-phone")


def test_the_issuers_delivery_view(new_page, screenshot, ada, northwind):
    for name in ("Grace Hopper", "Alan Turing", "Katherine Johnson", "Edsger Dijkstra"):
        issue(northwind, ada, name, f"{name.split()[0].lower()}@students.example")
    failed = Delivery.objects.filter(to="edsger@students.example")
    failed.update(status="failed", attempts=3, last_error="SMTPRecipientsRefused: 550 no such user")
    grace = Delivery.objects.get(to="grace@students.example")

    visitor = new_page(PHONE)
    visitor.goto(f"/c/o/{grace.token}.gif")
    visitor.goto(f"/c/{grace.certificate.credential_id}/")
    visitor.goto(f"/verify/{grace.certificate.credential_id}/")

    page = new_page(DESKTOP_1280)
    sign_in(page, ada.email)
    page.goto("/portal/delivery/")
    expect(page.get_by_role("heading", name="Delivery", exact=True)).to_be_visible()
    expect(page.locator("#delivery-totals")).to_contain_text("Delivered")
    expect(page.locator("svg.chart polyline").first).to_be_attached()
    expect(page.locator("#delivery-table")).to_contain_text("550 no such user")
    screenshot(page, "delivery-view-desktop")
    assert page.console_errors == []

    page.get_by_label("Subject").fill("{recipient_name}, your {title} from {organization}")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#mail-preview")).to_contain_text(
        "your MSc Computer Science from Northwind University"
    )
    page.locator("#mail-preview").scroll_into_view_if_needed()
    screenshot(page, "delivery-preview-desktop")

    page.goto("/portal/")
    panel = page.locator("section", has=page.get_by_role("heading", name="Recipients over time"))
    expect(panel.locator("svg.chart")).to_be_visible()
    panel.screenshot(
        path=str(screenshot(page, "dashboard-delivery").with_name("dashboard-delivery-panel.png"))
    )

    phone = new_page(PHONE)
    sign_in(phone, ada.email)
    phone.goto("/portal/delivery/")
    expect(phone.locator("#delivery-totals")).to_be_visible()
    screenshot(phone, "delivery-view-phone")
