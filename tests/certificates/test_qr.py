import base64
import datetime as dt
import io

import pytest
import segno
from PIL import Image

from certificates.lifecycle.credential_ids import new_credential_id
from certificates.lifecycle.hashing import canonical_fields, content_hash
from certificates.rendering.qr import make_qr, make_qr_image, make_qr_png, read_qr_texts
from certificates.rendering.render import RenderInput, render_png
from certificates.signing.keys import (
    QRStatus,
    build_qr_text,
    generate_keypair,
    parse_qr_text,
    qr_fields_from_canonical,
    verify_payload,
    verify_qr_text,
)

SITE = "https://certverify.example.com"


@pytest.fixture(scope="module")
def key():
    return generate_keypair()


@pytest.fixture(scope="module")
def certificate(key):
    """A typical certificate: its QR text and its rendered PNG."""
    private_encrypted, _, key_id = key
    fields = canonical_fields(
        credential_id=new_credential_id(),
        organization_slug="northfield-university",
        recipient_name="Maria Fernanda García-López",
        recipient_email="maria@example.org",
        title="Advanced Certificate in Machine Learning Engineering",
        issue_date=dt.date(2025, 1, 15),
        expiry_date=dt.date(2028, 1, 15),
        grade="Distinction",
        metadata={},
    )
    qr_text = build_qr_text(
        SITE, qr_fields_from_canonical(fields, content_hash(fields)), private_encrypted, key_id
    )
    png = render_png(
        RenderInput(
            organization_name="Northfield University",
            recipient_name=fields["recipient_name"],
            title=fields["title"],
            issue_date=fields["issue_date"],
            expiry_date=fields["expiry_date"],
            grade=fields["grade"],
            credential_id=fields["credential_id"],
            qr_text=qr_text,
        )
    )
    return qr_text, Image.open(io.BytesIO(png)).convert("RGB")


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


def _rotated(image: Image.Image, degrees: float) -> Image.Image:
    return image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")


def test_png_and_image_round_trip_through_the_reader():
    text = "https://certverify.example.com/verify/CV-7KQ2-M9XD-4HPA-T3BN-G/"
    assert read_qr_texts(Image.open(io.BytesIO(make_qr_png(text, scale=6)))) == [text]
    image = make_qr_image(text, 300)
    assert image.size == (300, 300)
    assert read_qr_texts(image) == [text]


def test_qr_uses_at_least_error_correction_m_and_a_quiet_zone():
    qr = make_qr("hello")
    assert qr.error in ("M", "Q", "H")
    image = make_qr_image("hello", 200)
    # The quiet zone: the outer 4 modules on every side are white.
    module = 200 // (qr.symbol_size(border=4)[0])
    border = Image.Image.crop(image, (0, 0, 200, 4 * module))
    assert border.getextrema() == (255, 255)


def test_typical_certificate_qr_fits_version_15_at_error_correction_m(key):
    private_encrypted, _, key_id = key
    fields = {
        "cid": new_credential_id(),
        "name": "Maria Garcia",
        "title": "Data Analytics Fundamentals",
        "issued": "2025-01-15",
        "expires": "2028-01-15",
        "hash": "ab" * 32,
        "org": "acme-academy",
    }
    qr_text = build_qr_text(SITE, fields, private_encrypted, key_id)
    assert make_qr(qr_text).version <= 15


def test_signed_payload_goes_into_an_alphanumeric_segment(certificate):
    qr_text, _ = certificate
    qr = make_qr(qr_text)
    plain = segno.make(qr_text, error="m", micro=False)
    assert qr.version <= 17  # a long name and title
    assert qr.version < plain.version


def test_text_too_long_for_a_printable_qr_is_refused():
    with pytest.raises(ValueError, match="too long"):
        make_qr("x" * 1500)


def test_too_small_image_size_is_refused():
    with pytest.raises(ValueError, match="too small"):
        make_qr_image("https://certverify.example.com/verify/" + "A" * 300, 40)


def test_image_without_a_qr_code_reads_as_empty():
    assert read_qr_texts(Image.new("RGB", (400, 300), "white")) == []


def test_qr_on_a_transparent_background_is_read():
    grey = make_qr_image("transparent", 240)
    symbol = Image.new("RGBA", grey.size, "black")
    symbol.putalpha(grey.point(lambda v: 255 - v))  # light modules fully transparent
    assert read_qr_texts(symbol) == ["transparent"]


@pytest.mark.parametrize(
    "degrade",
    [
        pytest.param(lambda image: image, id="original"),
        pytest.param(lambda image: _jpeg(image, 70), id="jpeg-q70"),
        pytest.param(lambda image: _rotated(image, 2), id="rotated-2deg"),
        pytest.param(lambda image: _jpeg(_rotated(image, -2), 70), id="rotated-jpeg-q70"),
        pytest.param(lambda image: image.resize((1000, 707), Image.Resampling.LANCZOS), id="half-size"),
    ],
)
def test_qr_read_from_the_rendered_certificate_verifies(certificate, key, degrade):
    qr_text, image = certificate
    _, public_b64, key_id = key
    texts = read_qr_texts(degrade(image))
    assert texts == [qr_text]
    fields, status = verify_qr_text(texts[0], {key_id: public_b64})
    assert status == QRStatus.VALID
    assert fields["name"] == "Maria Fernanda García-López"


def test_qr_read_from_the_certificate_with_one_field_altered_fails(certificate, key):
    qr_text, image = certificate
    _, public_b64, key_id = key
    parsed = parse_qr_text(read_qr_texts(_jpeg(image, 70))[0])
    forged_payload = parsed.payload_bytes.replace(b"Maria Fernanda", b"Mario Fernando")
    forged_token = base64.b32encode(forged_payload).decode().rstrip("=") + "." + parsed.token.split(".")[1]
    assert verify_payload(forged_token, {key_id: public_b64}) == (None, QRStatus.BAD_SIGNATURE)
