"""Synthetic certificate documents and forgeries for the fraud-layer tests.

Everything is drawn with Pillow so the tests need no fixture files. A forgery helper takes a
genuine rendering and changes exactly one thing, so each test pins one signal.
"""

from __future__ import annotations

import io
import re
import struct
from datetime import date, datetime
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts")

GENUINE = {
    "issuer": "Northbridge Institute of Technology",
    "recipient_name": "Amelia Hart",
    "title": "Advanced Data Analysis",
    "issue_date": date(2025, 6, 14),
    "expiry_date": date(2028, 6, 14),
    "grade": "Distinction",
    "credential_id": "CV-7KQ2-M9XD-4HPA-T3BN-G",
}


@cache
def font(size: int, *, bold: bool = False, serif: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu when installed, else Pillow's built-in scalable font (Pillow >= 10.1)."""
    name = "DejaVu" + ("Serif" if serif else "Sans") + ("-Bold" if bold else "") + ".ttf"
    for folder in FONT_DIRS:
        path = Path(folder) / name
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _centered(draw: ImageDraw.ImageDraw, y: int, text: str, fnt, width: int, fill) -> tuple:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=fnt)
    x = (width - (right - left)) // 2
    draw.text((x, y), text, font=fnt, fill=fill)
    return (x + left, y + top, right - left, bottom - top)


