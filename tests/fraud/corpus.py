"""The fraud corpus: genuine renderings of issued certificates, their everyday re-saves, and forgeries.

Certificates are issued and rendered through the real services, so the registry, the signed QR
code and the stored original are exactly what production holds. From each one:

* genuine variants: the issuer's PNG and PDF, JPEG re-saves (q70/q85/q95), resizes (0.6x, 1.4x), a
  scan (rotated 0.8-1.5 degrees either way, softened, noisy, JPEG) and a phone photo (slight
  perspective, uneven light, camera EXIF with a matching thumbnail);
* tampered copies: the certificate re-rendered with another recipient name, issue date, grade or
  printed credential id but the ORIGINAL signed QR code (the realistic attack: a forger has the
  PNG and our fonts, not our key); the name painted over and retyped in the renderer's font; the
  name band spliced in from another certificate; metadata forgeries (an edit saved by "Adobe
  Photoshop 25.0"; an edit that kept the camera thumbnail of the original) and a JPEG edit
  re-saved at another quality (double compression);
* a revoked certificate (a perfect image), a certificate fabricated in a registered issuer's name
  (made-up CV- id, QR signed by the forger's key) and one for an issuer nobody registered;
* real-world captures (tests/fraud/captures.py: phone photos, chat forwards, office scans,
  screenshots, cropped copies, print-to-PDF) of the genuine page and of three forgeries: the name
  band spliced from another certificate, the name retyped in the renderer's font, and the name
  retyped with the QR code removed (so its signed payload cannot contradict the edit);
* unknown-issuer documents for the forensic-only ROC-AUC: self-consistent renderings by an issuer
  CertVerify does not know, in everyday variants, and edited versions of them.

Determinism: every choice comes from a generator seeded with ``(seed, category)``, so one item can
be built alone and is the same as in the full corpus; the renderer and Ed25519 signatures are
deterministic. Only the credential ids of issued certificates are random (`secrets`, as in
production), so the corpus is byte-for-byte repeatable for the same issued certificates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from django.conf import settings
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from certificates.lifecycle.credential_ids import ALPHABET, check_symbol
from certificates.lifecycle.services import certificate_issue, certificate_revoke
from certificates.models import Certificate
from certificates.rendering.fonts import font_path
from certificates.rendering.layout import DEFAULT_LAYOUT
from certificates.rendering.render import RenderInput, render_image
from certificates.rendering.services import certificate_render
from certificates.signing.keys import build_qr_text, key_id_for
from core.crypto import encrypt_bytes
from organizations.access import Actor
from organizations.models import Organization
from tests.fraud import captures, images

SEED = 20260630
Expected = Literal["genuine", "forged"]

# Whose records can vouch for the document.
REGISTRY = "registry"  # made from a certificate in the registry
FABRICATED = "fabricated"  # claims a credential id nobody issued
UNKNOWN = "unknown_issuer"  # an issuer CertVerify does not know: only the forensic layers can judge

NAMES = (
    "Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Edsger Dijkstra",
    "Barbara Liskov", "Donald Knuth", "Margaret Hamilton", "Claude Shannon", "Frances Allen",
    "John Backus", "Radia Perlman", "Niklaus Wirth", "Hedy Lamarr", "Sophie Wilson",
    "Dennis Ritchie", "Karen Jones", "Leslie Lamport", "Shafi Goldwasser", "Tony Hoare",
)  # fmt: skip
FORGED_NAMES = ("Mallory Forger", "Victor Crane", "Eve Dawson", "Oscar Trent", "Trudy Marsh", "Walter Finch")
TITLES = (
    "MSc Computer Science", "Data Engineering Bootcamp", "Project Management Professional",
    "BSc Mechanical Engineering", "Applied Machine Learning", "Certified Cloud Architect",
)  # fmt: skip
GRADES = ("Distinction", "Merit", "Pass", "First Class Honours", "Credit")
UNKNOWN_ISSUERS = (
    ("Meridian Polytechnic Institute", "meridian-polytechnic-institute"),
    ("Harbourview Academy of Arts", "harbourview-academy-of-arts"),
    ("Kestrel School of Business", "kestrel-school-of-business"),
)
PHOTOSHOP = "Adobe Photoshop 25.0 (Windows)"
# Where DEFAULT_LAYOUT prints each field, in canvas pixels (x0, y0, x1, y1), ascenders to the
# underline: the name (baseline 590, size 100, max width 1400, underline 30 px wider each side), the
# grade (875, centred), the issue date (990, left at 210) and the credential id (1254, centred).
FIELD_BOXES = {
    "recipient_name": (260, 478, 1740, 632),
    "grade": (500, 830, 1500, 890),
    "issue_date": (200, 950, 800, 1002),
    "credential_id": (400, 1220, 1600, 1266),
}
NAME_BAND = FIELD_BOXES["recipient_name"]


@dataclass(frozen=True)
class CorpusItem:
    """One document to verify, and the truth about it."""

    data: bytes
    filename: str  # the extension gives the format: .png, .jpg, .pdf
    category: str
    expected: Expected
    group: str  # REGISTRY | FABRICATED | UNKNOWN
    claims: str | None  # the credential id the document claims (printed and in its QR code)
    source: str | None = None  # the issued certificate it was made from, if any
    issuer: str = ""  # the issuer name the document prints

    @property
    def content_type(self) -> str:
        return {"png": "image/png", "jpg": "image/jpeg", "pdf": "application/pdf"}[self.filename[-3:]]


@dataclass
class Corpus:
    items: list[CorpusItem]
    certificates: list[Certificate]  # issued and valid
    revoked: list[Certificate]

    def first(self, category: str) -> CorpusItem:
        return next(item for item in self.items if item.category == category)


# --- seeded choices ---------------------------------------------------------------------------------


def _rng(seed: int, label: str) -> random.Random:
    return random.Random(f"{seed}:{label}")  # str seeds are hashed (SHA-512): stable across runs


def _np_rng(seed: int, label: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(label.encode())])


# --- issuing ----------------------------------------------------------------------------------------


def issue_certificates(
    *, organization: Organization, actor: Actor, count: int, seed: int = SEED
) -> list[Certificate]:
    """`count` certificates with seeded, distinct recipients, issued and rendered by the services."""
    rng = _rng(seed, "issue")
    names = rng.sample(NAMES, k=min(count, len(NAMES)))
    issued = []
    for index in range(count):
        name = names[index % len(names)] + ("" if index < len(names) else f" {index}")
        certificate = certificate_issue(
            actor=actor,
            organization=organization,
            recipient_name=name,
            title=rng.choice(TITLES),
            issue_date=dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(700)),
            grade=rng.choice(GRADES),
            recipient_email=f"{name.split()[0].lower()}.{index}@example.com",
        )
        issued.append(certificate_render(certificate=certificate))
    return issued


def build_corpus(
    *, organization: Organization, actor: Actor, certificates: int = 3, seed: int = SEED
) -> Corpus:
    """Issue `certificates` (plus one that is revoked) and derive every category from them."""
    issued = issue_certificates(organization=organization, actor=actor, count=certificates + 1, seed=seed)
    *kept, to_revoke = issued
    certificate_revoke(actor=actor, certificate=to_revoke, reason="Issued in error (fraud corpus)")
    items: list[CorpusItem] = []
    for index, certificate in enumerate(kept):
        donor = kept[(index + 1) % len(kept)] if len(kept) > 1 else to_revoke
        items += [genuine_item(c, certificate, seed=seed + index) for c in GENUINE]
        items += [tampered_item(c, certificate, donor=donor, seed=seed + index) for c in TAMPERED]
        items.append(fabricated_registered_issuer(organization, seed=seed + index))
        items.append(fabricated_unknown_issuer(seed=seed + index))
        document = unknown_document(seed + index)
        items += [unknown_issuer_item(c, seed=seed + index, document=document) for c in UNKNOWN_ISSUER]
    items.append(revoked(to_revoke))
    return Corpus(items, kept, [to_revoke])


# --- files and pixels -------------------------------------------------------------------------------


def png_bytes(image: Image.Image) -> bytes:
    return images.encode(image, "PNG", compress_level=1)  # same pixels at any level; level 1 is faster


def jpeg_bytes(image: Image.Image, quality: int) -> bytes:
    return images.jpeg(image.convert("RGB"), quality=quality)


def stored_png(certificate: Certificate) -> bytes:
    with certificate.image.open("rb") as fh:
        return fh.read()


def stored_pdf(certificate: Certificate) -> bytes:
    with certificate.pdf.open("rb") as fh:
        return fh.read()


def page_of(certificate: Certificate) -> Image.Image:
    return images.decode(stored_png(certificate))


def render_input(certificate: Certificate, **changes) -> RenderInput:
    """What `certificate_render` draws for this certificate, with `changes` (the QR text is kept)."""
    inp = RenderInput(
        organization_name=certificate.organization.name,
        recipient_name=certificate.recipient_name,
        title=certificate.title,
        issue_date=certificate.issue_date,
        expiry_date=certificate.expiry_date,
        grade=certificate.grade or None,
        credential_id=certificate.credential_id,
        qr_text=certificate.qr_text,
    )
    return dataclasses.replace(inp, **changes)


def resized(image: Image.Image, factor: float) -> Image.Image:
    return image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS)


def scan(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A flatbed scan: rotated 0.8-1.5 degrees either way, softened, with sensor noise."""
    angle = float(rng.uniform(0.8, 1.5) * rng.choice([-1, 1]))
    rotated = image.convert("RGB").rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=(238, 236, 230))
    return add_noise(rotated.filter(ImageFilter.GaussianBlur(0.6)), rng, sigma=3.0)


