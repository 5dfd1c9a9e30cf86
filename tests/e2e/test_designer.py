"""The template designer in a real browser (issue P.1's "Done means"): upload a logo and a
signature, move the logo with the mouse and the recipient's name with the keyboard, save, issue a
certificate and download its PNG: the logo is where it was placed, and a certificate issued before
the change still renders exactly as before."""

import datetime as dt
import io
import json
import re

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


GREEN, INK = (20, 140, 40), (10, 127, 63)  # a signatory's image; the recipient's new colour #0a7f3f
LOGO_CENTRE_IN_PREVIEW = (round((150 + 120) * 0.6), round((140 + 100) * 0.6))  # preview: 1200 of 2000 px

PREVIEW_HAS_INK = """([r0, g0, b0, left, top, right, bottom]) => {
  const img = document.getElementById("template-preview");
  if (!img.complete || !img.src.startsWith("blob:")) return false;
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(img, 0, 0);
  const data = context.getImageData(left, top, right - left, bottom - top).data;
  let near = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - r0) + Math.abs(data[i + 1] - g0) + Math.abs(data[i + 2] - b0) < 24) near++;
  }
  return near > 200;
}"""

SHOWS_RED_AT = """([x, y]) => {
  const img = document.getElementById("template-preview");
  if (!img.complete || !img.src.startsWith("blob:")) return false;
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(img, 0, 0);
  const [r, g, b] = context.getImageData(x, y, 1, 1).data;
  return r > 180 && g < 60 && b < 60;
}"""


def _count(image: Image.Image, colour, box) -> int:
    return sum(1 for pixel in image.crop(box).getdata() if pixel == colour)


def test_resizing_the_logo_by_keyboard_and_styling_the_recipient_in_the_panel_print_on_the_certificate(
    new_page, live_server, screenshot, tmp_path
):
    ada = person("ada@northwind.example", "Ada Lovelace")
    northwind = organization("Northwind University", "northwind", members={ada: Role.OWNER})
    template = CertificateTemplate.objects.create(organization=northwind, name="Gold", layout={})
    page = new_page({"width": 1280, "height": 900})
    sign_in(page, ada.email)
    page.goto(f"/portal/templates/{template.pk}/")
    (tmp_path / "logo.png").write_bytes(_png((200, 200), RED))
    (tmp_path / "second.png").write_bytes(_png((300, 100), GREEN))
    page.locator("#id_logo").set_input_files(str(tmp_path / "logo.png"))
    # The chosen logo is in the preview before anything is saved.
    page.wait_for_function(SHOWS_RED_AT, arg=list(LOGO_CENTRE_IN_PREVIEW))

    # Resize the logo's box to 400 × 400: its corner handle's arrow keys, then Alt+arrows on its label.
    page.locator(".designer-handle[data-element=logo]").focus()
    grip = page.get_by_role("button", name=re.compile(r"^Resize logo \(240 × 200\)"))
    grip.focus()
    for key in ["Shift+ArrowRight"] * 3 + ["ArrowRight"]:
        page.keyboard.press(key)
    expect(page.get_by_role("button", name=re.compile(r"^Resize logo \(400 × 200\)"))).to_be_focused()
    page.locator(".designer-handle[data-element=logo]").focus()
    for _ in range(4):
        page.keyboard.press("Shift+Alt+ArrowDown")
    expect(page.get_by_label("Height (px)")).to_have_value("400")

    # Style the recipient's name in the element panel, and add a second signatory.
    page.locator(".designer-handle[data-element=recipient_name]").focus()
    expect(page.get_by_label("Element", exact=True)).to_have_value("recipient_name")
    page.get_by_label("Colour").fill("#0a7f3f")
    # The preview that shows it arrives before the drag: one arriving mid-drag redraws the handles.
    page.wait_for_function(PREVIEW_HAS_INK, arg=[*INK, 180, 288, 1020, 372])
    expect(page.locator("#template-preview")).not_to_have_class(re.compile(r"\bis-loading\b"))
    # Drag the title's edge 30 px to the right: its centred box grows by twice that (in canvas px).
    page.locator(".designer-handle[data-element=title]").focus()
    edge = page.get_by_role("button", name=re.compile(r"^Resize title")).bounding_box()
    scale = page.locator("#template-preview").bounding_box()["width"] / 2000
    page.mouse.move(edge["x"] + edge["width"] / 2, edge["y"] + edge["height"] / 2)
    page.mouse.down()
    page.mouse.move(edge["x"] + edge["width"] / 2 + 30, edge["y"] + edge["height"] / 2, steps=4)
    page.mouse.up()
    page.get_by_role("button", name="Add a signatory").click()
    expect(page.get_by_label("Element", exact=True)).to_have_value("signature_2")
    page.get_by_label("Signatory’s name").fill("Prof. Amal Idris")
    page.get_by_label("Signatory’s name").press("Tab")
    page.locator("#id_signature_image_2").set_input_files(str(tmp_path / "second.png"))
    page.get_by_label("Element", exact=True).select_option("heading")
    page.get_by_label("Text", exact=True).fill("Diploma of Merit")
    page.get_by_label("Text", exact=True).press("Tab")

    layout = json.loads(page.get_by_label("Layout (JSON)").input_value())
    logo, second = layout["elements"]["logo"], layout["elements"]["signature_2"]
    assert (logo["width"], logo["height"]) == (400, 400)
    assert layout["elements"]["recipient_name"] == {"color": "#0a7f3f"}
    assert second["name"] == "Prof. Amal Idris"
    assert layout["elements"]["heading"] == {"text": "Diploma of Merit"}
    assert abs(layout["elements"]["title"]["max_width"] - (1400 + 2 * 30 / scale)) <= 2
    expect(page.locator("[data-preview-errors]")).to_be_hidden()
    # The live preview shows the recipient's name in its new colour (before saving).
    page.wait_for_function(PREVIEW_HAS_INK, arg=[*INK, 180, 288, 1020, 372])
    page.locator(".preview-card").scroll_into_view_if_needed()
    page.locator(".designer-handle[data-element=logo]").focus()
    screenshot(page, "designer-1280", full_page=False)
    assert page.console_errors == []
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("has been saved")

    template.refresh_from_db()
    assert template.layout == layout and set(template.signature_images) == {"signature_2"}
    new = certificate_issue(
        actor=Actor(user=ada), organization=northwind, recipient_name="Ada Lovelace", title="MSc",
        issue_date=dt.date(2026, 6, 30), template=template,
    )  # fmt: skip
    download = page.request.get(f"/portal/certificates/{new.credential_id}/image.png")
    printed = Image.open(io.BytesIO(download.body())).convert("RGB")
    # The square logo now fills its 400 × 400 box (it was fitted into 240 × 200 before).
    for x, y in [(150 + 3, 140 + 3), (150 + 396, 140 + 396), (150 + 200, 140 + 380)]:
        assert printed.getpixel((x, y)) == RED
    assert printed.getpixel((150 + 200, 140 + 410)) != RED
    assert _count(printed, INK, (300, 480, 1700, 620)) > 2000  # the recipient's name in its new colour
    assert printed.getpixel((second["x"] + 200, second["y"] - 70)) == GREEN  # the second signatory


