import io
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from PIL import Image

from fraud.layers.base import Extracted, LayerContext, QRPayload, RegistryRecord, Upload, VisionReading
from fraud.layers.registry import RegistryLayer
from tests.fraud.test_imagediff import (
    LAYOUT,
    original_png,
    render_certificate,
    resave_jpeg,
    rotate,
    to_jpeg,
    to_png,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CID = "CV-7KQ2-M9XD-4HPA-T3BN-G"  # its check character verifies (an id that fails it is a misreading)
PRINTED = {
    "issuer": "Example Institute of Technology",
    "recipient_name": "Jane Smith",
    "title": "Advanced Python Programming",
    "issue_date": "Issued 1 March 2026",
    "expiry_date": None,
    "grade": "A",
    "credential_id": CID,
}
QR_FIELDS = {
    "cid": CID,
    "name": "Jane Smith",
    "title": "Advanced Python Programming",
    "issued": "2026-03-01",
    "hash": "ab" * 32,
}


def make_record(**changes) -> RegistryRecord:
    record = RegistryRecord(
        credential_id=CID,
        organization_slug="example-tech",
        organization_name="Example Institute of Technology",
        recipient_name="Jane Smith",
        title="Advanced Python Programming",
        issue_date=date(2026, 3, 1),
        expiry_date=None,
        grade="A",
        status="issued",
        content_hash="ab" * 32,
        original_png=original_png(),
    )
    return replace(record, **changes)


def jpeg_upload(img: Image.Image, quality: int = 85) -> Upload:
    return Upload(to_jpeg(img, quality), "image/jpeg", "certificate.jpg")


def extracted(qr: dict | None = None, signature_valid: bool | None = True, **printed) -> Extracted:
    vision = VisionReading("ocr", {**PRINTED, **printed})
    payload = QRPayload(raw="…", fields=qr, signature_valid=signature_valid, organization_slug="example-tech")
    return Extracted(qr=payload if qr is not None else None, vision=vision)


def context(**kw) -> LayerContext:
    kw.setdefault("record", make_record())
    return LayerContext(verification_id="v1", now=NOW, **kw)


def run(layout=LAYOUT, **kw):
    return RegistryLayer(field_layout=layout).run(context(**kw))


def codes(result) -> list[str]:
    return [f.code for f in result.findings]


def decisive(result) -> list:
    return [f for f in result.findings if f.decisive]


# --- a genuine certificate ---------------------------------------------------------------------


def test_genuine_upload_matching_record_qr_and_original_earns_full_points():
    result = run(upload=jpeg_upload(render_certificate()), extracted=extracted(dict(QR_FIELDS)))

    assert result.status == "passed"
    assert result.points == 20
    assert result.max_points == 20
    assert decisive(result) == []
    assert {"valid_status", "fields_match", "qr_signature_valid", "matches_original"} <= set(codes(result))
    matched = next(f for f in result.findings if f.code == "matches_original")
    assert "matches the issuer's original rendering" in matched.message
    assert result.details["image"]["changed_regions"] == []
    assert "diff_heatmap" not in result.artifacts


def test_rotated_rescanned_genuine_upload_still_matches_the_original():
    upload = Upload(to_png(rotate(render_certificate(), 1.5)), "image/png")

    result = run(upload=upload, extracted=extracted(dict(QR_FIELDS)))

    assert result.status == "passed"
    assert "matches_original" in codes(result)


def test_check_by_credential_id_alone_compares_status_only_and_passes_a_valid_certificate():
    result = run(credential_id=CID)

    assert result.status == "passed"
    assert result.points == 20
    assert codes(result) == ["valid_status"]
    assert result.details["parts"] == {"fields": None, "qr": None, "image": None}


# --- fields ------------------------------------------------------------------------------------


def test_changed_recipient_name_is_a_decisive_mismatch():
    forged = resave_jpeg(render_certificate(recipient_name="John Smith"), 85)

    result = run(
        upload=jpeg_upload(forged), extracted=extracted(dict(QR_FIELDS), recipient_name="John Smith")
    )

    assert result.status == "failed"
    mismatch = next(f for f in result.findings if f.code == "field_mismatch")
    assert mismatch.field == "recipient_name"
    assert mismatch.severity == "critical" and mismatch.decisive
    assert mismatch.message == (
        "The name on the document, 'John Smith', does not match the issuer's record, 'Jane Smith'."
    )
    region = next(f for f in result.findings if f.code == "changed_region")
    assert region.decisive and region.field == "recipient_name"
    assert "where the name is printed" in region.message
    assert region.region is not None
    heatmap = Image.open(io.BytesIO(result.artifacts["diff_heatmap"]))
    assert heatmap.format == "PNG"
    assert result.points < 20


def test_name_edited_in_the_image_with_an_untouched_qr_is_caught_by_the_pixel_comparison():
    # The QR still carries the real name, and the reader failed on the printed one.
    forged = render_certificate(recipient_name="John Smith")

    result = run(upload=jpeg_upload(forged), extracted=extracted(dict(QR_FIELDS), recipient_name=None))

    assert result.status == "failed"
    assert [f.field for f in decisive(result)] == ["recipient_name"]
    assert decisive(result)[0].code == "changed_region"


def test_a_misread_field_on_a_page_matching_the_original_is_not_a_mismatch():
    # OCR dropped a thin letter, but the pixels are the issuer's own rendering: nothing was changed.
    result = run(
        upload=jpeg_upload(render_certificate()),
        extracted=extracted(dict(QR_FIELDS), recipient_name="Jane Smth"),
    )

    assert result.status == "passed" and decisive(result) == []
    misread = next(f for f in result.findings if f.code == "field_misread")
    assert misread.field == "recipient_name" and "'Jane Smth'" in misread.message
    assert {m["field"]: m["status"] for m in result.details["fields"]}["recipient_name"] == "misread"
    assert "matches_original" in codes(result)


def test_printed_text_is_compared_not_the_qr_value():
    result = run(extracted=extracted(dict(QR_FIELDS), recipient_name="John Smith"))

    assert [(f.code, f.field) for f in decisive(result)] == [("field_mismatch", "recipient_name")]


@pytest.mark.parametrize(
    ("field", "printed"),
    [
        ("credential_id", "CV-7KQ2-M9XD-4HPA-T3BN-K"),
        ("grade", "A+"),
        ("issue_date", "1 March 2025"),
        ("expiry_date", "1 March 2030"),
    ],
)
def test_changed_id_grade_or_date_is_decisive(field, printed):
    result = run(extracted=extracted(**{field: printed}))

    assert result.status == "failed"
    assert [f.field for f in decisive(result)] == [field]


def test_name_with_accents_and_reordered_words_is_not_a_mismatch():
    record = make_record(recipient_name="José Müller")

    result = run(record=record, extracted=extracted(recipient_name="MUELLER, Jose"))

    assert result.status == "passed"
    assert result.points == 20


def test_title_mismatch_only_warns_and_costs_its_share():
    result = run(extracted=extracted(title="Introduction to Cooking"))

    assert result.status == "warning"
    warning = next(f for f in result.findings if f.code == "field_mismatch")
    assert warning.field == "title" and not warning.decisive and warning.severity == "warning"
    # Fields compared: id 3, name 3, issue date 2, grade 1, title 1, issuer 1 -> 10/11 of 20.
    assert result.points == pytest.approx(20 * 10 / 11, abs=0.01)


def test_points_drop_in_proportion_to_the_mismatched_fields():
    result = run(extracted=extracted(recipient_name="John Smith"))

    assert result.points == pytest.approx(20 * 8 / 11, abs=0.01)


def test_unreadable_fields_are_neither_penalized_nor_silent():
    result = run(extracted=extracted(grade=None, title=None, issuer=None))

    assert result.status == "passed"
    assert result.points == 20
    unreadable = next(f for f in result.findings if f.code == "fields_unreadable")
    assert unreadable.message == (
        "The grade and title could not be read from the document, so they were not compared."
    )


def test_typed_id_of_another_certificate_warns():
    result = run(credential_id="CV-0000-0000-0000-0000-0", extracted=extracted())

    assert result.status == "warning"
    assert "different_certificate" in codes(result)


# --- status ------------------------------------------------------------------------------------


def by_code(result, code):
    return next(f for f in result.findings if f.code == code)


def test_a_revoked_certificate_is_reported_not_decisive_and_says_when_and_why():
    record = make_record(
        status="revoked",
        revoked_at=datetime(2026, 4, 3, 9, 0, tzinfo=UTC),
        revocation_reason="academic misconduct",
    )

    result = run(record=record, credential_id=CID)

    assert result.status == "passed" and decisive(result) == []
    finding = by_code(result, "revoked")
    assert finding.severity == "info"
    assert finding.message == (
        "The issuer revoked this certificate on 3 April 2026 because: academic misconduct. "
        "That is the credential's status, not a finding about the document."
    )


def test_a_revoked_certificates_genuine_rendering_earns_the_full_points():
    record = make_record(status="revoked")

    result = run(
        record=record, upload=jpeg_upload(render_certificate()), extracted=extracted(dict(QR_FIELDS))
    )

    assert result.points == 20 and decisive(result) == []
    assert "matches_original" in codes(result)
    assert "(no reason was given)" in by_code(result, "revoked").message


def test_a_suspended_certificate_is_reported_not_decisive():
    result = run(record=make_record(status="suspended"), credential_id=CID)

    assert result.status == "passed" and result.points == 20
    assert decisive(result) == [] and "suspended" in codes(result)


@pytest.mark.parametrize(
    "record",
    [
        make_record(expiry_date=date(2026, 5, 31)),
        make_record(status="expired", expiry_date=date(2026, 5, 31)),
    ],
    ids=["past expiry date", "expired status"],
)
def test_an_expired_certificate_is_reported_not_decisive(record):
    result = run(record=record, credential_id=CID)

    assert result.status == "passed" and decisive(result) == []
    finding = by_code(result, "expired")
    assert finding.severity == "info" and "expired on 31 May 2026" in finding.message


def test_certificate_expiring_later_is_valid():
    record = make_record(expiry_date=date(2027, 3, 1))

    result = run(record=record, extracted=extracted(expiry_date="1 March 2027"))

    assert result.status == "passed"


# --- QR code -----------------------------------------------------------------------------------


def test_invalid_qr_signature_is_decisive():
    result = run(extracted=extracted(dict(QR_FIELDS), signature_valid=False))

    assert result.status == "failed"
    assert [f.code for f in decisive(result)] == ["qr_signature_invalid"]
    assert "signature is not valid" in decisive(result)[0].message


def test_qr_payload_differing_from_the_record_is_decisive():
    qr = {**QR_FIELDS, "name": "John Smith", "issued": "2025-03-01"}

    result = run(extracted=extracted(qr))

    assert result.status == "failed"
    assert {(f.code, f.field) for f in decisive(result)} == {
        ("qr_field_mismatch", "recipient_name"),
        ("qr_field_mismatch", "issue_date"),
    }
    assert result.details["parts"]["qr"] == 0


def test_qr_content_hash_differing_from_the_record_is_decisive():
    result = run(extracted=extracted({**QR_FIELDS, "hash": "cd" * 32}))

    assert [f.field for f in decisive(result)] == ["content_hash"]


def test_unsigned_but_consistent_qr_earns_half_its_share():
    result = run(extracted=extracted(dict(QR_FIELDS), signature_valid=None))

    assert result.status == "passed"
    assert result.details["parts"]["qr"] == 0.5
    assert result.points == pytest.approx(20 * (10 + 2) / 14, abs=0.01)


# --- no record ---------------------------------------------------------------------------------


def test_registered_issuer_without_such_certificate_is_decisive():
    result = run(record=None, claimed_organization="Example Institute of Technology", extracted=extracted())

    assert result.status == "failed"
    assert result.points == 0
    (finding,) = result.findings
    assert finding.decisive and finding.code == "no_such_certificate"
    assert finding.message == (
        "The document claims to be issued by Example Institute of Technology, but Example Institute of "
        f"Technology has no certificate with id {CID}."
    )


def test_a_registered_issuers_id_that_fails_its_check_is_unread_not_an_accusation():
    misread = CID.replace("4HPA", "4HPD")  # one look-alike glyph off: the check character fails

    result = run(
        record=None,
        claimed_organization="Example Institute of Technology",
        extracted=extracted(credential_id=misread),
    )

    assert result.status == "skipped"
    assert result.findings[0].code == "credential_id_unread"
    assert not decisive(result)


def test_unknown_issuer_is_skipped_not_penalized():
    result = run(record=None, extracted=extracted())

    assert result.status == "skipped"
    assert result.findings[0].code == "unknown_issuer"


# --- the original rendering --------------------------------------------------------------------


def test_region_without_a_known_layout_is_described_by_position():
    forged = render_certificate(grade="Grade: B")

    result = run(layout=None, upload=jpeg_upload(forged), extracted=extracted(grade=None))

    (finding,) = decisive(result)
    assert finding.code == "changed_region" and finding.field is None
    assert "The area at the bottom centre of the document differs" in finding.message


def test_upload_that_cannot_be_lined_up_warns_without_penalty():
    unrelated = Image.new("RGB", (800, 1000), (20, 90, 160))

    result = run(upload=jpeg_upload(unrelated), extracted=extracted())

    assert result.status == "warning"
    assert "image_not_aligned" in codes(result)
    assert decisive(result) == []
    assert result.details["parts"]["image"] is None


def test_without_a_stored_rendering_the_pixel_comparison_is_left_out_of_the_points():
    record = make_record(original_png=None)

    result = run(record=record, upload=jpeg_upload(render_certificate()), extracted=extracted())

    assert result.status == "passed"
    assert result.points == 20
    assert "no_original_rendering" in codes(result)
    assert "image" not in result.details


def test_a_page_that_cannot_be_registered_well_leaves_the_decision_to_the_fields():
    from tests.fraud.test_imagediff import curled

    result = run(upload=jpeg_upload(curled(render_certificate(), 6)), extracted=extracted(dict(QR_FIELDS)))

    assert decisive(result) == []
    assert "image_not_registered" in codes(result) and "changed_region" not in codes(result)
    assert result.details["parts"]["image"] is None and result.details["parts"]["fields"] == 1.0
