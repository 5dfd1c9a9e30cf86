"""The public pages in the browser's language, in a real browser: an Arabic phone (390 px) gets the
verify page right to left without sideways scrolling, the result of an id check in Arabic, and the
switcher turns the page to French."""

import datetime as dt

import pytest

from certificates.lifecycle.services import certificate_issue
from organizations.access import Actor
from organizations.roles import Role

from .conftest import PHONE
from .harness import expect, organization, person

pytestmark = pytest.mark.e2e


@pytest.fixture
def arabic_phone(browser, live_server):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="ar")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def certificate(transactional_db):
    ada = person("ada@northwind.example", "Ada Lovelace")
    org = organization("Northwind University", "northwind", members={ada: Role.OWNER})
    return certificate_issue(
        actor=Actor(user=ada), organization=org, recipient_name="ليلى حداد", recipient_email="layla@students.example",
        title="MSc Computer Science", issue_date=dt.date(2026, 6, 30), grade="Distinction",
    )  # fmt: skip


def _layout(page) -> dict:
    return page.evaluate(
        """() => {
          const box = s => document.querySelector(s).getBoundingClientRect();
          return {
            sideways: document.scrollingElement.scrollWidth > window.innerWidth,
            width: window.innerWidth,
            brandLeft: box('header.site .brand').left, brandRight: box('header.site .brand').right,
            labelRight: box('form.verify label').right,
            direction: getComputedStyle(document.body).direction,
          };
        }"""
    )


def test_the_verify_page_in_arabic_on_a_phone_reads_right_to_left(arabic_phone, screenshot, certificate):
    page = arabic_phone
    page.goto("/verify/")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text("هل هذه الشهادة أصلية؟")
    layout = _layout(page)
    assert layout["direction"] == "rtl" and not layout["sideways"], layout
    # Mirrored: the brand starts at the right edge, the field labels hug the right side.
    assert layout["brandRight"] > layout["width"] - 40 and layout["brandLeft"] > layout["width"] / 2, layout
    assert layout["labelRight"] > layout["width"] - 60, layout
    screenshot(page, "public-verify-ar-390")

    page.fill("#id_credential_id", certificate.credential_id)
    page.get_by_role("button", name="تحقّق", exact=True).click()
    expect(page.locator("#credential-status")).to_have_text("صالحة")
    assert not page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth")
    screenshot(page, "public-result-ar-390")

    page.select_option("#language-select", "fr")
    page.get_by_role("button", name="تغيير").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("#credential-status")).to_have_text("Valide")
    screenshot(page, "public-result-fr-390", full_page=False)


def test_the_certificate_and_holder_pages_in_arabic_fit_a_phone(arabic_phone, screenshot, certificate):
    page = arabic_phone
    for path, name in (
        (f"/verify/{certificate.credential_id}/", "certificate"),
        (f"/c/{certificate.credential_id}/", "holder"),
    ):
        page.goto(path)
        expect(page.locator(".status-word")).to_have_text("صالحة")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        screenshot(page, f"public-{name}-ar-390")
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')].filter(e => {
                 const b = e.getBoundingClientRect(); return b.right > window.innerWidth + 1 || b.left < -1;
               }).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().left) + ',' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)"""
        )
        assert not page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth"), (path, wide)