def paper_background(width: int, height: int) -> Image.Image:
    """A cream paper tone with a faint guilloche, like real certificate templates."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    wave = np.sin(xx / 23.0 + 6 * np.sin(yy / 97.0)) * np.sin(yy / 31.0)
    tone = 246 - 3.0 * (yy / height) + 4.0 * wave
    rgb = np.stack([tone + 4, tone + 1, tone - 10], axis=-1)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def render_certificate(size: tuple[int, int] = (2000, 1414), *, qr: bool = True, **fields) -> Image.Image:
    """A certificate-like page; `fields` override GENUINE. Returns RGB."""
    f = {**GENUINE, **fields}
    width, height = size
    s = width / 2000
    img = paper_background(width, height)
    draw = ImageDraw.Draw(img)
    navy, gold = (22, 34, 74), (176, 136, 48)
    for inset, w in ((int(40 * s), max(2, int(10 * s))), (int(70 * s), max(1, int(3 * s)))):
        draw.rectangle([inset, inset, width - inset, height - inset], outline=gold, width=w)
    draw_line = _line_drawer(draw, width, s)
    draw_line(150, f["issuer"].upper(), font(int(44 * s), bold=True), navy)
    draw_line(260, "Certificate of Completion", font(int(84 * s), bold=True, serif=True), gold)
    draw_line(420, "This is to certify that", font(int(38 * s), serif=True), navy)
    draw_line(500, f["recipient_name"], font(int(96 * s), bold=True, serif=True), navy)
    draw_line(660, "has successfully completed the course", font(int(38 * s), serif=True), navy)
    draw_line(730, f["title"], font(int(60 * s), bold=True), navy)
    draw_line(830, f"Grade: {f['grade']}", font(int(40 * s)), navy)
    _footer(draw, f, s, width, navy)
    _seal(draw, s, navy, gold)
    if qr:
        _qr(img, f["credential_id"], s)
    return img


def _line_drawer(draw, width, s):
    def draw_line(y, text, fnt, fill):
        return _centered(draw, int(y * s), text, fnt, width, fill)

    return draw_line


def _footer(draw, f, s, width, color) -> None:
    small = font(int(32 * s))
    left = int(180 * s)
    issued = f["issue_date"].isoformat() if isinstance(f["issue_date"], date) else f["issue_date"]
    draw.text((left, int(1010 * s)), f"Issue date: {issued}", font=small, fill=color)
    if f.get("expiry_date"):
        expires = f["expiry_date"]
        expires = expires.isoformat() if isinstance(expires, date) else expires
        draw.text((left, int(1060 * s)), f"Valid until: {expires}", font=small, fill=color)
    draw.text((left, int(1110 * s)), f"Credential ID: {f['credential_id']}", font=small, fill=color)
    draw.line([(int(820 * s), int(1150 * s)), (int(1180 * s), int(1150 * s))], fill=color, width=2)
    _centered(draw, int(1165 * s), "Registrar", font(int(28 * s)), width, color)


def _seal(draw, s, navy, gold) -> None:
    cx, cy, r = int(1420 * s), int(1060 * s), int(90 * s)
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=gold, width=max(2, int(8 * s)))
    draw.ellipse([cx - r + 18, cy - r + 18, cx + r - 18, cy + r - 18], outline=navy, width=2)
    draw.text((cx - int(52 * s), cy - int(16 * s)), "SEAL", font=font(int(36 * s), bold=True), fill=gold)


def _qr(img: Image.Image, credential_id: str, s: float) -> None:
    import segno

    code = segno.make(f"https://certverify.example/verify/{credential_id}/", error="m")
    buf = io.BytesIO()
    code.save(buf, kind="png", scale=max(2, int(6 * s)), border=2)
    qr_img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    img.paste(qr_img, (int(1830 * s) - qr_img.width, int(1300 * s) - qr_img.height))


# -- encoding -------------------------------------------------------------------------------


def encode(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def jpeg(img: Image.Image, quality: int = 90, **kw) -> bytes:
    return encode(img, "JPEG", quality=quality, **kw)


def decode(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as im:
        return im.convert("RGB")


def exif_datetime(value: datetime) -> str:
    return value.strftime("%Y:%m:%d %H:%M:%S")


# -- EXIF built by hand, because Pillow cannot write an IFD1 thumbnail ------------------------


def build_exif(
    ifd0: dict[int, str], exif: dict[int, str] | None = None, thumbnail: bytes | None = None
) -> bytes:
    """A little-endian TIFF/EXIF block with ASCII tags, an Exif sub-IFD and an IFD1 thumbnail."""
    exif = exif or {}
    ifd0 = dict(ifd0)
    if exif:
        ifd0[0x8769] = 0  # placeholder: offset of the Exif sub-IFD, patched below
    layout = _TiffLayout()
    ifd0_at = layout.reserve_ifd(len(ifd0))
    exif_at = layout.reserve_ifd(len(exif)) if exif else 0
    ifd1_at = layout.reserve_ifd(3) if thumbnail else 0
    if exif:
        ifd0[0x8769] = exif_at
    layout.write_ifd(ifd0_at, ifd0, next_ifd=ifd1_at)
    if exif:
        layout.write_ifd(exif_at, exif, next_ifd=0)
    if thumbnail:
        thumb_at = layout.append(thumbnail)
        layout.write_ifd(ifd1_at, {0x0103: 6, 0x0201: thumb_at, 0x0202: len(thumbnail)}, next_ifd=0)
    return b"Exif\x00\x00" + layout.finish()


class _TiffLayout:
    def __init__(self) -> None:
        self.buf = bytearray(b"II*\x00" + struct.pack("<I", 8))

    def reserve_ifd(self, count: int) -> int:
        at = len(self.buf)
        self.buf += bytes(2 + 12 * count + 4)
        return at

    def append(self, data: bytes) -> int:
        at = len(self.buf)
        self.buf += data + (b"\x00" if len(data) % 2 else b"")
        return at

    def write_ifd(self, at: int, tags: dict[int, str | int], next_ifd: int) -> None:
        entries = b""
        for tag in sorted(tags):
            value = tags[tag]
            if isinstance(value, int):
                kind = 3 if tag == 0x0103 else 4
                packed = struct.pack("<H", value) + b"\x00\x00" if kind == 3 else struct.pack("<I", value)
                entries += struct.pack("<HHI", tag, kind, 1) + packed
                continue
            raw = value.encode("ascii") + b"\x00"
            if len(raw) <= 4:
                entries += struct.pack("<HHI", tag, 2, len(raw)) + raw.ljust(4, b"\x00")
            else:
                entries += struct.pack("<HHII", tag, 2, len(raw), self.append(raw))
        block = struct.pack("<H", len(tags)) + entries + struct.pack("<I", next_ifd)
        self.buf[at : at + len(block)] = block

    def finish(self) -> bytes:
        return bytes(self.buf)


def thumbnail_jpeg(img: Image.Image, size: int = 160) -> bytes:
    thumb = img.copy()
    thumb.thumbnail((size, size))
    return jpeg(thumb, quality=80)


# -- forgeries and their clean counterparts --------------------------------------------------


def camera_jpeg(img: Image.Image, *, taken: datetime, quality: int = 92) -> bytes:
    """A phone photo of a certificate: camera EXIF and a thumbnail of the same picture."""
    exif = build_exif(
        {0x010F: "Apple", 0x0110: "iPhone 14", 0x0132: exif_datetime(taken)},
        {0x9003: exif_datetime(taken), 0x9004: exif_datetime(taken)},
        thumbnail=thumbnail_jpeg(img),
    )
    return jpeg(img, quality=quality, exif=exif)


def editor_jpeg(
    img: Image.Image, *, software: str, saved: datetime, created: datetime | None = None
) -> bytes:
    """Saved by an image editor, which writes its name and the save time into IFD0."""
    exif_ifd = {0x9003: exif_datetime(created)} if created else None
    exif = build_exif({0x0131: software, 0x0132: exif_datetime(saved)}, exif_ifd)
    return jpeg(img, quality=90, exif=exif)


def swapped_thumbnail_jpeg(img: Image.Image, original: Image.Image, *, taken: datetime) -> bytes:
    """An edited picture that kept the camera's thumbnail of the original picture."""
    exif = build_exif(
        {0x010F: "Apple", 0x0110: "iPhone 14", 0x0132: exif_datetime(taken)},
        {0x9003: exif_datetime(taken)},
        thumbnail=thumbnail_jpeg(original),
    )
    return jpeg(img, quality=92, exif=exif)