def photo(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A phone photo held almost square-on: corners off by 0.4-1.4 %, light falling off, noise."""
    w, h = image.size
    dx, dy = (rng.uniform(0.004, 0.014, 4) * w).tolist(), (rng.uniform(0.004, 0.014, 4) * h).tolist()
    corners = [(dx[0], dy[0]), (w - dx[1], dy[1]), (w - dx[2], h - dy[2]), (dx[3], h - dy[3])]
    warped = image.convert("RGB").transform(
        (w, h),
        Image.Transform.PERSPECTIVE,
        perspective_coefficients(corners, [(0, 0), (w, 0), (w, h), (0, h)]),
        Image.Resampling.BICUBIC,
        fillcolor=(92, 84, 74),  # the table under the page
    )
    xx = (np.arange(w, dtype=np.float32) / w - 0.35) ** 2
    yy = (np.arange(h, dtype=np.float32)[:, None] / h - 0.3) ** 2
    light = 1.04 - 0.12 * np.sqrt(xx + yy)
    lit = np.asarray(warped, np.float32) * light[..., None]
    return add_noise(Image.fromarray(np.clip(lit, 0, 255).astype(np.uint8)), rng, sigma=2.5)


def perspective_coefficients(target, source) -> list[float]:
    """Pillow's PERSPECTIVE coefficients mapping output points `target` to input points `source`."""
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
    rhs = np.array([c for point in source for c in point], dtype=np.float64)
    return np.linalg.solve(np.array(rows, dtype=np.float64), rhs).tolist()


def add_noise(image: Image.Image, rng: np.random.Generator, *, sigma: float) -> Image.Image:
    noise = rng.standard_normal((image.height, image.width, 3), dtype=np.float32) * np.float32(sigma)
    pixels = np.asarray(image, np.float32) + noise
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def photo_time(day: dt.date | str) -> dt.datetime:
    return dt.datetime.combine(as_date(day), dt.time(14, 30)) + dt.timedelta(days=20)


def as_date(value: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


# --- edits ------------------------------------------------------------------------------------------


def fitted_font(text: str, element: dict) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The font the renderer uses for `text` in `element` (it shrinks text to fit max_width)."""
    path, size = font_path(element["font"]), int(element["size"])

    def load(s: int):
        return ImageFont.truetype(path, s) if path else ImageFont.load_default(s)

    max_width = element.get("max_width")
    while max_width and size > int(element["size"] * 0.6) and load(size).getlength(text) > max_width:
        size -= 2
    return load(size)


def paint_over_text(image: Image.Image, element_name: str, old: str, new: str) -> Image.Image:
    """Erase `old` where the renderer printed it (healed from the paper above and below) and type
    `new` in the same font, colour and position: a careful manual edit."""
    element = DEFAULT_LAYOUT["elements"][element_name]
    label, xy = element.get("label", ""), (element["x"], element["y"])
    anchor = {"left": "ls", "center": "ms", "right": "rs"}[element["align"]]
    out = image.convert("RGB").copy()
    draw = ImageDraw.Draw(out)
    left, top, right, bottom = draw.textbbox(
        xy, label + old, font=fitted_font(label + old, element), anchor=anchor
    )
    heal(out, (left - 6, top - 6, right + 6, bottom + 4))
    draw.text(xy, label + new, font=fitted_font(label + new, element), fill=element["color"], anchor=anchor)
    return out


def heal(image: Image.Image, box: tuple[int, int, int, int]) -> None:
    """Fill `box` column by column with a blend of the paper just above and just below it."""
    x0, y0, x1, y1 = (int(v) for v in box)
    pixels = np.asarray(image, np.float32).copy()
    above, below = pixels[y0 - 4 : y0, x0:x1].mean(axis=0), pixels[y1 : y1 + 4, x0:x1].mean(axis=0)
    t = np.linspace(0, 1, y1 - y0, dtype=np.float32)[:, None, None]
    pixels[y0:y1, x0:x1] = above[None] * (1 - t) + below[None] * t
    image.paste(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)))


def splice(
    target: Image.Image, donor: Image.Image, box: tuple[int, int, int, int] = NAME_BAND
) -> Image.Image:
    """`target` with the `box` area copied from `donor` (another certificate, same layout)."""
    out = target.convert("RGB").copy()
    out.paste(donor.convert("RGB").crop(box), box[:2])
    return out


def double_compressed(genuine: Image.Image, edited: Image.Image, *, first: int = 75, last: int = 92) -> bytes:
    """The document as a JPEG at `first` quality, its name band replaced from `edited`, re-saved
    at `last` quality: the classic edit of a downloaded JPEG."""
    return jpeg_bytes(splice(images.decode(jpeg_bytes(genuine, first)), edited), last)


def editor_saved(image: Image.Image, day: dt.date | str) -> bytes:
    return images.editor_jpeg(image, software=PHOTOSHOP, saved=photo_time(day) + dt.timedelta(days=25))


# --- ids and keys -----------------------------------------------------------------------------------


def credential_id_from(data: str) -> str:
    return "-".join(["CV", *(data[i : i + 4] for i in range(0, 16, 4)), check_symbol(data)])


def made_up_credential_id(rng: random.Random) -> str:
    """A well-formed CV- id (its check character verifies) that nobody issued."""
    return credential_id_from("".join(rng.choice(ALPHABET) for _ in range(16)))


def altered_credential_id(credential_id: str, rng: random.Random) -> str:
    """The id with its last two groups changed and a fresh check character: it still 'validates'."""
    data = credential_id.replace("-", "")[2:18]
    return credential_id_from(data[:8] + "".join(rng.choice(ALPHABET) for _ in range(8)))


def foreign_key(label: str) -> tuple[bytes, str]:
    """A deterministic Ed25519 key no registered organization holds: (encrypted private key, key id)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label.encode()).digest())
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return encrypt_bytes(raw), key_id_for(public)


