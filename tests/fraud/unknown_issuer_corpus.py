"""Documents from issuers CertVerify has never seen: genuine arrivals and forgers' edits (issue N).

Nine designs. Seven of our own, not the project's renderer: `plain` (white portrait, sans),
`bordered` (cream landscape with a double frame and a seal, serif), `photo` (landscape over a
photo-like textured background, sans), `guilloche` (portrait with a fine engraved pattern, serif),
`banded` (portrait, sans, a coloured title band with a logo, a QR code captioned "Scan to verify",
a signature image, small print), `transcript` (portrait, serif, a logo and a table of grades, small
print) and `ribbon` (landscape, sans, tinted paper with a vignette, a coloured side band, a logo, a
QR code with its caption and a signature image). Two through the project's own renderer
(certificates/rendering/render.py), the way certificates of another CertVerify deployment look:
`renderer` (the standard design, as bench/fraud_accuracy.py's unknown-issuer documents) and
`gallery` (a starting design of certificates/designs/gallery.py, chosen by the seed). Each document
records where every field is printed, so an edit knows where to go and a finding can be checked
against the truth.

Genuine arrivals (`GENUINE_KINDS`): the PNG itself, JPEG re-saves at q60-q95, a page saved twice
(q90 then q75), a resize, a noisy scan kept as PNG, a colour scan saved as JPEG, a photo held
square-on saved by a phone camera (EXIF, q90-92), a phone photo of the page shown on a screen, a
chat photo forwarded twice (resized and re-encoded at q70 each time), a PDF exported from the
image (JPEG inside), and the capture kinds of tests/fraud/captures.py (phone photo, chat forward,
office scan, screenshot, cropped copy, print to PDF); and PDFs: a text PDF from ReportLab and the
same PDF with an innocent incremental update (new document info).

Edits (`EDIT_KINDS`), the way forgers make them:
* `retyped_jpeg`: the name (or one digit of the date) painted over with the paper colour and
  retyped in the design's own font, colour and size, then saved as JPEG at the same or a lower
  quality than the file it was made from;
* `spliced_name`: the name band of another document of the same design (another JPEG) pasted in;
* `copied_digit`: one digit of the date replaced by a copy of another digit of the same page;
* `scan_retyped_png`: a field retyped on a noisy scan, saved as PNG;
* `scan_retyped_jpeg`: a field retyped on a scan that was saved as JPEG, saved as JPEG again;
* `photo_date_edit`: the date painted over and retyped inside a phone photo, re-saved as JPEG;
* `pdf_incremental`: the name in a text PDF changed by an incremental update.

Everything comes from a generator seeded with (seed, label): a document can be rebuilt alone.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tests.fraud import captures, images

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
OWN_DESIGNS = ("plain", "bordered", "photo", "guilloche", "banded", "transcript", "ribbon")
RENDERER_DESIGNS = ("renderer", "gallery")  # the project's renderer (another deployment's certificates)
DESIGNS = OWN_DESIGNS + RENDERER_DESIGNS
NAMES = (
    "Helena Marquez", "Tobias Lindqvist", "Priya Raman", "Jonas Eberhardt", "Aiko Tanaka",
    "Samuel Okafor", "Lucia Ferreira", "Mateo Alvarez", "Ingrid Solberg", "Farah Haddad",
)  # fmt: skip
FORGED = ("Marcus Whitlock", "Elena Varga", "David Brennan", "Nora Castell")
ISSUERS = ("Lakeside College of Nursing", "Ostrava Technical Academy", "Bayview School of Design")
TITLES = ("Diploma in Clinical Practice", "Certificate in Structural Design", "Advanced Welding Level 3")

GENUINE_KINDS = (
    "png", "jpeg_q60", "jpeg_q75", "jpeg_q85", "jpeg_q95", "double_save", "resaved_higher", "resized", "scan_png",
    "scan_jpeg", "camera_photo", "screen_photo", "double_forward", "image_pdf",
    "phone_photo", "chat_forward", "office_scan", "screenshot", "cropped_border", "print_to_pdf",
    "text_pdf", "pdf_info_update",
)  # fmt: skip
EDIT_KINDS = (
    "retyped_jpeg",
    "spliced_name",
    "copied_digit",
    "scan_retyped_png",
    "scan_retyped_jpeg",
    "photo_date_edit",
    "pdf_incremental",
)


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), size)


@dataclass
class Printed:
    """One printed field: where and how, so an edit can retype it in the same style."""

    text: str
    xy: tuple[int, int]
    font: str
    size: int
    fill: tuple[int, int, int]
    box: tuple[int, int, int, int] = (0, 0, 0, 0)  # x, y, w, h of the ink


@dataclass
class Document:
    design: str
    image: Image.Image
    fields: dict[str, Printed] = field(default_factory=dict)
    paper: tuple[int, int, int] = (255, 255, 255)
    blank: Image.Image | None = None  # the page before any text: what a text PDF draws as its image


@dataclass(frozen=True)
class Item:
    data: bytes
    filename: str
    kind: str
    expected: str  # "genuine" | "edited"
    design: str
    edited_field: str | None = None
    region: tuple[int, int, int, int] | None = None  # where the edit is, in the file's pixels

    @property
    def content_type(self) -> str:
        return {"png": "image/png", "jpg": "image/jpeg", "pdf": "application/pdf"}[self.filename[-3:]]


def np_rng(seed: int, label: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(label.encode())])


# --- designs ------------------------------------------------------------------------------------------


def _background(design: str, size: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, tuple]:
    w, h = size
    if design in ("plain", "banded"):
        return np.full((h, w, 3), 255, np.uint8), (255, 255, 255)
    if design in ("bordered", "transcript"):
        paper = (250, 244, 228) if design == "bordered" else (253, 251, 246)
        return np.tile(np.uint8(paper), (h, w, 1)), paper
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if design == "photo":
        # Soft landscape-like tones, blotches at several scales and a fine film grain.
        low = cv2.resize(rng.normal(0, 1, (6, 8)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
        mid = cv2.resize(rng.normal(0, 1, (40, 56)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
        tone = 215 + 14 * low + 5 * mid + rng.normal(0, 3.0, (h, w)).astype(np.float32)
        rgb = np.stack([tone * 0.97, tone * 1.0, tone * 0.93 + 12], axis=-1)
        return np.clip(rgb, 0, 255).astype(np.uint8), (208, 215, 212)
    if design == "ribbon":
        # Tinted paper, lighter in the middle (a vignette), the way office templates print.
        r = np.sqrt(((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2)
        tone = 250 - 22 * r**2
        rgb = np.stack([tone, tone - 4, tone - 14], axis=-1)
        return np.clip(rgb, 0, 255).astype(np.uint8), (248, 244, 234)
    wave = np.sin(xx / 9.0 + 5 * np.sin(yy / 61.0)) * np.sin(yy / 13.0 + 3 * np.sin(xx / 77.0))
    tone = 244 + 6 * wave
    rgb = np.stack([tone - 6, tone, tone - 2], axis=-1)
    return np.clip(rgb, 0, 255).astype(np.uint8), (238, 244, 242)


STYLE = {  # size, serif, ink, title colour
    "plain": ((1240, 1754), False, (25, 25, 25), (20, 60, 140)),
    "bordered": ((1754, 1240), True, (30, 35, 80), (120, 80, 20)),
    "photo": ((1754, 1240), False, (20, 30, 30), (10, 50, 60)),
    "guilloche": ((1240, 1754), True, (35, 30, 40), (90, 20, 40)),
    "banded": ((1240, 1754), False, (30, 30, 35), (0, 102, 94)),
    "transcript": ((1240, 1754), True, (20, 20, 30), (25, 45, 100)),
    "ribbon": ((1754, 1240), False, (35, 30, 30), (150, 30, 45)),
}
MODULES = ("Anatomy and Physiology", "Structural Analysis", "Materials Science", "Professional Ethics",
           "Applied Mathematics", "Project Work")  # fmt: skip
MARKS = ("A", "A-", "B+", "B", "C+", "Pass", "Merit", "Distinction")


def _logo(
    draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], colour, initials: str, serif: bool
) -> None:
    """A round logo with the issuer's initials (what a letterhead puts in a corner)."""
    x0, y0, x1, y1 = box
    draw.ellipse(box, fill=colour)
    draw.ellipse((x0 + 8, y0 + 8, x1 - 8, y1 - 8), outline=(255, 255, 255), width=3)
    fnt = _font("DejaVuSerif-Bold.ttf" if serif else "DejaVuSans-Bold.ttf", (y1 - y0) // 3)
    draw.text(((x0 + x1) / 2, (y0 + y1) / 2), initials, font=fnt, fill=(255, 255, 255), anchor="mm")


def signature_image(
    rng: np.random.Generator, size: tuple[int, int] = (360, 110), ink=(20, 40, 120)
) -> Image.Image:
    """A handwritten signature (a scanned one, pasted by the issuer): a smooth scribble, RGBA."""
    w, h = size
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    t = np.linspace(0, 1, 240)
    loops = float(rng.uniform(4, 7))
    xs = 10 + (w - 20) * t + 14 * np.sin(2 * np.pi * loops * t)
    ys = h / 2 + (h / 3) * np.sin(2 * np.pi * loops * t + 1.3) * np.exp(-1.5 * t) + 8 * rng.normal(size=1)
    ImageDraw.Draw(image).line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=(*ink, 255), width=3)
    return image