def xmp_packet(
    *, creator_tool: str = "", agents: tuple[str, ...] = (), create: str = "", modify: str = ""
) -> bytes:
    history = "".join(
        f'<rdf:li stEvt:action="saved" stEvt:softwareAgent="{agent}" stEvt:when="{modify}"/>'
        for agent in agents
    )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
        'xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#" '
        f'xmp:CreatorTool="{creator_tool}" xmp:CreateDate="{create}" xmp:ModifyDate="{modify}">'
        f"<xmpMM:History><rdf:Seq>{history}</rdf:Seq></xmpMM:History>"
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def xmp_jpeg(img: Image.Image, packet: bytes) -> bytes:
    return jpeg(img, quality=90, xmp=packet)


def photoshop_tables_jpeg(img: Image.Image, preset: str = "web_high") -> bytes:
    """Pillow's presets are Photoshop's own quantization tables ("Save for Web" and "Save As")."""
    return jpeg(img, quality=preset)


def spliced_jpeg(
    genuine: Image.Image,
    *,
    name: str = "Jonathan Whitfield",
    first_quality: int = 70,
    final_quality: int = 92,
) -> tuple[bytes, tuple[int, int, int, int]]:
    """A photo/scan of the genuine certificate (JPEG at `first_quality`) whose name was painted
    over with a freshly rendered one, then saved again at `final_quality`.

    Returns the JPEG and the pasted region (x, y, w, h) in pixels.
    """
    base = decode(jpeg(genuine, quality=first_quality))
    s = genuine.width / 2000
    fresh = render_certificate(genuine.size, recipient_name=name)
    box = (int(300 * s), int(480 * s), int(1700 * s), int(640 * s))
    base.paste(fresh.crop(box), box[:2])
    return jpeg(base, quality=final_quality), (box[0], box[1], box[2] - box[0], box[3] - box[1])