def self_signed_input(
    *, issuer: str, slug: str, key_label: str, rng: random.Random, site_url: str | None = None
) -> RenderInput:
    """A certificate whose QR code is signed, consistently with its text, by the key `key_label`,
    and links to the verify page of `site_url` (this site unless another is given)."""
    credential_id, name, title = made_up_credential_id(rng), rng.choice(NAMES), rng.choice(TITLES)
    issue_date = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(900))
    fields = {
        "cid": credential_id,
        "name": name,
        "title": title,
        "issued": issue_date.isoformat(),
        "expires": None,
        "hash": hashlib.sha256(f"{credential_id}|{name}|{title}".encode()).hexdigest(),
        "org": slug,
    }
    private_key, key_id = foreign_key(key_label)
    return RenderInput(
        organization_name=issuer,
        recipient_name=name,
        title=title,
        issue_date=issue_date,
        expiry_date=None,
        grade=rng.choice(GRADES),
        credential_id=credential_id,
        qr_text=build_qr_text(site_url or settings.SITE_URL, fields, private_key, key_id),
    )


# --- genuine variants of an issued certificate ------------------------------------------------------

Builder = Callable[..., tuple[str, bytes]]  # -> (extension, bytes)


def _camera(image: Image.Image, day, thumbnail_of: Image.Image | None = None) -> bytes:
    if thumbnail_of is None:
        return images.camera_jpeg(image, taken=photo_time(day), quality=90)
    return images.swapped_thumbnail_jpeg(image, thumbnail_of, taken=photo_time(day))