def _qr(text: str, size: int) -> Image.Image:
    from certificates.rendering.qr import make_qr_image

    return make_qr_image(text, size).convert("RGB")


def render(design: str, *, name: str, date: str, number: str, issuer: str, title: str, seed: int) -> Document:
    """A certificate of `design` (deterministic for its arguments)."""
    if design in RENDERER_DESIGNS:
        return _rendered(design, name=name, date=date, number=number, issuer=issuer, title=title, seed=seed)
    (w, h), serif, ink, accent = STYLE[design]
    rng = np_rng(seed, f"background:{design}")
    rgb, paper = _background(design, (w, h), rng)
    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    regular = "DejaVuSerif.ttf" if serif else "DejaVuSans.ttf"
    bold = "DejaVuSerif-Bold.ttf" if serif else "DejaVuSans-Bold.ttf"
    initials = "".join(word[0] for word in issuer.split() if word[0].isupper())[:3]
    if design == "bordered":
        draw.rectangle((30, 30, w - 31, h - 31), outline=accent, width=8)
        draw.rectangle((52, 52, w - 53, h - 53), outline=accent, width=2)
        draw.ellipse((w - 330, h - 330, w - 130, h - 130), outline=accent, width=6)
        draw.ellipse((w - 310, h - 310, w - 150, h - 150), fill=(214, 180, 90))
    if design in ("guilloche", "banded"):
        draw.rectangle((0, 0, w, 150), fill=accent)
    if design == "banded":
        draw.rectangle((0, 150, w, 158), fill=(240, 160, 40))
        _logo(draw, (40, 20, 150, 130), (240, 160, 40), initials, serif)
    if design == "transcript":
        _logo(draw, (80, 60, 220, 200), accent, initials, serif)
        draw.line((80, 240, w - 80, 240), fill=accent, width=3)
    if design == "ribbon":
        draw.rectangle((0, 0, round(0.07 * w), h), fill=accent)
        draw.rectangle((round(0.07 * w), 0, round(0.075 * w), h), fill=(210, 170, 60))
        _logo(draw, (round(0.11 * w), 50, round(0.11 * w) + 130, 180), accent, initials, serif)
    doc = Document(design, image, paper=paper, blank=image.copy())
    scale = w / 1240 if w < h else h / 1240

    def put(
        key: str, text: str, y: float, font: str, size: float, fill, *, left: float | None = None
    ) -> None:
        fnt = _font(font, round(size * scale))
        x0, y0, x1, y1 = draw.textbbox((0, 0), text, font=fnt)
        x = round(left * w) if left is not None else (w - (x1 - x0)) // 2 - x0
        y = round(y * h)
        draw.text((x, y), text, font=fnt, fill=fill)
        doc.fields[key] = Printed(
            text, (x, y), font, round(size * scale), fill, (x + x0, y + y0, x1 - x0, y1 - y0)
        )

    header_fill = (255, 255, 255) if design in ("guilloche", "banded") else accent
    put("issuer", issuer, 0.045 if design in ("guilloche", "banded") else 0.10, bold, 46, header_fill)
    put("heading", "Certificate of Completion", 0.22, regular, 40, accent)
    put("intro", "This is to certify that", 0.33, regular, 30, ink)
    put("recipient_name", name, 0.40, bold, 64, ink)
    put("body", "has successfully completed the programme", 0.52, regular, 30, ink)
    put("title", title, 0.58, bold, 40, ink)
    if design == "transcript":
        _grade_table(draw, doc, put, rng, ink, accent, regular, bold)
    put(
        "issue_date",
        f"Date of issue: {date}",
        0.74 if design != "transcript" else 0.77,
        regular,
        30,
        ink,
        left=0.12,
    )
    put("credential_id", f"Certificate No. {number}", 0.80 if design != "transcript" else 0.82, regular, 30, ink, left=0.12)  # fmt: skip
    put("signature", "Registrar", 0.86, "DejaVuSerif-Italic.ttf", 32, ink, left=0.62)
    if design in ("banded", "ribbon", "transcript"):
        sig = signature_image(rng, (round(260 * scale), round(80 * scale)))
        sx, sy = doc.fields["signature"].box[:2]
        image.paste(sig, (sx - round(40 * scale), sy - sig.height - round(6 * scale)), sig)
        draw.line((sx - round(40 * scale), sy - 4, sx + round(220 * scale), sy - 4), fill=ink, width=2)
    if design in ("banded", "ribbon"):
        side = round(200 * scale)
        qx, qy = w - side - round(0.08 * w), round(0.63 * h)
        if design == "ribbon":
            qx, qy = round(0.42 * w), round(0.70 * h)
        image.paste(_qr(f"https://registry.example/verify/{number}", side), (qx, qy))
        fnt = _font("DejaVuSans.ttf", round(18 * scale))
        draw.text((qx + side / 2, qy + side + round(8 * scale)), "Scan to verify", font=fnt, fill=(60, 60, 60), anchor="ma")  # fmt: skip
    if design in ("banded", "transcript", "ribbon"):
        small = _font(regular, round(15 * scale))
        for i, line in enumerate((
            f"This document was issued by {issuer} under its examination regulations.",
            "Any alteration renders it void. Enquiries: registry office, quoting the certificate number.",
        )):  # fmt: skip
            draw.text((round(0.12 * w), round((0.93 + 0.018 * i) * h)), line, font=small, fill=(90, 90, 90))
    return doc


