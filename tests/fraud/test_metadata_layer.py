"""Layer 1: each metadata signal fires on a crafted file and stays quiet on a clean rendering."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fraud.file_metadata import parse_date, pdf_revisions
from fraud.layers.base import LayerContext, RegistryRecord, Upload
from fraud.layers.metadata import MetadataLayer
from tests.fraud import images

ISSUED = date(2025, 6, 14)
RECORD = RegistryRecord(
    credential_id="CV-7KQ2-M9XD-4HPA-T3BN-G",
    organization_slug="northbridge",
    organization_name="Northbridge Institute of Technology",
    recipient_name="Amelia Hart",
    title="Advanced Data Analysis",
    issue_date=ISSUED,
    expiry_date=date(2028, 6, 14),
    grade="Distinction",
    status="issued",
)


@pytest.fixture(scope="module")
def genuine():
    return images.render_certificate()


@pytest.fixture(scope="module")
def forged():
    return images.render_certificate(recipient_name="Jonathan Whitfield")


def run(data: bytes, content_type: str, *, record: RegistryRecord | None = RECORD):
    upload = Upload(data, content_type)
    return MetadataLayer().run(LayerContext("v1", datetime.now(UTC), upload=upload, record=record))


def codes(result) -> set[str]:
    return {f.code for f in result.findings}


@pytest.mark.parametrize(
    "make, content_type",
    [
        (lambda img: images.encode(img, "PNG"), "image/png"),
        (lambda img: images.jpeg(img, 90), "image/jpeg"),
        (lambda img: images.encode(img, "WEBP", lossless=True), "image/webp"),
        (lambda img: images.certificate_pdf(img), "application/pdf"),
        (lambda img: images.camera_jpeg(img, taken=datetime(2025, 7, 1, 9, 30)), "image/jpeg"),
    ],
    ids=["png", "pillow-jpeg", "webp", "reportlab-pdf", "phone-photo"],
)
def test_clean_rendering_passes_with_full_points(genuine, make, content_type):
    result = run(make(genuine), content_type)

    assert result.status == "passed"
    assert result.points == 20
    assert codes(result) == {"metadata_clean"}


def test_photoshop_software_tag_names_tool_and_date_after_issue(forged):
    data = images.editor_jpeg(
        forged, software="Adobe Photoshop 25.0 (Windows)", saved=datetime(2026, 3, 1, 10)
    )

    result = run(data, "image/jpeg")

    assert result.status == "warning"
    assert result.points == 10
    finding = next(f for f in result.findings if f.code == "metadata_editing_software")
    assert (
        "Adobe Photoshop 25.0 (Windows) on 2026-03-01, after the certificate's issue date" in finding.message
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda img: images.png_with_text(img, {"Software": "GIMP 2.10.36"}),
        lambda img: images.encode(img, "JPEG", quality=90, comment=b"Created with GIMP"),
        lambda img: images.png_with_text(img, {"Software": "Canva"}),
    ],
    ids=["gimp-png", "gimp-jpeg-comment", "canva-png"],
)
def test_editor_names_in_text_chunks_and_comments_are_reported(forged, make):
    result = run(make(forged), "image/png")

    assert "metadata_editing_software" in codes(result)
    assert result.points <= 10


def test_xmp_edit_history_names_last_saving_tool_and_counts_saves(forged):
    packet = images.xmp_packet(
        creator_tool="Canva",
        agents=("Adobe Photoshop 24.1 (Macintosh)", "Adobe Photoshop 24.1 (Macintosh)"),
        create="2025-07-01T10:00:00Z",
        modify="2026-03-01T10:00:00Z",
    )

    result = run(images.xmp_jpeg(forged, packet), "image/jpeg")

    assert {"metadata_editing_software", "metadata_edit_history"} <= codes(result)
    editing = next(f for f in result.findings if f.code == "metadata_editing_software")
    assert "last saved with Adobe Photoshop 24.1" in editing.message
    assert "Canva" in editing.message
    assert result.status == "failed"


def test_modified_before_created_is_reported(genuine):
    data = images.editor_jpeg(
        genuine, software="Apple iOS 17.2", saved=datetime(2025, 6, 20), created=datetime(2025, 7, 1)
    )

    result = run(data, "image/jpeg")

    assert codes(result) == {"metadata_dates_inconsistent"}
    assert result.status == "warning"


def test_date_in_the_future_is_reported(genuine):
    taken = datetime.now() + timedelta(days=30)

    result = run(images.camera_jpeg(genuine, taken=taken), "image/jpeg")

    assert "metadata_future_date" in codes(result)


def test_photo_taken_before_the_issue_date_is_reported(genuine):
    result = run(images.camera_jpeg(genuine, taken=datetime(2024, 1, 5, 12)), "image/jpeg")

    assert codes(result) == {"metadata_predates_issue"}


def test_photo_taken_before_issue_is_not_judged_without_a_record(genuine):
    result = run(images.camera_jpeg(genuine, taken=datetime(2024, 1, 5, 12)), "image/jpeg", record=None)

    assert result.status == "passed"


def test_thumbnail_of_other_content_fails_with_region_over_the_change(genuine, forged):
    data = images.swapped_thumbnail_jpeg(forged, genuine, taken=datetime(2025, 7, 1, 9))

    result = run(data, "image/jpeg")

    assert result.status == "failed"
    finding = next(f for f in result.findings if f.code == "metadata_thumbnail_mismatch")
    x, y, w, h = finding.region
    name_top, name_bottom = 480, 640  # where render_certificate prints the name
    assert y < name_bottom and y + h > name_top
    assert w > 300


@pytest.mark.parametrize("preset", ["web_high", "web_very_high", "maximum", "high"])
def test_photoshop_compression_tables_are_recognised_without_metadata(forged, preset):
    result = run(images.photoshop_tables_jpeg(forged, preset), "image/jpeg")

    assert codes(result) == {"metadata_editor_compression"}
    assert "Photoshop" in result.findings[0].message


@pytest.mark.parametrize(
    "producer", ["iLovePDF", "Smallpdf.com", "Sejda Online PDF Editor", "Adobe Acrobat Pro DC 23.1"]
)
def test_online_and_desktop_pdf_editors_are_reported(genuine, producer):
    result = run(images.certificate_pdf(genuine, producer=producer), "application/pdf")

    assert "metadata_editing_software" in codes(result)
    assert result.points <= 10


def test_word_processor_pdf_warns_only_when_a_registered_issuer_is_claimed(genuine):
    data = images.certificate_pdf(genuine, producer="Microsoft® Word for Microsoft 365")

    claimed = run(data, "application/pdf")
    unknown = run(data, "application/pdf", record=None)

    assert claimed.status == "warning" and claimed.points == 14
    assert unknown.status == "passed" and unknown.points == 20
    assert codes(unknown) == {"metadata_office_software"}


def test_pdf_changed_after_first_save_is_reported(genuine):
    original = images.certificate_pdf(genuine)
    later = (datetime.now(UTC) + timedelta(hours=2)).replace(tzinfo=None)
    data = images.incremental_update(
        original, info={"Producer": "CertVerify", "ModDate": images.pdf_date(later)}
    )

    result = run(data, "application/pdf")

    assert "metadata_pdf_incremental_update" in codes(result)
    assert result.details["revisions"] == 2


def test_text_box_over_the_page_fails_with_its_region(genuine):
    data = images.incremental_update(
        images.certificate_pdf(genuine), free_text=((250, 330, 600, 380), "J. Whitfield")
    )

    result = run(data, "application/pdf")

    assert result.status == "failed"
    overlay = next(f for f in result.findings if f.code == "metadata_pdf_overlay")
    assert overlay.region == (520, 447, 729, 104)  # PDF points at 150 dpi, top-left origin


def test_form_field_is_reported(genuine):
    data = images.incremental_update(
        images.certificate_pdf(genuine), form_field=((250, 330, 600, 380), "J. Whitfield")
    )

    result = run(data, "application/pdf")

    assert {"metadata_pdf_form_fields", "metadata_pdf_overlay"} <= codes(result)


def test_linearized_pdf_is_one_revision():
    body = b"%PDF-1.7\n1 0 obj << /Linearized 1 >> endobj\ntrailer\n<<>>\nstartxref\n0\n%%EOF\n"
    body += b"xref\ntrailer\n<<>>\nstartxref\n120\n%%EOF\n"

    assert pdf_revisions(body) == 1
    assert pdf_revisions(body + b"trailer\n<<>>\nstartxref\n300\n%%EOF\n") == 2


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026:03:01 10:00:00", datetime(2026, 3, 1, 10, tzinfo=UTC)),
        ("2026-03-01T10:00:00+01:00", datetime(2026, 3, 1, 9, tzinfo=UTC)),
        ("D:20260301100000+01'00'", datetime(2026, 3, 1, 9, tzinfo=UTC)),
        ("D:20260301", datetime(2026, 3, 1, tzinfo=UTC)),
        ("garbage", None),
        ("", None),
    ],
)
def test_parse_date_reads_exif_xmp_and_pdf_dates(text, expected):
    assert parse_date(text) == expected


def test_no_upload_is_skipped():
    result = MetadataLayer().run(
        LayerContext("v1", datetime.now(UTC), credential_id="CV-7KQ2-M9XD-4HPA-T3BN-G")
    )

    assert result.status == "skipped"
