"""The corpus generator makes what it says: genuine variants that still carry the issuer's QR code,
forgeries that change exactly the field they claim to, metadata and compression traces where they
belong, fabrications signed by the wrong key, and the same bytes on every run."""

from __future__ import annotations

import io

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import ExifTags, Image

from certificates.lifecycle.credential_ids import is_valid_credential_id
from certificates.models import Certificate
from certificates.rendering.qr import read_qr_texts
from certificates.signing.keys import QRStatus, verify_qr_text
from organizations.access import Actor
from tests.fraud import corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(org, issuer):
    """A certificate to forge and another to splice from."""
    return corpus.issue_certificates(organization=org, actor=Actor(user=issuer), count=2)


def page(item: corpus.CorpusItem) -> Image.Image:
    if item.filename.endswith(".pdf"):
        pdf = pdfium.PdfDocument(item.data)
        try:
            return pdf[0].render(scale=150 / 72).to_pil().convert("RGB")
        finally:
            pdf.close()
    with Image.open(io.BytesIO(item.data)) as image:
        return image.convert("RGB")


def changed_box(a: Image.Image, b: Image.Image, threshold: int = 40) -> tuple[int, int, int, int] | None:
    """Bounding box (x0, y0, x1, y1) of the pixels that differ between two same-size images."""
    diff = np.abs(np.asarray(a.convert("L"), np.int16) - np.asarray(b.convert("L"), np.int16)) > threshold
    ys, xs = np.nonzero(diff)
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1) if xs.size else None


def inside(box, outer) -> bool:
    return outer[0] <= box[0] and outer[1] <= box[1] and box[2] <= outer[2] and box[3] <= outer[3]


def exif_of(item: corpus.CorpusItem) -> Image.Exif:
    with Image.open(io.BytesIO(item.data)) as image:
        return image.getexif()


@pytest.mark.parametrize("category", corpus.GENUINE_CATEGORIES)
def test_genuine_variants_open_and_still_carry_the_issuers_signed_qr_code(issued, category):
    certificate = issued[0]
    item = corpus.genuine_item(category, certificate)
    assert (item.expected, item.group, item.claims) == ("genuine", corpus.REGISTRY, certificate.credential_id)
    assert read_qr_texts(page(item)) == [certificate.qr_text]


def test_genuine_variants_are_the_formats_and_sizes_people_send(issued):
    certificate = issued[0]
    items = {c: corpus.genuine_item(c, certificate) for c in corpus.GENUINE_CATEGORIES}
    assert {c: i.content_type for c, i in items.items() if i.content_type != "image/jpeg"} == {
        "genuine_png": "image/png",
        "genuine_pdf": "application/pdf",
        "genuine_resized_0.6": "image/png",
    }
    assert page(items["genuine_resized_0.6"]).size == (1200, 848)
    assert page(items["genuine_resized_1.4"]).size == (2800, 1980)
    tables = {
        q: Image.open(io.BytesIO(items[f"genuine_jpeg_q{q}"].data)).quantization[0] for q in (70, 85, 95)
    }
    assert sum(tables[70]) > sum(tables[85]) > sum(tables[95])
    original = page(items["genuine_png"])
    assert changed_box(original, page(items["genuine_scan"])) is not None  # rotated: not a plain re-save
    assert exif_of(items["genuine_photo"])[0x0110] == "iPhone 14"


REPRINTED_FIELD = {
    "forged_name": "recipient_name",
    "forged_name_painted": "recipient_name",
    "forged_date": "issue_date",
    "forged_grade": "grade",
    "forged_credential_id": "credential_id",
    "forged_splice": "recipient_name",
}


@pytest.mark.parametrize("category", list(REPRINTED_FIELD))
def test_each_forgery_changes_only_its_field_and_keeps_the_original_signed_qr_code(issued, category):
    certificate, donor = issued
    item = corpus.tampered_item(category, certificate, donor=donor)
    assert (item.expected, item.group, item.source) == ("forged", corpus.REGISTRY, certificate.credential_id)
    forged, original = page(item), corpus.page_of(certificate)
    box = changed_box(forged, original)
    assert box is not None and inside(box, corpus.FIELD_BOXES[REPRINTED_FIELD[category]]), box
    assert read_qr_texts(forged) == [certificate.qr_text]


def test_a_forged_credential_id_is_well_formed_and_claims_another_certificate(issued):
    certificate, donor = issued
    item = corpus.tampered_item("forged_credential_id", certificate, donor=donor)
    assert item.claims != certificate.credential_id and is_valid_credential_id(item.claims)
    assert item.claims[:13] == certificate.credential_id[:13]  # the first two groups are kept