def _grade_table(
    draw, doc: Document, put, rng: np.random.Generator, ink, accent, regular: str, bold: str
) -> None:
    """A table of modules and grades under the title (a transcript's second half)."""
    w, h = doc.image.size
    left, right, top, row = round(0.12 * w), round(0.88 * w), round(0.625 * h), round(0.024 * h)
    modules = rng.choice(len(MODULES), 4, replace=False)
    head, cell = _font(bold, 22), _font(regular, 22)
    draw.rectangle((left, top, right, top + row), fill=(*accent[:2], min(255, accent[2] + 40)))
    draw.text((left + 10, top + 4), "Module", font=head, fill=(255, 255, 255))
    draw.text((right - 200, top + 4), "Grade", font=head, fill=(255, 255, 255))
    for i, m in enumerate(modules):
        y = top + (i + 1) * row
        draw.text((left + 10, y + 4), MODULES[int(m)], font=cell, fill=ink)
        draw.text((right - 200, y + 4), str(rng.choice(MARKS)), font=cell, fill=ink)
        draw.line((left, y + row, right, y + row), fill=(170, 170, 170), width=1)
    draw.rectangle((left, top, right, top + 5 * row), outline=accent, width=2)
    del put


def _rendered(
    design: str, *, name: str, date: str, number: str, issuer: str, title: str, seed: int
) -> Document:
    """The certificate drawn by certificates/rendering/render.py: the standard design (`renderer`), or
    a starting design of the gallery chosen by the seed (`gallery`), with a logo and a signature image."""
    import datetime as dt

    from certificates.designs.gallery import GALLERY
    from certificates.rendering import render as renderer
    from certificates.rendering.background import draw_background, rgb
    from certificates.rendering.fonts import font_runs, pil_font_file
    from certificates.rendering.layout import resolve_layout

    rng = np_rng(seed, f"render:{design}")
    layout = None if design == "renderer" else GALLERY[1 + seed % (len(GALLERY) - 1)].layout
    day, month, year = (int(v) for v in date.split("."))
    logo = Image.new("RGBA", (240, 200), (0, 0, 0, 0))
    initials = "".join(word[0] for word in issuer.split() if word[0].isupper())[:3]
    _logo(ImageDraw.Draw(logo), (20, 0, 220, 200), (40, 70, 120), initials, True)
    inp = renderer.RenderInput(
        organization_name=issuer,
        recipient_name=name,
        title=title,
        issue_date=dt.date(year, month, day),
        expiry_date=None,
        grade=str(rng.choice(MARKS)),
        credential_id=f"{number.replace('/', '-')}",
        qr_text=f"https://verify.{issuer.split()[0].lower()}.example/verify/{number.replace('/', '-')}",
        layout=layout,
        logo=logo,
        signature_image=signature_image(rng),
    )
    resolved = resolve_layout(layout)
    image = renderer.render_image(inp)
    doc = Document(
        design, image, paper=rgb(resolved["colors"]["paper"]), blank=draw_background(inp, resolved)
    )
    values = renderer._element_values(inp, resolved["date_format"], resolved["language"])
    for key, element in resolved["elements"].items():
        text = element.get("text") if key in ("heading", "preamble", "body") else values.get(key)
        if not text or "font" not in element or element.get("visible") is False:
            continue
        for op in renderer._text_ops(element.get("label", "") + text, element):
            if not isinstance(op, renderer.TextOp):
                continue
            path = font_runs(op.text, op.family)[0][1]
            fnt = pil_font_file(path, op.family, op.size)
            width = fnt.getlength(op.text)
            x = round(op.x - {"left": 0, "center": width / 2, "right": width}[op.align])
            y = round(op.y - fnt.getmetrics()[0])
            x0, y0, x1, y1 = ImageDraw.Draw(image).textbbox((x, y), op.text, font=fnt)
            field_key = {"org_name": "issuer", "preamble": "intro"}.get(key, key)
            doc.fields[field_key] = Printed(
                op.text, (x, y), path, op.size, rgb(op.color), (x0, y0, x1 - x0, y1 - y0)
            )
            break
    return doc


