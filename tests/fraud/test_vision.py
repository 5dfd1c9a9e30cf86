"""Stage 1 reading (Gemini over real HTTP to a local stand-in, or local OCR) and layer 3."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from certificates.rendering.render import RenderInput, render_png
from fraud import gemini_client, ocr
from fraud.gemini_client import GeminiError, parse_response_text
from fraud.layers.base import Extracted, LayerContext, QRPayload, Upload, VisionReading
from fraud.layers.vision import VisionLayer, box_to_region
from fraud.reading import read_document
from tests.fraud import images
from tests.fraud.gemini_standin import GeminiStandIn, Reply, reply_error, reply_json, reply_text

CANNED = {
    "issuer": "Northbridge Institute of Technology",
    "recipient_name": "Amelia Hart",
    "title": "Advanced Data Analysis",
    "issue_date": "14 June 2025",
    "expiry_date": "2028-06-14",
    "grade": "Distinction",
    "credential_id": "CV-7KQ2-M9XD-4HPA-T3BN-G",
    "visible_text": "NORTHBRIDGE INSTITUTE OF TECHNOLOGY Certificate of Completion ...",
    "manipulation_signs": [
        {"description": "The name uses a different font weight", "box_2d": [340, 220, 450, 780]}
    ],
}


@pytest.fixture(scope="module")
def page_png() -> bytes:
    # Smaller than a real scan so each OCR fallback stays quick; text is still >= 20 px high.
    return images.encode(images.render_certificate((1400, 990)), "PNG")


@pytest.fixture
def gemini(settings):
    """Point the real client at a stand-in; each test gets its own budget bucket."""

    def configure(server: GeminiStandIn, timeout: float = 5.0) -> str:
        settings.GEMINI_API_KEY = "test-key"
        settings.GEMINI_BASE_URL = server.url
        settings.GEMINI_TIMEOUT_SECONDS = timeout
        settings.GEMINI_DAILY_BUDGET_PER_ORG = 100
        return f"org-{uuid.uuid4().hex[:8]}"

    return configure


def read(page_png: bytes, org: str | None = None) -> VisionReading:
    return read_document(Upload(page_png, "image/png"), organization_key=org, gemini_options=NO_SLEEP)


NO_SLEEP = {"sleep": lambda seconds: None}


# -- the Gemini path --------------------------------------------------------------------------


def test_gemini_reading_is_parsed_and_normalised(page_png, gemini):
    with GeminiStandIn([reply_json(CANNED)]) as server:
        org = gemini(server)
        reading = read(page_png, org)

    assert reading.path == "gemini"
    assert reading.fields["recipient_name"] == "Amelia Hart"
    assert reading.fields["issue_date"] == "2025-06-14"
    assert reading.fields["credential_id"] == "CV-7KQ2-M9XD-4HPA-T3BN-G"
    assert reading.manipulation_signs == [
        {"description": "The name uses a different font weight", "box": [340, 220, 450, 780]}
    ]
    request = server.requests[0]
    assert request["model"] == "gemini-2.5-flash"
    assert request["headers"]["x-goog-api-key"] == "test-key"
    config = request["json"]["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert "recipient_name" in config["responseSchema"]["properties"]
    assert request["json"]["contents"][0]["parts"][0]["inlineData"]["mimeType"] == "image/png"


def test_rate_limit_is_retried_with_backoff_then_succeeds(page_png, gemini):
    delays = []
    with GeminiStandIn([reply_error(429, retry_after=1), reply_json(CANNED)]) as server:
        org = gemini(server)
        result = gemini_client.read_document(page_png, organization_key=org, sleep=delays.append)

    assert result.attempts == 2
    assert delays == [1.0]
    assert result.fields["recipient_name"] == "Amelia Hart"


def test_malformed_json_falls_back_to_ocr_and_says_so(page_png, gemini):
    with GeminiStandIn(
        [reply_text('{"recipient_name": "Amelia Hart", "manipulation_signs": "none"')]
    ) as server:
        org = gemini(server)
        reading = read(page_png, org)

    assert reading.path == "ocr"
    assert "could not be understood" in reading.note
    assert reading.fields["credential_id"] == "CV-7KQ2-M9XD-4HPA-T3BN-G"


def test_timeout_falls_back_to_ocr_and_says_so(page_png, gemini):
    with GeminiStandIn([Reply(200, reply_json(CANNED).body, delay=2.5)]) as server:
        org = gemini(server, timeout=0.5)
        reading = read(page_png, org)

    assert reading.path == "ocr"
    assert "did not answer in time" in reading.note
    assert len(server.requests) == 1  # a timeout is not retried


def test_persistent_rate_limit_falls_back_after_bounded_retries(page_png, gemini):
    with GeminiStandIn([reply_error(429)]) as server:
        org = gemini(server)
        reading = read(page_png, org)

    assert reading.path == "ocr"
    assert "rate limited" in reading.note
    assert len(server.requests) == gemini_client.MAX_ATTEMPTS


def test_server_error_falls_back_after_bounded_retries(page_png, gemini):
    with GeminiStandIn([reply_error(500)]) as server:
        org = gemini(server)
        with pytest.raises(GeminiError) as error:
            gemini_client.read_document(page_png, organization_key=org, sleep=lambda s: None)

    assert error.value.reason == "server"
    assert len(server.requests) == gemini_client.MAX_ATTEMPTS


def test_daily_budget_per_organization_stops_calls_before_any_request(page_png, gemini, settings):
    with GeminiStandIn([reply_json(CANNED)]) as server:
        org = gemini(server)
        settings.GEMINI_DAILY_BUDGET_PER_ORG = 2
        for _ in range(2):
            gemini_client.read_document(page_png, organization_key=org)
        with pytest.raises(GeminiError) as error:
            gemini_client.read_document(page_png, organization_key=org)
        other = gemini_client.read_document(page_png, organization_key=f"{org}-other")

    assert error.value.reason == "budget"
    assert len(server.requests) == 3
    assert other.fields["title"] == "Advanced Data Analysis"


def test_response_validation_drops_bad_boxes_and_blank_fields():
    reading = parse_response_text(
        '{"recipient_name": " Amelia Hart ", "grade": "N/A", "manipulation_signs": ['
        '{"description": "pasted seal", "box_2d": [500, 100, 400, 200]},'
        '{"description": "blurred date", "box_2d": [10, 20, 30]}]}'
    )

    assert reading.fields["recipient_name"] == "Amelia Hart"
    assert reading.fields["grade"] is None
    assert [s["box"] for s in reading.manipulation_signs] == [None, None]


@pytest.mark.parametrize("text", ["", "[]", '{"manipulation_signs": [{"box_2d": [1, 2, 3, 4]}]}', "not json"])
def test_malformed_responses_raise(text):
    with pytest.raises(GeminiError) as error:
        parse_response_text(text)

    assert error.value.reason == "malformed"


# -- the local OCR path -----------------------------------------------------------------------


def test_ocr_reads_name_id_and_dates_from_a_rendered_certificate(page_png, settings):
    settings.GEMINI_API_KEY = ""

    reading = read(page_png)

    assert reading.path == "ocr"
    assert reading.fields["recipient_name"] == "Amelia Hart"
    assert reading.fields["credential_id"] == "CV-7KQ2-M9XD-4HPA-T3BN-G"
    assert reading.fields["issue_date"] == "2025-06-14"
    assert reading.fields["expiry_date"] == "2028-06-14"
    assert reading.fields["grade"] == "Distinction"
    assert "Advanced Data" in (reading.fields["title"] or "")
    assert "institute" in (reading.fields["issuer"] or "").lower()


@pytest.mark.parametrize(
    "name, title",
    [("Frances Allen", "Applied Machine Learning"), ("Grace Hopper", "MSc Astronomy and Mathematics")],
)
def test_ocr_reads_our_own_rendering_whose_large_name_comes_back_word_by_word(name, title, settings):
    # The issuer's renderer prints the name at 100 pt; the detector returns one box per word, and
    # the id has four groups and a check character.
    settings.GEMINI_API_KEY = ""
    credential_id = "CV-7KQ2-M9XD-4HPA-WX3T-F"
    page = render_png(
        RenderInput(
            organization_name="Northbridge Institute of Technology",
            recipient_name=name,
            title=title,
            issue_date=date(2026, 3, 14),
            expiry_date=None,
            grade="Merit",
            credential_id=credential_id,
            qr_text=f"https://verify.example/v/{credential_id}",
        )
    )

    fields = read(page).fields

    assert fields["recipient_name"] == name
    assert fields["credential_id"] == credential_id
    assert fields["issue_date"] == "2026-03-14"
    assert fields["title"] == title
    assert fields["grade"] == "Merit"


def test_split_words_of_one_row_are_joined_left_to_right_but_rows_stay_apart():
    boxes = [
        ("Allen", (1080, 511, 300, 85), 0.98),
        ("Frances", (620, 512, 456, 91), 0.99),
        ("This is to certify that", (783, 423, 432, 50), 0.97),
        ("Credential ID: CV-7KQ2", (625, 1226, 752, 32), 0.97),
        ("Scan to verify", (1573, 1226, 185, 36), 0.95),
    ]

    texts = [text for text, _, _ in ocr._merge_same_row(boxes)]

    assert sorted(texts) == sorted(
        ["Frances Allen", "This is to certify that", "Credential ID: CV-7KQ2", "Scan to verify"]
    )


def test_ocr_reads_a_noisy_rotated_photo_of_another_certificate(settings):
    settings.GEMINI_API_KEY = ""
    page = images.scan_like(
        images.render_certificate(
            (1400, 990), recipient_name="Jonathan Whitfield", credential_id="CV-A1B2-C3D4-E5F6-G7H8-J"
        ),
        angle=0.8,
    )

    reading = read(images.jpeg(page, 85))

    assert reading.fields["recipient_name"] == "Jonathan Whitfield"
    assert reading.fields["credential_id"] == "CV-A1B2-C3D4-E5F6-G7H8-J"


def test_blank_page_reads_as_nothing(settings):
    settings.GEMINI_API_KEY = ""
    blank = images.encode(images.paper_background(800, 560), "PNG")

    assert read(blank).path == "none"


@pytest.mark.parametrize(
    "lines, expected",
    [
        (
            ["This certificate is presented to", "John Smith", "for completing Python Basics", "with Merit",
             "Awarded on 3 March 2024", "Certificate no. CV-ABCD-EFGH-JKMN-PQRS-1"],
            {"recipient_name": "John Smith", "title": "Python Basics", "grade": "Merit",
             "issue_date": "2024-03-03", "credential_id": "CV-ABCD-EFGH-JKMN-PQRS-1"},
        ),
        (
            ["ACME UNIVERSITY", "T his is to ce rtify th at", "Maria Garcia", "Issu e date: 20 25-06-14",
             "Expires: June 14, 2027", "CredentiaIID: CV-7K Q2-M9XD-4 HPA-T3 BN-G"],
            {"issuer": "ACME UNIVERSITY", "recipient_name": "Maria Garcia", "issue_date": "2025-06-14",
             "expiry_date": "2027-06-14", "credential_id": "CV-7KQ2-M9XD-4HPA-T3BN-G"},
        ),
        (["Date: 31/12/2024", "ID: cv-0o1l-2345-6789-abcd-h"], {"issue_date": "2024-12-31", "credential_id": "CV-0011-2345-6789-ABCD-H"}),
    ],
    ids=["narrative", "ocr-spacing", "numeric-and-crockford"],
)  # fmt: skip
def test_field_parser_handles_common_layouts_and_ocr_slips(lines, expected):
    fields = ocr.parse_certificate_fields(lines)

    assert {k: fields[k] for k in expected} == expected


# -- layer 3 ----------------------------------------------------------------------------------

PRINTED = {
    "issuer": "Northbridge Institute of Technology",
    "recipient_name": "Amelia Hart",
    "title": "Advanced Data Analysis",
    "issue_date": "2025-06-14",
    "expiry_date": "2028-06-14",
    "grade": "Distinction",
    "credential_id": "CV-7KQ2-M9XD-4HPA-T3BN-G",
}
QR = QRPayload(
    raw="...",
    fields={"cid": "CV-7KQ2-M9XD-4HPA-T3BN-G", "name": "Amelia Hart", "title": "Advanced Data Analysis",
            "issued": "2025-06-14", "expires": "2028-06-14"},
    organization_slug="northbridge-institute",
)  # fmt: skip


def layer_run(fields=None, *, qr=QR, signs=(), path="ocr", note="", upload=None):
    reading = VisionReading(path, {**PRINTED, **(fields or {})}, list(signs), "", note)
    ctx = LayerContext("v1", datetime.now(UTC), upload=upload, extracted=Extracted(qr=qr, vision=reading))
    return VisionLayer().run(ctx)


def codes(result) -> set[str]:
    return {f.code for f in result.findings}


def test_document_consistent_with_its_qr_code_passes():
    result = layer_run()

    assert result.status == "passed"
    assert result.points == 20
    assert result.details["path"] == "ocr"
    assert result.findings[0].code == "vision_path"
    assert "local text recognition" in result.findings[0].message


def test_printed_id_differing_from_the_qr_fails():
    result = layer_run({"credential_id": "CV-9ZZZ-M9XD-4HPA-T3BN-G"})

    assert result.status == "failed"
    assert "vision_qr_id_mismatch" in codes(result)


def test_one_character_id_misread_is_forgiven():
    result = layer_run({"credential_id": "CV-7KQ2-M9XD-4HPA-T3BN-6"})

    assert result.status == "passed"
    assert "vision_qr_id_near" in codes(result)


def test_printed_name_differing_from_the_qr_fails():
    result = layer_run({"recipient_name": "Jonathan Whitfield"})

    assert result.status == "failed"
    assert "vision_qr_name_mismatch" in codes(result)


def test_issuer_not_named_in_the_qr_is_a_warning():
    result = layer_run({"issuer": "Global Online Academy"})

    assert result.status == "warning"
    assert "vision_qr_issuer_mismatch" in codes(result)


def test_issue_date_in_the_future_fails():
    future = (date.today() + timedelta(days=40)).isoformat()

    result = layer_run({"issue_date": future}, qr=None)

    assert result.status == "failed"
    assert "vision_issue_in_future" in codes(result)


def test_expiry_before_issue_is_a_warning():
    result = layer_run({"issue_date": "2025-06-14", "expiry_date": "2024-06-14"}, qr=None)

    assert result.status == "warning"
    assert "vision_expiry_before_issue" in codes(result)


def test_gemini_manipulation_signs_become_findings_with_page_regions():
    upload = Upload(images.encode(images.render_certificate((2000, 1414)), "PNG"), "image/png")
    signs = [{"description": "The name uses a different font", "box": [340, 220, 450, 780]}]

    result = layer_run(signs=signs, path="gemini", upload=upload)

    sign = next(f for f in result.findings if f.code == "vision_manipulation_sign")
    assert sign.region == (440, 481, 1120, 156)
    assert result.status == "warning"
    assert result.details["path"] == "gemini"


def test_fallback_note_is_reported_with_the_path():
    result = layer_run(note="Gemini did not answer in time, so local OCR read the document instead.")

    assert "did not answer in time" in result.findings[0].message


def test_nothing_readable_is_skipped_with_the_reason():
    ctx = LayerContext(
        "v1", datetime.now(UTC), extracted=Extracted(vision=VisionReading("none", note="Blank page."))
    )

    result = VisionLayer().run(ctx)

    assert result.status == "skipped"
    assert result.findings[0].message == "Blank page."


def test_box_conversion_rejects_degenerate_boxes():
    assert box_to_region([0, 0, 1000, 1000], (200, 100)) == (0, 0, 200, 100)
    assert box_to_region([500, 500, 400, 600], (200, 100)) is None
    assert box_to_region(None, (200, 100)) is None