def scan_like(img: Image.Image, *, angle: float = 0.6, noise: float = 3.0, seed: int = 7) -> Image.Image:
    """Slightly rotated, blurred by the rotation's resampling, with sensor-like noise."""
    rotated = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(245, 242, 232))
    arr = np.asarray(rotated).astype(np.float32)
    arr += np.random.default_rng(seed).normal(0, noise, arr.shape).astype(np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def noisy_patch_png(genuine: Image.Image, *, noise: float = 6.0) -> tuple[bytes, tuple[int, int, int, int]]:
    """A clean rendering with one region pasted from a noisy photo of another document."""
    s = genuine.width / 2000
    box = (int(300 * s), int(480 * s), int(1700 * s), int(640 * s))
    donor = scan_like(
        render_certificate(genuine.size, recipient_name="Jonathan Whitfield"), angle=0, noise=noise
    )
    out = genuine.copy()
    out.paste(donor.crop(box), box[:2])
    return encode(out, "PNG"), (box[0], box[1], box[2] - box[0], box[3] - box[1])


# -- PDFs: a ReportLab rendering like ours, and edits appended as incremental updates ----------


def certificate_pdf(img: Image.Image | None = None, *, producer: str | None = None) -> bytes:
    """The certificate as CertVerify exports it: one A4-landscape page drawn by ReportLab."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=(842, 595))
    pdf.setCreator("CertVerify")
    if producer:
        pdf.setProducer(producer)
    pdf.drawImage(ImageReader(img or render_certificate()), 0, 0, 842, 595)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def pdf_date(value: datetime) -> str:
    return value.strftime("D:%Y%m%d%H%M%S+00'00'")


def incremental_update(
    pdf: bytes,
    *,
    info: dict[str, str] | None = None,
    free_text: tuple[tuple[float, float, float, float], str] | None = None,
    form_field: tuple[tuple[float, float, float, float], str] | None = None,
) -> bytes:
    """Append an update the way PDF editors save: new objects, a new xref section and trailer.

    `info` replaces the document information (Producer, ModDate...); `free_text` places a text
    box annotation at a PDF-points rect; `form_field` adds an AcroForm text field.
    """
    trailer = pdf[pdf.rindex(b"trailer") :]
    size = int(re.search(rb"/Size (\d+)", trailer).group(1))
    root = int(re.search(rb"/Root (\d+) 0 R", trailer).group(1))
    info_ref = re.search(rb"/Info (\d+) 0 R", trailer)
    prev = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    objects: dict[int, bytes] = {}
    annots = []
    page_num, page_body = _pdf_object(pdf, rb"/Type /Page\b(?!s)")
    if free_text:
        (x1, y1, x2, y2), text = free_text
        objects[size] = (
            f"<< /Type /Annot /Subtype /FreeText /Rect [{x1} {y1} {x2} {y2}] /Contents ({text}) "
            f"/DA (/Helv 24 Tf 0 g) /F 4 /P {page_num} 0 R >>"
        ).encode()
        annots.append(size)
        size += 1
    if form_field:
        (x1, y1, x2, y2), value = form_field
        objects[size] = (
            f"<< /Type /Annot /Subtype /Widget /FT /Tx /T (recipient) /V ({value}) "
            f"/Rect [{x1} {y1} {x2} {y2}] /F 4 /P {page_num} 0 R >>"
        ).encode()
        annots.append(size)
        _, catalog = _pdf_object(pdf, rb"/Type /Catalog")
        objects[root] = catalog.replace(b"<<", f"<< /AcroForm << /Fields [{size} 0 R] >>".encode(), 1)
        size += 1
    if annots:
        refs = " ".join(f"{n} 0 R" for n in annots)
        objects[page_num] = page_body.replace(b"<<", f"<< /Annots [{refs}]".encode(), 1)
    if info:
        entries = " ".join(f"/{k} ({v})" for k, v in info.items())
        objects[size] = f"<< {entries} >>".encode()
        info_num = size
        size += 1
    else:
        info_num = int(info_ref.group(1)) if info_ref else None
    return _append_revision(pdf, objects, size=size, root=root, info=info_num, prev=prev)


def _pdf_object(pdf: bytes, marker: bytes) -> tuple[int, bytes]:
    for match in re.finditer(rb"(\d+) 0 obj\s*(.*?)endobj", pdf, re.S):
        if re.search(marker, match.group(2)):
            return int(match.group(1)), match.group(2).strip()
    raise ValueError(f"no object with {marker!r}")


def _append_revision(
    pdf: bytes, objects: dict[int, bytes], *, size: int, root: int, info, prev: int
) -> bytes:
    out = bytearray(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n"
    for num in sorted(offsets):
        out += b"%d 1\n%010d 00000 n \n" % (num, offsets[num])
    info_part = b" /Info %d 0 R" % info if info else b""
    out += b"trailer\n<< /Size %d /Root %d 0 R%s /Prev %d >>\n" % (size, root, info_part, prev)
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def png_with_text(img: Image.Image, text: dict[str, str]) -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    return encode(img, "PNG", pnginfo=info)