def genuine_document(design: str, seed: int, index: int = 0) -> Document:
    rng = np_rng(seed, f"fields:{design}:{index}")
    return render(
        design,
        name=str(rng.choice(NAMES)),
        date=f"{int(rng.integers(1, 29)):02d}.{int(rng.integers(1, 13)):02d}.{int(rng.integers(2015, 2026))}",
        number=f"{int(rng.integers(10000, 99999))}/{int(rng.integers(10, 99))}",
        issuer=str(rng.choice(ISSUERS)),
        title=str(rng.choice(TITLES)),
        seed=seed + index,
    )


# --- encoding helpers ---------------------------------------------------------------------------------


def jpeg(image: Image.Image | np.ndarray, quality: int) -> bytes:
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    return images.jpeg(image.convert("RGB") if image.mode not in ("RGB", "L") else image, quality=quality)


def png(image: Image.Image | np.ndarray) -> bytes:
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    return images.encode(image, "PNG")


def decode(data: bytes) -> Image.Image:
    return images.decode(data)


def noisy_scan(image: Image.Image, rng: np.random.Generator) -> np.ndarray:
    """A grey scan: the paper a little below white, softened by the optics, sensor noise (sigma 3-5),
    no compression."""
    grey = np.asarray(image.convert("L"), np.float32) * float(rng.uniform(0.9, 0.95)) + 4
    soft = cv2.GaussianBlur(grey, (0, 0), float(rng.uniform(0.6, 1.0)))
    noisy = soft + rng.normal(0, float(rng.uniform(3, 5)), soft.shape).astype(np.float32)
    return np.clip(noisy, 0, 255).astype(np.uint8)


