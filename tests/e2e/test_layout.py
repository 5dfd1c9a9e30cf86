"""Layout bugs that only a browser shows (issue P.7), at a laptop's 1280 px and a phone's 390 px:
the certificate list fits (status badges and the anchor column are not cut off), the live preview
never goes blank while it updates, and a "required" error goes away once the field is filled."""

import datetime as dt

import pytest

from certificates.lifecycle.services import certificate_issue
from organizations.access import Actor
from organizations.roles import Role

from .conftest import PHONE
from .harness import expect, organization, person, sign_in

pytestmark = pytest.mark.e2e
LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture
def ada(transactional_db):
    return person("ada@northwind.example", "Ada Lovelace")


@pytest.fixture
def northwind(ada):
    org = organization("Northwind University", "northwind", members={ada: Role.OWNER})
    for i, (name, email, title) in enumerate(
        [
            ("Maria Fernanda Alejandra García-López de la Vega", "maria.fernanda.garcia-lopez@students.northwind.example", "MSc Computational Linguistics and Natural Language Engineering"),
            ("Grace Hopper", "grace@students.northwind.example", "BSc Mathematics"),
        ]
    ):  # fmt: skip
        certificate_issue(
            actor=Actor(user=ada), organization=org, recipient_name=name, recipient_email=email, title=title,
            issue_date=dt.date(2026, 6, 30 - i), expiry_date=dt.date(2031, 6, 30), grade="Distinction",
        )  # fmt: skip
    return org


def _overflow(page) -> list[str]:
    """What sticks out of the viewport on the right: the page itself, or a cell's content."""
    return page.evaluate(
        """() => {
          const out = [], width = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth > width + 1) out.push('page ' + document.documentElement.scrollWidth);
          document.querySelectorAll('#certificates-table .badge, #certificates-table th').forEach(el => {
            const box = el.getBoundingClientRect();
            if (box.right > width + 1 || el.scrollWidth > el.clientWidth + 1) out.push(el.textContent.trim() + ' ' + Math.round(box.right));
          });
          return out;
        }"""
    )


def test_the_certificate_list_fits_without_clipping(new_page, live_server, screenshot, ada, northwind):
    for viewport in (LAPTOP, PHONE):
        page = new_page(viewport)
        sign_in(page, ada.email)
        page.goto("/portal/certificates/")
        expect(page.locator("#certificates-table tbody tr")).to_have_count(2)
        screenshot(page, f"certificates-list-{viewport['width']}")
        assert _overflow(page) == [], viewport
        anchor = page.locator("#certificates-table tbody tr").first.locator("td").last
        anchor.scroll_into_view_if_needed()
        expect(anchor).to_be_in_viewport(ratio=1)  # the whole anchor cell, not a sliver


def test_the_preview_never_goes_blank_and_required_errors_clear_when_filled(
    new_page, live_server, screenshot, ada, northwind
):
    for viewport in (LAPTOP, PHONE):
        page = new_page(viewport)
        sign_in(page, ada.email)
        page.goto("/portal/certificates/new/")
        page.get_by_role("button", name="Issue certificate").click()  # empty: the required errors show
        name_error = page.locator("#id_recipient_name_error")
        expect(name_error).to_be_visible()
        page.get_by_label("Recipient’s full name").fill("Mary Somerville")
        expect(name_error).to_be_hidden()
        expect(page.locator("#id_recipient_name")).not_to_have_attribute("aria-invalid", "true")
        expect(page.locator("#id_title_error")).to_be_visible()  # still empty: its error stays

        preview = page.locator("#issue-preview")
        page.wait_for_function("() => document.getElementById('issue-preview').naturalWidth > 0")
        # Watch the preview for the whole update: it must show a drawn image at every frame.
        page.evaluate(
            """() => {
              window.blankFrames = 0;
              const img = document.getElementById('issue-preview');
              (function watch() {
                if (!(img.complete && img.naturalWidth > 0)) window.blankFrames++;
                window.previewWatch = requestAnimationFrame(watch);
              })();
            }"""
        )
        before = preview.get_attribute("src")
        page.get_by_label("Course or programme").fill("MSc Astronomy")
        expect(preview).not_to_have_attribute("src", before, timeout=20_000)
        page.get_by_label("Recipient’s full name").fill(
            ""
        )  # a preview that cannot be drawn keeps the last one
        page.wait_for_timeout(1500)
        assert page.evaluate("window.blankFrames") == 0
        screenshot(page, f"issue-form-{viewport['width']}", full_page=False)


def test_the_design_gallery_shows_landscape_and_portrait_starting_designs(
    page, live_server, screenshot, ada, northwind
):
    sign_in(page, ada.email)
    page.goto("/portal/templates/")
    gallery = page.locator("#design-gallery img")
    expect(gallery).to_have_count(4)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#design-gallery img')].every(i => i.complete && i.naturalWidth > 0)",
        timeout=30_000,
    )
    screenshot(page, "template-gallery")
    page.get_by_role("link", name="Start from the Portrait design (portrait)").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Portrait")
    assert '"height": 2000' in page.get_by_label("Layout (JSON)").input_value()