GENUINE: dict[str, Builder] = {
    "genuine_png": lambda c, r: ("png", stored_png(c)),
    "genuine_pdf": lambda c, r: ("pdf", stored_pdf(c)),
    "genuine_jpeg_q70": lambda c, r: ("jpg", jpeg_bytes(page_of(c), 70)),
    "genuine_jpeg_q85": lambda c, r: ("jpg", jpeg_bytes(page_of(c), 85)),
    "genuine_jpeg_q95": lambda c, r: ("jpg", jpeg_bytes(page_of(c), 95)),
    "genuine_resized_0.6": lambda c, r: ("png", png_bytes(resized(page_of(c), 0.6))),
    "genuine_resized_1.4": lambda c, r: ("jpg", jpeg_bytes(resized(page_of(c), 1.4), 90)),
    "genuine_scan": lambda c, r: ("jpg", jpeg_bytes(scan(page_of(c), r), 88)),
    "genuine_photo": lambda c, r: ("jpg", _camera(photo(page_of(c), r), c.issue_date)),
}


def genuine_item(category: str, certificate: Certificate, *, seed: int = SEED) -> CorpusItem:
    """The issuer's own files and the re-saves people make of them: all genuine."""
    ext, data = GENUINE[category](certificate, _np_rng(seed, category))
    cid = certificate.credential_id
    return CorpusItem(
        data,
        f"{category}-{cid}.{ext}",
        category,
        "genuine",
        REGISTRY,
        cid,
        cid,
        certificate.organization.name,
    )


