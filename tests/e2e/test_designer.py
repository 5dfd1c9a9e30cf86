"""The template designer in a real browser (issue P.1's "Done means"): upload a logo and a
signature, move the logo with the mouse and the recipient's name with the keyboard, save, issue a
certificate and download its PNG: the logo is where it was placed, and a certificate issued before
the change still renders exactly as before."""

import datetime as dt
import io
import json

import pytest
from PIL import Image

from certificates.lifecycle.services import certificate_issue
from certificates.models import CertificateTemplate
from certificates.rendering.services import certificate_render
from organizations.access import Actor
from organizations.roles import Role

from .harness import expect, organization, person, sign_in

pytestmark = pytest.mark.e2e
RED, BLUE = (200, 20, 20), (20, 20, 160)


def _png(size, colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_a_designer_session_places_a_logo_that_prints_where_it_was_put(
    page, live_server, screenshot, tmp_path
):
    ada = person("ada@northwind.example", "Ada Lovelace")
    northwind = organization("Northwind University", "northwind", members={ada: Role.OWNER})
    template = CertificateTemplate.objects.create(organization=northwind, name="Gold", layout={})
    old = certificate_issue(
        actor=Actor(user=ada), organization=northwind, recipient_name="Grace Hopper", title="BSc Mathematics",
        issue_date=dt.date(2026, 6, 30), template=template,
    )  # fmt: skip
    old_png = certificate_render(certificate=old, force=True).image.read()

    sign_in(page, ada.email)
    page.goto(f"/portal/templates/{template.pk}/")
    (tmp_path / "logo.png").write_bytes(_png((200, 200), RED))
    (tmp_path / "signature.png").write_bytes(_png((300, 100), BLUE))
    page.locator("#id_logo").set_input_files(str(tmp_path / "logo.png"))
    page.locator("#id_signature_image").set_input_files(str(tmp_path / "signature.png"))

    logo = page.locator(".designer-handle[data-element=logo]")
    expect(logo).to_be_visible()
    box = logo.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 120, box["y"] + box["height"] / 2 + 60, steps=5)
    page.mouse.up()
    page.locator(".designer-handle[data-element=recipient_name]").focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    layout = json.loads(page.get_by_label("Layout (JSON)").input_value())
    moved_logo = layout["elements"]["logo"]
    assert moved_logo["x"] > 150 + 100 and moved_logo["y"] > 140 + 50  # dragged right and down
    assert layout["elements"]["recipient_name"]["y"] == 590 + 30
    screenshot(page, "designer")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("has been saved")

    template.refresh_from_db()
    assert template.logo and template.signature_image and template.layout == layout
    new = certificate_issue(
        actor=Actor(user=ada), organization=northwind, recipient_name="Ada Lovelace", title="MSc",
        issue_date=dt.date(2026, 6, 30), template=template,
    )  # fmt: skip
    download = page.request.get(f"/portal/certificates/{new.credential_id}/image.png")
    assert download.ok
    printed = Image.open(io.BytesIO(download.body())).convert("RGB")
    width, height = 240, 200  # the logo box; the square logo is centred in it
    assert printed.getpixel((moved_logo["x"] + width // 2, moved_logo["y"] + height // 2)) == RED
    assert printed.getpixel((150 + width // 2, 140 + height // 2)) != RED  # not where it was before

    old.refresh_from_db()
    assert certificate_render(certificate=old, force=True).image.read() == old_png