# --- text PDFs ------------------------------------------------------------------------------------------


def text_pdf(doc: Document, *, producer: str = "LibreOffice 7.6") -> bytes:
    """The document as a text PDF (background drawn as an image, every field as real text)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    w, h = doc.image.size
    blank = doc.blank if doc.blank is not None else Image.new("RGB", (w, h), doc.paper)
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=(w * 0.48, h * 0.48), pageCompression=0)
    pdf.setProducer(producer)
    pdf.drawImage(ImageReader(blank), 0, 0, w * 0.48, h * 0.48)
    for key, printed in doc.fields.items():
        # The standard fonts write text as literal strings (an embedded subset writes glyph codes).
        serif, bold = "Serif" in printed.font, "Bold" in printed.font
        face = ("Times-" if serif else "Helvetica") + ("Bold" if bold else ("Roman" if serif else ""))
        pdf.setFont(face.replace("Helvetica" + "Bold", "Helvetica-Bold"), printed.size * 0.48)
        pdf.setFillColorRGB(*(c / 255 for c in printed.fill))
        x, y, bw, bh = printed.box
        pdf.drawString(x * 0.48, (h - y - bh) * 0.48, printed.text)
        del key
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def pdf_replace_text(pdf: bytes, old: str, new: str) -> bytes:
    """An incremental update that rewrites the page's content stream with `old` replaced by `new`
    (what a PDF editor's "edit text" saves): the earlier revision stays in the file."""
    from tests.fraud.images import _append_revision

    trailer = pdf[pdf.rindex(b"trailer") :]
    size = int(re.search(rb"/Size (\d+)", trailer).group(1))
    root = int(re.search(rb"/Root (\d+) 0 R", trailer).group(1))
    info = re.search(rb"/Info (\d+) 0 R", trailer)
    prev = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    for match in re.finditer(rb"(\d+) 0 obj(.*?)endobj", pdf, re.S):
        body = match.group(2)
        if b"(" + old.encode("latin-1") + b") Tj" in body and b"stream" in body:
            break
    else:
        raise ValueError("no text content stream")
    stream = body[body.index(b"stream") + 6 : body.rindex(b"endstream")].lstrip(b"\r\n")
    edited = _replace_shown_text(stream, old, new)
    objects = {int(match.group(1)): b"<< /Length %d >>\nstream\n" % len(edited) + edited + b"endstream"}
    return _append_revision(
        pdf, objects, size=size, root=root, info=int(info.group(1)) if info else None, prev=prev
    )


def _replace_shown_text(stream: bytes, old: str, new: str) -> bytes:
    """The literal string `(old)` shown by Tj, rewritten."""
    text = stream.decode("latin-1")
    if f"({old})" in text:
        return text.replace(f"({old})", f"({new})").encode("latin-1")
    raise ValueError("text not found")


def pdf_info_update(pdf: bytes) -> bytes:
    return images.incremental_update(pdf, info={"Producer": "Adobe Acrobat Reader (signature)"})


# --- arrivals and edits ---------------------------------------------------------------------------------


def arrival(kind: str, doc: Document, rng: np.random.Generator) -> tuple[str, bytes]:
    """A genuine document as it reaches us by `kind`."""
    page = doc.image
    if kind == "png":
        return "png", png(page)
    if kind.startswith("jpeg_q"):
        return "jpg", jpeg(page, int(kind[6:]))
    if kind == "double_save":
        return "jpg", jpeg(decode(jpeg(page, 90)), 75)
    if kind == "resaved_higher":
        # A chat image saved again by a viewer or an editor at a higher quality: every block
        # compressed twice, the first time more coarsely (aligned double compression page-wide).
        return "jpg", jpeg(decode(jpeg(page, int(rng.integers(65, 81)))), int(rng.integers(90, 96)))
    if kind == "resized":
        factor = float(rng.uniform(0.6, 0.8))
        return "jpg", jpeg(
            page.resize((round(page.width * factor), round(page.height * factor)), Image.LANCZOS), 85
        )
    if kind == "scan_png":
        return "png", png(noisy_scan(page, rng))
    if kind == "scan_jpeg":
        return "jpg", jpeg(colour_scan(page, rng), int(rng.integers(85, 91)))
    if kind == "camera_photo":
        return "jpg", images.camera_jpeg(
            square_photo(page, rng), taken=EXPORTED, quality=int(rng.integers(90, 93))
        )
    if kind == "screen_photo":
        return "jpg", jpeg(screen_photo(page, rng), int(rng.integers(80, 91)))
    if kind == "double_forward":
        # A chat photo forwarded twice: each app resizes and re-encodes at about q70.
        data = captures.phone_photo(page, rng)[1]
        for width in (1600, int(rng.integers(1024, 1400))):
            frame = decode(data)
            frame = frame.resize(
                (width, round(width * frame.height / frame.width)), Image.Resampling.BILINEAR
            )
            data = jpeg(frame, int(rng.integers(65, 76)))
        return "jpg", data
    if kind == "image_pdf":
        # "Export as PDF" of the image: the page embedded as a JPEG at 150-200 dpi on its own page.
        buf = io.BytesIO()
        page.convert("RGB").save(
            buf, "PDF", resolution=float(rng.integers(150, 201)), quality=int(rng.integers(80, 93)),
            creationDate=EXPORTED.timetuple(), modDate=EXPORTED.timetuple(),  # a fixed date: the same bytes for the same seed
        )  # fmt: skip
        return "pdf", buf.getvalue()
    if kind == "text_pdf":
        return "pdf", text_pdf(doc)
    if kind == "pdf_info_update":
        return "pdf", pdf_info_update(text_pdf(doc))
    return captures.CAPTURES[kind](page, rng)


EXPORTED = datetime(2025, 5, 4, 14, 30)


def colour_scan(image: Image.Image, rng: np.random.Generator, *, turn: bool = True) -> Image.Image:
    """A colour flatbed scan: turned 0.8-1.5 degrees either way (unless not `turn`: a page laid
    straight), softened, sensor noise (sigma 3)."""
    angle = float(rng.uniform(0.8, 1.5) * rng.choice([-1, 1])) if turn else 0.0
    rotated = image.convert("RGB").rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=(238, 236, 230))
    soft = cv2.GaussianBlur(np.asarray(rotated, np.float32), (0, 0), 0.6)
    return Image.fromarray(np.clip(soft + rng.normal(0, 3.0, soft.shape), 0, 255).astype(np.uint8))