# --- tampered copies of an issued certificate -------------------------------------------------------


def _other(choices, current, rng: random.Random):
    return rng.choice([choice for choice in choices if choice != current])


def _renamed(c: Certificate, rng: random.Random) -> Image.Image:
    return render_image(render_input(c, recipient_name=_other(FORGED_NAMES, c.recipient_name, rng)))


def _painted(c: Certificate, rng: random.Random) -> Image.Image:
    return paint_over_text(page_of(c), "recipient_name", c.recipient_name, _other(FORGED_NAMES, None, rng))


def _redated(c: Certificate, rng: random.Random) -> Image.Image:
    shift = dt.timedelta(days=rng.choice([-400, -95, 95, 365, 731]))
    return render_image(render_input(c, issue_date=c.issue_date + shift))


def _regraded(c: Certificate, rng: random.Random) -> Image.Image:
    return render_image(render_input(c, grade=_other(GRADES, c.grade, rng)))


def _reidentified(c: Certificate, rng: random.Random) -> Image.Image:
    return render_image(render_input(c, credential_id=altered_credential_id(c.credential_id, rng)))


TAMPERED: dict[str, Builder] = {
    "forged_name": lambda c, d, r: ("png", png_bytes(_renamed(c, r))),
    "forged_name_painted": lambda c, d, r: ("png", png_bytes(_painted(c, r))),
    "forged_date": lambda c, d, r: ("png", png_bytes(_redated(c, r))),
    "forged_grade": lambda c, d, r: ("png", png_bytes(_regraded(c, r))),
    "forged_credential_id": lambda c, d, r: ("png", png_bytes(_reidentified(c, r))),
    "forged_splice": lambda c, d, r: ("png", png_bytes(splice(page_of(c), page_of(d)))),
    "forged_metadata_photoshop": lambda c, d, r: ("jpg", editor_saved(_painted(c, r), c.issue_date)),
    "forged_metadata_thumbnail": lambda c, d, r: ("jpg", _camera(_renamed(c, r), c.issue_date, page_of(c))),
    "forged_jpeg_resaved": lambda c, d, r: ("jpg", double_compressed(page_of(c), _renamed(c, r))),
}