def test_metadata_forgeries_carry_an_editor_tag_or_the_original_pictures_thumbnail(issued):
    certificate, donor = issued
    photoshop = corpus.tampered_item("forged_metadata_photoshop", certificate, donor=donor)
    assert exif_of(photoshop)[ExifTags.Base.Software] == "Adobe Photoshop 25.0 (Windows)"
    thumbnailed = corpus.tampered_item("forged_metadata_thumbnail", certificate, donor=donor)
    thumbnail = exif_of(thumbnailed).get_ifd(ExifTags.IFD.IFD1)
    assert thumbnail[0x0202] > 0  # a JPEG thumbnail is embedded ...
    edited = page(thumbnailed)
    assert changed_box(edited, corpus.page_of(certificate)) is not None  # ... of a picture since edited


def test_a_jpeg_edit_is_double_compressed_at_two_qualities(issued):
    certificate, donor = issued
    item = corpus.tampered_item("forged_jpeg_resaved", certificate, donor=donor)
    with Image.open(io.BytesIO(item.data)) as image:
        last_table = image.quantization[0]
    reference = Image.open(io.BytesIO(corpus.jpeg_bytes(corpus.page_of(certificate), 92))).quantization[0]
    assert list(last_table) == list(reference)
    box = changed_box(page(item), corpus.page_of(certificate), threshold=60)
    assert box is not None and inside(box, corpus.NAME_BAND)


def test_a_fabrication_in_a_registered_issuers_name_is_signed_by_another_key(org, issuer):
    item = corpus.fabricated_registered_issuer(org)
    (text,) = read_qr_texts(page(item))
    issuer_keys = {key.key_id: key.public_key_b64 for key in org.signing_keys.all()}
    assert item.issuer == org.name and item.group == corpus.FABRICATED
    assert verify_qr_text(text, issuer_keys)[1] == QRStatus.UNKNOWN_KEY
    assert (
        is_valid_credential_id(item.claims)
        and not Certificate.objects.filter(credential_id=item.claims).exists()
    )


def test_a_fabrication_for_an_unknown_issuer_points_at_this_sites_verify_page(settings):
    item = corpus.fabricated_unknown_issuer()
    (text,) = read_qr_texts(page(item))
    assert text.startswith(f"{settings.SITE_URL}/verify/{item.claims}/?p=")
    assert item.issuer in {name for name, _ in corpus.UNKNOWN_ISSUERS}
    assert (item.group, item.expected, item.source) == (corpus.FABRICATED, "forged", None)


def test_unknown_issuer_documents_pair_genuine_variants_with_edited_copies():
    genuine = [c for c in corpus.UNKNOWN_ISSUER_CATEGORIES if c.startswith("unknown_genuine")]
    assert (len(genuine), len(corpus.UNKNOWN_ISSUER_CATEGORIES) - len(genuine)) == (4, 6)
    document = corpus.unknown_document()
    photo = corpus.unknown_issuer_item("unknown_genuine_photo", document=document)
    painted = corpus.unknown_issuer_item("unknown_edit_name_painted", document=document)
    assert (photo.expected, painted.expected) == ("genuine", "forged")
    assert photo.claims == painted.claims == document.inp.credential_id and painted.group == corpus.UNKNOWN
    assert read_qr_texts(page(photo)) == [document.inp.qr_text]
    box = changed_box(page(painted), document.page)
    assert box is not None and inside(box, corpus.NAME_BAND)


def test_items_are_the_same_bytes_on_every_run(issued):
    certificate, donor = issued
    photos = [corpus.genuine_item("genuine_photo", certificate, seed=7) for _ in range(2)]
    edits = [
        corpus.tampered_item("forged_metadata_thumbnail", certificate, donor=donor, seed=7) for _ in range(2)
    ]
    unknown = [corpus.unknown_issuer_item("unknown_edit_thumbnail", seed=7) for _ in range(2)]
    for first, second in (photos, edits, unknown):
        assert first.data == second.data
    assert photos[0].data != corpus.genuine_item("genuine_photo", certificate, seed=8).data


def test_the_full_corpus_labels_every_category_with_its_truth(org, issuer):
    built = corpus.build_corpus(organization=org, actor=Actor(user=issuer), certificates=1)
    categories = {item.category: item for item in built.items}
    every = (
        *corpus.GENUINE_CATEGORIES,
        *corpus.TAMPER_CATEGORIES,
        *corpus.OTHER_FORGERY_CATEGORIES,
        *corpus.UNKNOWN_ISSUER_CATEGORIES,
    )
    assert sorted(categories) == sorted(every)
    assert all(categories[c].expected == "genuine" for c in corpus.GENUINE_CATEGORIES)
    assert all(
        categories[c].expected == "forged"
        for c in (*corpus.TAMPER_CATEGORIES, *corpus.OTHER_FORGERY_CATEGORIES)
    )
    (revoked,) = built.revoked
    revoked.refresh_from_db()
    assert (
        revoked.status == Certificate.Status.REVOKED and categories["revoked"].claims == revoked.credential_id
    )
    assert len({item.filename for item in built.items}) == len(built.items)