def square_photo(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A phone photo held almost square-on, the page filling the frame: corners off by 0.4-1.4 %,
    light falling off from one side, sensor noise (sigma 2.5)."""
    w, h = image.size
    dx, dy = rng.uniform(0.004, 0.014, 4) * w, rng.uniform(0.004, 0.014, 4) * h
    corners = np.float32([[dx[0], dy[0]], [w - dx[1], dy[1]], [w - dx[2], h - dy[2]], [dx[3], h - dy[3]]])
    warp = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), corners)
    warped = cv2.warpPerspective(
        np.asarray(image.convert("RGB")), warp, (w, h), flags=cv2.INTER_CUBIC, borderValue=(92, 84, 74)
    )
    cx, cy = rng.uniform(0.2, 0.5), rng.uniform(0.2, 0.5)
    xx = (np.arange(w, dtype=np.float32) / w - cx) ** 2
    yy = (np.arange(h, dtype=np.float32)[:, None] / h - cy) ** 2
    light = 1.04 - 0.12 * np.sqrt(xx + yy)
    lit = warped.astype(np.float32) * light[..., None] + rng.normal(0, 2.5, warped.shape)
    return Image.fromarray(np.clip(lit, 0, 255).astype(np.uint8))


def screen_photo(image: Image.Image, rng: np.random.Generator) -> np.ndarray:
    """A phone photo of the page shown on a monitor: the screen's pixel grid (a faint moire once
    resampled), its backlight and gamma, a little keystone, defocus and sensor noise."""
    fw = int(rng.integers(1600, 3000))
    fh = round(fw * 3 / 4)
    pitch = 3  # each screen pixel drawn as 3 camera-scale pixels: its RGB stripes and the dark gap
    shown_w = fw // pitch
    shown = image.convert("RGB").resize(
        (shown_w, round(shown_w * image.height / image.width)), Image.Resampling.LANCZOS
    )
    screen = np.repeat(np.repeat(np.asarray(shown, np.float32), pitch, 0), pitch, 1)
    stripes = np.zeros((pitch, pitch, 3), np.float32) + 0.55
    for c in range(3):
        stripes[: pitch - 1, c, c] = 1.0
    screen *= np.tile(stripes, (screen.shape[0] // pitch, screen.shape[1] // pitch, 1))
    screen = 255 * (screen / 255) ** float(rng.uniform(0.8, 0.95)) * float(rng.uniform(0.9, 1.0))
    bezel = Image.fromarray(np.clip(screen, 0, 255).astype(np.uint8))
    warp = captures.page_homography(bezel.size, (fw, fh), rng, share=float(rng.uniform(0.6, 0.85)))
    frame = np.full((fh, fw, 3), 18, np.uint8)
    cv2.warpPerspective(np.asarray(bezel), warp, (fw, fh), frame, cv2.INTER_AREA, cv2.BORDER_TRANSPARENT)
    frame = captures.defocus(frame, float(rng.uniform(0.8, 1.8)))
    return np.clip(frame + rng.normal(0, 3.0, frame.shape), 0, 255).astype(np.uint8)


def _paint_and_retype(
    image: Image.Image, printed: Printed, text: str, *, paper=None
) -> tuple[int, int, int, int]:
    """Paint over the printed text with the surrounding paper colour and type `text` in its style."""
    x, y, w, h = printed.box
    pad = max(4, h // 5)
    box = (x - pad, y - pad, x + w + pad, y + h + pad)
    arr = np.asarray(image.convert("RGB"))
    ring = np.concatenate([arr[box[1] - 6 : box[1] - 2, box[0] : box[2]].reshape(-1, 3),
                           arr[box[3] + 2 : box[3] + 6, box[0] : box[2]].reshape(-1, 3)])  # fmt: skip
    colour = paper or tuple(int(v) for v in np.median(ring, axis=0))
    draw = ImageDraw.Draw(image)
    draw.rectangle(box, fill=colour)
    draw.text(printed.xy, text, font=_font(printed.font, printed.size), fill=printed.fill)
    x0, y0, x1, y1 = draw.textbbox(printed.xy, text, font=_font(printed.font, printed.size))
    return (
        min(box[0], x0),
        min(box[1], y0),
        max(box[2], x1) - min(box[0], x0),
        max(box[3], y1) - min(box[1], y0),
    )


def _changed_date(text: str, rng: np.random.Generator) -> str:
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    i = digits[-1] if rng.random() < 0.5 else digits[-2]
    new = str((int(text[i]) + int(rng.integers(1, 9))) % 10)
    return text[:i] + new + text[i + 1 :]


def edit(
    kind: str, doc: Document, donor: Document, rng: np.random.Generator
) -> tuple[str, bytes, str, tuple]:
    """A forger's edit of `doc`: (extension, bytes, edited field, region in the file's pixels)."""
    if kind == "retyped_jpeg":
        q1 = int(rng.choice([80, 85, 90, 95]))
        q2 = q1 if rng.random() < 0.5 else q1 - int(rng.choice([10, 15, 20]))
        page = decode(jpeg(doc.image, q1))
        if rng.random() < 0.6:
            key, text = "recipient_name", str(rng.choice(FORGED))
        else:
            key = "issue_date"
            text = _changed_date(doc.fields[key].text, rng)
        region = _paint_and_retype(page, doc.fields[key], text)
        return "jpg", jpeg(page, q2), key, region
    if kind == "spliced_name":
        page = decode(jpeg(doc.image, int(rng.choice([85, 90, 95]))))
        other = decode(jpeg(donor.image, int(rng.choice([75, 85, 95]))))
        mine, theirs = doc.fields["recipient_name"], donor.fields["recipient_name"]
        pad = 12
        left = min(mine.box[0], theirs.box[0]) - pad
        width = max(mine.box[0] + mine.box[2], theirs.box[0] + theirs.box[2]) + pad - left
        top = min(mine.box[1], theirs.box[1]) - pad
        height = max(mine.box[3], theirs.box[3]) + 2 * pad
        band = other.crop((left, top, left + width, top + height))
        page.paste(band, (left, top))
        return "jpg", jpeg(page, int(rng.choice([80, 85, 90]))), "recipient_name", (left, top, width, height)
    if kind == "copied_digit":
        q = int(rng.choice([85, 90, 95]))
        page = decode(jpeg(doc.image, q))
        printed = doc.fields["issue_date"]
        fnt = _font(printed.font, printed.size)
        digits = [i for i, c in enumerate(printed.text) if c.isdigit()]
        target = digits[-1]
        source = next(i for i in digits[:-1] if printed.text[i] != printed.text[target])

        def glyph_box(i: int) -> tuple[int, int, int, int]:
            x0 = printed.xy[0] + round(fnt.getlength(printed.text[:i]))
            x1 = printed.xy[0] + round(fnt.getlength(printed.text[: i + 1]))
            return (x0, printed.box[1] - 3, x1, printed.box[1] + printed.box[3] + 3)

        sx0, sy0, sx1, sy1 = glyph_box(source)
        tx0, ty0, _, _ = glyph_box(target)
        page.paste(page.crop((sx0, sy0, sx1, sy1)), (tx0, ty0))
        fmt = "png" if rng.random() < 0.3 else "jpg"
        data = png(page) if fmt == "png" else jpeg(page, q)
        return fmt, data, "issue_date", (tx0, ty0, sx1 - sx0, sy1 - sy0)
    if kind == "scan_retyped_png":
        scan = Image.fromarray(noisy_scan(doc.image, rng))
        key = "recipient_name" if rng.random() < 0.5 else "issue_date"
        text = (
            str(rng.choice(FORGED)) if key == "recipient_name" else _changed_date(doc.fields[key].text, rng)
        )
        printed = doc.fields[key]
        grey_fill = int(np.mean(printed.fill))
        retype = Printed(printed.text, printed.xy, printed.font, printed.size, grey_fill, printed.box)
        ring = np.asarray(scan)[
            printed.box[1] - 20 : printed.box[1] - 8, printed.box[0] : printed.box[0] + printed.box[2]
        ]
        region = _paint_and_retype(scan, retype, text, paper=int(np.median(ring)))
        return "png", png(scan), key, region
    if kind == "scan_retyped_jpeg":
        # A colour scan kept as JPEG, opened in an editor, a field painted over and retyped, saved again.
        q1 = int(rng.integers(80, 91))
        scan = decode(jpeg(colour_scan(doc.image, rng, turn=False), q1))
        key = "recipient_name" if rng.random() < 0.5 else "issue_date"
        text = (
            str(rng.choice(FORGED)) if key == "recipient_name" else _changed_date(doc.fields[key].text, rng)
        )
        region = _paint_and_retype(scan, doc.fields[key], text)
        return "jpg", jpeg(scan, int(rng.choice([q1, q1 - 10, 90]))), key, region
    if kind == "photo_date_edit":
        return _photo_date_edit(doc, rng)
    if kind == "pdf_incremental":
        pdf = text_pdf(doc)
        old = doc.fields["recipient_name"].text
        return "pdf", pdf_replace_text(pdf, old, str(rng.choice(FORGED))), "recipient_name", None
    raise ValueError(kind)


def _photo_date_edit(doc: Document, rng: np.random.Generator) -> tuple[str, bytes, str, tuple]:
    """A phone photo of the page; then, in the photo, the date painted over with the paper's local
    colour and a new date typed on a patch warped like the page (a careful forger)."""
    fw = int(rng.integers(1600, 3000))
    fh = round(fw * 3 / 4)
    warp = captures.page_homography(doc.image.size, (fw, fh), rng, share=float(rng.uniform(0.5, 0.8)))
    frame = captures.table_background(fw, fh, rng)
    cv2.warpPerspective(np.asarray(doc.image), warp, (fw, fh), frame, cv2.INTER_AREA, cv2.BORDER_TRANSPARENT)
    frame = captures.defocus(frame, float(rng.uniform(0.5, 1.5)))
    frame = captures.uneven_light(frame, rng)
    frame = np.clip(frame + rng.normal(0, 2.5, frame.shape), 0, 255).astype(np.uint8)
    photo = decode(jpeg(frame, int(rng.integers(75, 90))))
    printed = doc.fields["issue_date"]
    text = _changed_date(printed.text, rng)
    # The new text drawn on a transparent page-sized layer, warped like the page, pasted over a
    # polygon painted with the local paper colour.
    x, y, w, h = printed.box
    pad = max(4, h // 5)
    corners = np.float32(
        [[x - pad, y - pad], [x + w + pad, y - pad], [x + w + pad, y + h + pad], [x - pad, y + h + pad]]
    )
    quad = cv2.perspectiveTransform(corners[None], warp)[0]
    arr = np.array(photo)
    ring = cv2.dilate(_poly_mask(arr.shape[:2], quad), np.ones((15, 15), np.uint8)) & ~cv2.dilate(
        _poly_mask(arr.shape[:2], quad), np.ones((5, 5), np.uint8)
    )
    colour = np.median(arr[ring > 0], axis=0)
    arr[_poly_mask(arr.shape[:2], quad) > 0] = colour
    layer = Image.new("RGBA", doc.image.size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).text(
        printed.xy, text, font=_font(printed.font, printed.size), fill=(*printed.fill, 255)
    )
    warped = cv2.warpPerspective(np.asarray(layer), warp, (fw, fh), flags=cv2.INTER_LINEAR)
    alpha = warped[..., 3:4].astype(np.float32) / 255
    arr = (arr * (1 - alpha) + warped[..., :3] * alpha).astype(np.uint8)
    qx, qy = quad[:, 0], quad[:, 1]
    region = (int(qx.min()), int(qy.min()), int(qx.max() - qx.min()), int(qy.max() - qy.min()))
    return "jpg", jpeg(arr, int(rng.integers(85, 96))), "issue_date", region


def _poly_mask(shape, quad) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, np.round(quad).astype(np.int32), 255)
    return mask


# --- the corpus -----------------------------------------------------------------------------------------


def build(
    seed: int, *, per_design: int = 1, genuine_kinds=GENUINE_KINDS, edit_kinds=EDIT_KINDS
) -> list[Item]:
    """Every design x `per_design` documents: each genuine arrival kind and each edit kind."""
    items: list[Item] = []
    for design in DESIGNS:
        for index in range(per_design):
            doc = genuine_document(design, seed, index)
            donor = genuine_document(design, seed + 7919, index)
            stem = f"{design}-{index}"
            for kind in genuine_kinds:
                ext, data = arrival(kind, doc, np_rng(seed, f"{stem}:{kind}"))
                items.append(Item(data, f"{stem}-{kind}.{ext}", kind, "genuine", design))
            for kind in edit_kinds:
                ext, data, key, region = edit(kind, doc, donor, np_rng(seed, f"{stem}:{kind}"))
                items.append(Item(data, f"{stem}-{kind}.{ext}", kind, "edited", design, key, region))
    return items