def tampered_item(
    category: str, certificate: Certificate, *, donor: Certificate, seed: int = SEED
) -> CorpusItem:
    """A copy of an issued certificate that says something else, its signed QR code untouched."""
    rng = _rng(seed, category)
    ext, data = TAMPERED[category](certificate, donor, rng)
    cid = certificate.credential_id
    claims = altered_credential_id(cid, _rng(seed, category)) if category == "forged_credential_id" else cid
    return CorpusItem(
        data,
        f"{category}-{cid}.{ext}",
        category,
        "forged",
        REGISTRY,
        claims,
        cid,
        certificate.organization.name,
    )


def revoked(certificate: Certificate) -> CorpusItem:
    """The issuer's own, perfect rendering of a certificate the issuer has revoked."""
    cid = certificate.credential_id
    return CorpusItem(
        stored_png(certificate), f"revoked-{cid}.png", "revoked", "forged", REGISTRY, cid, cid,
        certificate.organization.name,
    )  # fmt: skip


# --- fabrications -----------------------------------------------------------------------------------


def fabricated_registered_issuer(organization: Organization, *, seed: int = SEED) -> CorpusItem:
    """A certificate in a registered issuer's name and layout that it never issued: a made-up CV-
    id, and a QR code with the issuer's slug signed by the forger's own key."""
    rng = _rng(seed, "fabricated_registered_issuer")
    inp = self_signed_input(
        issuer=organization.name, slug=organization.slug, key_label=f"forger-{seed}", rng=rng
    )
    cid = inp.credential_id
    return CorpusItem(
        png_bytes(render_image(inp)), f"fabricated-registered-{cid}.png", "fabricated_registered_issuer",
        "forged", FABRICATED, cid, None, organization.name,
    )  # fmt: skip


def fabricated_unknown_issuer(*, seed: int = SEED) -> CorpusItem:
    """A certificate of an issuer nobody registered, in CertVerify's layout, whose QR code points at
    this site's verify page for a CV- id that was never issued."""
    rng = _rng(seed, "fabricated_unknown_issuer")
    issuer, slug = rng.choice(UNKNOWN_ISSUERS)
    inp = self_signed_input(issuer=issuer, slug=slug, key_label=f"fabricator-{seed}", rng=rng)
    cid = inp.credential_id
    return CorpusItem(
        png_bytes(render_image(inp)), f"fabricated-unknown-{cid}.png", "fabricated_unknown_issuer", "forged",
        FABRICATED, cid, None, issuer,
    )  # fmt: skip


# --- unknown-issuer documents: genuine variants and edits ---------------------------------------------


@dataclass(frozen=True)
class UnknownDocument:
    """An unknown issuer's genuine certificate and the pieces its edits are made from."""

    inp: RenderInput
    page: Image.Image
    donor: Image.Image  # the same certificate rendered for someone else
    photo_seed: int

    def photo(self, image: Image.Image | None = None) -> Image.Image:
        """The same shot (same perspective, light and noise) of the page or of another image."""
        return photo(self.page if image is None else image, np.random.default_rng(self.photo_seed))


def unknown_document(seed: int = SEED) -> UnknownDocument:
    rng = _rng(seed, "unknown_issuer")
    issuer, slug = UNKNOWN_ISSUERS[seed % len(UNKNOWN_ISSUERS)]
    # Issued by another deployment (its own site and keys): its QR code does not point here.
    site = f"https://verify.{slug}.example"
    inp = self_signed_input(issuer=issuer, slug=slug, key_label=slug, rng=rng, site_url=site)
    donor = render_image(
        dataclasses.replace(inp, recipient_name=_other(FORGED_NAMES, inp.recipient_name, rng))
    )
    return UnknownDocument(inp, render_image(inp), donor, rng.randrange(1 << 31))


def _unknown_painted(doc: UnknownDocument) -> Image.Image:
    return paint_over_text(doc.page, "recipient_name", doc.inp.recipient_name, FORGED_NAMES[0])


def _unknown_redated(doc: UnknownDocument) -> Image.Image:
    return render_image(
        dataclasses.replace(doc.inp, issue_date=as_date(doc.inp.issue_date) + dt.timedelta(days=365))
    )