def test_the_designer_fits_a_phone_screen(new_page, live_server, screenshot):
    ada = person("ada@northwind.example", "Ada Lovelace")
    northwind = organization("Northwind University", "northwind", members={ada: Role.OWNER})
    template = CertificateTemplate.objects.create(organization=northwind, name="Gold", layout={})
    page = new_page({"width": 390, "height": 844})
    sign_in(page, ada.email)
    page.goto(f"/portal/templates/{template.pk}/")
    expect(page.locator(".designer-handle[data-element=recipient_name]")).to_be_visible()
    page.locator(".designer-handle[data-element=logo]").focus()
    expect(page.get_by_role("button", name=re.compile(r"^Resize logo"))).to_be_visible()
    expect(page.get_by_label("Width (px)", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.wait_for_function("() => document.getElementById('template-preview').src.startsWith('blob:')")
    expect(page.locator("[data-preview-status]")).to_have_text("")
    screenshot(page, "designer-390")
    page.locator(".preview-card").scroll_into_view_if_needed()
    screenshot(page, "designer-390-preview", full_page=False)
    page.get_by_role("button", name="Add a signatory").click()
    assert "signature_2" in json.loads(page.get_by_label("Layout (JSON)").input_value())["elements"]
    page.get_by_role("button", name="Remove this signatory").click()
    assert "signature_2" not in json.loads(page.get_by_label("Layout (JSON)").input_value())["elements"]
    expect(page.locator(".designer-handle[data-element=signature]")).to_be_focused()
    assert page.console_errors == []


def test_a_text_and_an_image_added_in_the_panel_show_in_the_preview_and_are_saved(
    new_page, live_server, tmp_path
):
    ada = person("ada@northwind.example", "Ada Lovelace")
    northwind = organization("Northwind University", "northwind", members={ada: Role.OWNER})
    template = CertificateTemplate.objects.create(organization=northwind, name="Gold", layout={})
    page = new_page({"width": 1280, "height": 900})
    sign_in(page, ada.email)
    page.goto(f"/portal/templates/{template.pk}/")

    page.get_by_role("button", name="Add a text").click()
    expect(page.get_by_label("Element", exact=True)).to_have_value("text_1")
    page.get_by_label("Text", exact=True).fill("Awarded with distinction")
    page.get_by_label("Text", exact=True).press("Tab")
    page.get_by_label("Size (px)").fill("44")
    page.get_by_label("Size (px)").press("Tab")
    page.get_by_label("Colour").fill("#0a7f3f")
    # text_1 sits centred on (1000, 1296): in the 1200 px preview, a line just above y 778.
    page.wait_for_function(PREVIEW_HAS_INK, arg=[*INK, 300, 750, 900, 790])

    page.get_by_role("button", name="Add an image").click()
    expect(page.get_by_label("Element", exact=True)).to_have_value("image_1")
    (tmp_path / "mark.png").write_bytes(_png((200, 200), RED))
    page.locator("#id_image_1").set_input_files(str(tmp_path / "mark.png"))
    page.wait_for_function(SHOWS_RED_AT, arg=[round((1610 + 120) * 0.6), round((130 + 75) * 0.6)])
    assert page.console_errors == []
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("has been saved")

    template.refresh_from_db()
    text = template.layout["elements"]["text_1"]
    assert (text["text"], text["color"], text["size"]) == ("Awarded with distinction", "#0a7f3f", 44)
    assert "image_1" in template.layout["elements"] and set(template.element_images) == {"image_1"}
    page.get_by_label("Element", exact=True).select_option("text_1")
    page.get_by_role("button", name="Remove this text").click()
    assert "text_1" not in json.loads(page.get_by_label("Layout (JSON)").input_value())["elements"]