UNKNOWN_ISSUER: dict[str, Callable[[UnknownDocument, np.random.Generator], tuple[str, bytes]]] = {
    "unknown_genuine_png": lambda d, r: ("png", png_bytes(d.page)),
    "unknown_genuine_jpeg_q85": lambda d, r: ("jpg", jpeg_bytes(d.page, 85)),
    "unknown_genuine_scan": lambda d, r: ("jpg", jpeg_bytes(scan(d.page, r), 88)),
    "unknown_genuine_photo": lambda d, r: ("jpg", _camera(d.photo(), d.inp.issue_date)),
    "unknown_edit_name_painted": lambda d, r: ("png", png_bytes(_unknown_painted(d))),
    "unknown_edit_date": lambda d, r: ("png", png_bytes(_unknown_redated(d))),
    "unknown_edit_jpeg_resaved": lambda d, r: ("jpg", double_compressed(d.page, d.donor)),
    "unknown_edit_photoshop": lambda d, r: ("jpg", editor_saved(_unknown_painted(d), d.inp.issue_date)),
    "unknown_edit_thumbnail": lambda d, r: (
        "jpg", _camera(splice(d.photo(), d.photo(d.donor)), d.inp.issue_date, thumbnail_of=d.photo())
    ),
    "unknown_edit_splice": lambda d, r: ("png", png_bytes(splice(d.page, d.donor))),
}  # fmt: skip


def unknown_issuer_item(
    category: str, *, seed: int = SEED, document: UnknownDocument | None = None
) -> CorpusItem:
    """An unknown issuer's genuine certificate in an everyday variant, or an edited copy of it."""
    doc = document or unknown_document(seed)
    ext, data = UNKNOWN_ISSUER[category](doc, _np_rng(seed, category))
    cid = doc.inp.credential_id
    expected: Expected = "genuine" if category.startswith("unknown_genuine") else "forged"
    return CorpusItem(
        data, f"{category}-{cid}.{ext}", category, expected, UNKNOWN, cid, None, doc.inp.organization_name
    )


# --- real-world captures of a genuine certificate and of forgeries ---------------------------------

# Where DEFAULT_LAYOUT prints the QR code and its caption, in canvas pixels (x0, y0, x1, y1).
QR_BOX = (1462, 822, 1874, 1290)


def qr_removed(image: Image.Image) -> Image.Image:
    """The page with its QR code and caption healed over with the paper around them."""
    out = image.convert("RGB").copy()
    heal(out, QR_BOX)
    return out


CAPTURED_PAGES: dict[str, Callable[[Certificate, Certificate, random.Random], Image.Image]] = {
    "genuine": lambda c, d, r: page_of(c),
    "spliced": lambda c, d, r: splice(page_of(c), page_of(d)),
    "retyped": lambda c, d, r: _painted(c, r),
    "retyped_qr_removed": lambda c, d, r: qr_removed(_painted(c, r)),
}
CAPTURED_FORGERIES = tuple(name for name in CAPTURED_PAGES if name != "genuine")


def capture_item(
    kind: str, page: str, certificate: Certificate, *, donor: Certificate, seed: int = SEED
) -> CorpusItem:
    """`page` (the genuine page or a forgery of it, see CAPTURED_PAGES) captured as `kind`
    (a phone photo, a chat forward ..., see captures.CAPTURES); category "capture:<kind>:<page>"."""
    category = f"capture:{kind}:{page}"
    image = CAPTURED_PAGES[page](certificate, donor, _rng(seed, page))
    ext, data = captures.CAPTURES[kind](image, _np_rng(seed, category))
    cid = certificate.credential_id
    expected: Expected = "genuine" if page == "genuine" else "forged"
    return CorpusItem(
        data,
        f"{kind}-{page}-{cid}.{ext}",
        category,
        expected,
        REGISTRY,
        cid,
        cid,
        certificate.organization.name,
    )


TAMPER_CATEGORIES = tuple(TAMPERED)
GENUINE_CATEGORIES = tuple(GENUINE)
UNKNOWN_ISSUER_CATEGORIES = tuple(UNKNOWN_ISSUER)
OTHER_FORGERY_CATEGORIES = ("revoked", "fabricated_registered_issuer", "fabricated_unknown_issuer")
