"""Every parser that reads what a caller sent does bounded work on the worst input of the largest
size accepted (security review I.1: an XMP regex quadratic in a PDF's Author field let one
anonymous upload hold a worker for hours).

Each input is as large as the upload (UPLOAD_MAX_BYTES) or the CSV (MAX_CSV_BYTES) may be, or as
long as a QR code holds, and built to be the worst case for its parser: openers without closers,
runs without terminators, millions of empty structures, one giant field. Each call runs in a
forked child that is killed past CEILING seconds, so a regression fails here instead of hanging
the suite; the bounded code takes a small fraction of it, the code it replaced from minutes to
days on the same input.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import multiprocessing
import signal
import struct
import sys
import time
import zlib
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from certificates.batches.services import MAX_CSV_BYTES, read_rows
from certificates.errors import CertificateError
from certificates.lifecycle.services import certificate_issue
from certificates.rendering.services import certificate_render
from certificates.signing.keys import QRStatus, verify_qr_text
from fraud import pdf_pages
from fraud.file_metadata import pdf_revisions, read_pdf_facts
from fraud.gemini_client import parse_response_text
from fraud.layers.base import LayerContext, Upload
from fraud.layers.metadata import MetadataLayer, compare_thumbnail
from fraud.matching import compare_dates, compare_names, compare_titles
from fraud.ocr import find_credential_id, parse_certificate_fields
from fraud.reading import normalize_fields
from organizations.access import Actor
from tests.fraud import images
from verification.errors import VerificationError
from verification.uploads import check_upload

# Seconds for one call, fork included. Each takes under a second on an idle core; the margin is
# for a shared two-core runner. The code these tests replaced took from minutes to days.
CEILING = 5.0
MAX_UPLOAD = settings.UPLOAD_MAX_BYTES
QR_MAX_CHARS = 7_089  # a version-40 QR code of digits; no QR code holds more text


class TookTooLong(BaseException):
    """Not an Exception: the pipeline's handlers must not swallow it."""


def bounded(work, seconds: float = CEILING):
    """What `work()` returns, computed in a forked child; fails the test past `seconds`.

    A child, because a quadratic regex or a C library stuck in its loop cannot be interrupted
    in-process. Exceptions come back as ("raised", type name, code).
    """
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)

    def child():
        try:
            send.send(("ok", work()))
        except Exception as exc:  # noqa: BLE001 - reported to the parent as data
            send.send(("raised", type(exc).__name__, getattr(exc, "code", None)))

    process = multiprocessing.get_context("fork").Process(target=child, daemon=True)
    started = time.monotonic()
    process.start()
    try:
        if not receive.poll(seconds):
            pytest.fail(f"still running after {seconds} s: the work is not bounded")
        answer = receive.recv()
    finally:
        process.kill()
        process.join()
    assert time.monotonic() - started < seconds
    return answer[1] if answer[0] == "ok" else answer


def refusal(data: bytes, name: str):
    """check_upload's verdict on `data`: "accepted" or the error code."""

    def check():
        try:
            check_upload(SimpleUploadedFile(name, data))
        except VerificationError as exc:
            return exc.code
        return "accepted"

    return check


def metadata_layer(data: bytes, content_type: str):
    def run():
        result = MetadataLayer().run(
            LayerContext("v1", dt.datetime.now(dt.UTC), upload=Upload(data, content_type))
        )
        return result.status, {f.code for f in result.findings}, result.details["software"]

    return run


# --- building the inputs --------------------------------------------------------------------------


def pdf(objects: list[bytes], *, info: bytes | None = None) -> bytes:
    """A PDF whose object 1 is the catalog, with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    if info is not None:
        objects = [*objects, info]
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"/Size %d /Root 1 0 R" % (len(objects) + 1)
    trailer += b" /Info %d 0 R" % len(objects) if info is not None else b""
    out += b"trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref)
    return bytes(out)


TEXT = b"BT /F1 24 Tf 72 720 Td (Certificate) Tj ET"


def one_page_pdf(
    *, page: bytes = b"", contents: bytes = b"4 0 R", stream: bytes | None = None, info: bytes | None = None
) -> bytes:
    """One US-letter page; object 4 is its content stream, object 6 an annotation to refer to."""
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %s "
            b"/Resources << /Font << /F1 5 0 R >> >> %s >>" % (contents, page),
            stream or b"<< /Length %d >>\nstream\n%s\nendstream" % (len(TEXT), TEXT),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Type /Annot /Subtype /Square /Rect [10 10 20 20] >>",
        ],
        info=info,
    )


def pdf_with_info(key: bytes, unit: bytes, tail: bytes = b"") -> bytes:
    """A one-page PDF whose information `key` is `unit` repeated to the size of the upload."""
    room = MAX_UPLOAD - len(one_page_pdf(info=b"<< >>")) - len(key) - len(tail) - 16
    return one_page_pdf(info=b"<< /%s (%s%s) >>" % (key, unit * (room // len(unit)), tail))


def to_size(base: bytes, unit: bytes, at: int) -> bytes:
    """`base` with `unit` repeated at offset `at` until the whole is the size of the upload."""
    return base[:at] + unit * ((MAX_UPLOAD - len(base)) // len(unit)) + base[at:]


def small(fmt: str, **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, fmt, **options)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_chunk(chunk: bytes) -> bytes:
    png = small("PNG")
    return png[:-12] + chunk + png[-12:]


def webp_with_frames() -> bytes:
    """An animated WebP whose one-pixel frames fill the upload."""
    frames = [Image.new("RGB", (1, 1), colour) for colour in ((255, 0, 0), (0, 255, 0))]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    data, offset, chunks = out.getvalue(), 12, []
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset + 4 : offset + 8], "little")
        chunks.append(data[offset : offset + 8 + size + (size & 1)])
        offset += 8 + size + (size & 1)
    head = b"".join(c for c in chunks if c[:4] != b"ANMF")
    body = head + chunks[-1] * ((MAX_UPLOAD - len(head) - 12) // len(chunks[-1]))
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def progressive_jpeg_with_empty_scans() -> bytes:
    """A 16-megapixel progressive JPEG followed by DC scans without data, to the upload's size:
    libjpeg walks every block of the image for each."""
    out = io.BytesIO()
    Image.new("RGB", (4000, 4000), (90, 120, 150)).save(out, "JPEG", progressive=True)
    data = out.getvalue()
    scan = b"\xff\xda" + struct.pack(">H", 12) + bytes([3, 1, 0, 2, 0, 3, 0, 0, 0, 0])
    return to_size(data, scan, data.rindex(b"\xff\xd9"))


def pdf_saved_over_and_over() -> bytes:
    """A PDF followed by incremental updates to the size of the upload."""
    out = bytearray(one_page_pdf())
    previous = int(out[out.rindex(b"startxref") + 10 :].split()[0])
    while len(out) < MAX_UPLOAD - 200:
        at = len(out)
        out += b"5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n"
        xref = len(out)
        out += b"xref\n5 1\n%010d 00000 n \ntrailer\n<< /Size 7 /Root 1 0 R /Prev %d >>\n" % (at, previous)
        out += b"startxref\n%d\n%%%%EOF\n" % xref
        previous = xref
    return bytes(out)


def pdf_whose_page_repeats_a_content_stream() -> bytes:
    """One compressed megabyte of drawing operators, listed as the page's content a million
    times: pdfium parses every listing (a hundred took 20 s)."""
    operators = zlib.compress(b"0 0 1 1 re f\n" * 80_000, 9)
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(operators), operators)
    refs = b"4 0 R " * ((MAX_UPLOAD - 4096) // 6)
    return one_page_pdf(contents=b"[" + refs + b"]", stream=stream)


# --- metadata: XMP, the PDF information dictionary, EXIF ---------------------------------------------


def test_pdf_metadata_is_read_in_bounded_time_when_the_author_is_unclosed_xmp_openers():
    data = pdf_with_info(b"Author", b"<x:xmpmeta")
    assert len(data) > MAX_UPLOAD - 1024

    facts = bounded(lambda: read_pdf_facts(data))

    assert facts.software == [] and facts.revisions == 1


def test_the_xmp_packet_after_a_run_of_unclosed_openers_is_still_read():
    from fraud.file_metadata import find_xmp_packet

    packet = images.xmp_packet(creator_tool="Canva", agents=(), create="2025-07-01T10:00:00Z")
    data = b"%PDF-1.7\n" + b"<x:xmpmeta" * ((MAX_UPLOAD - len(packet)) // 10) + packet
    closed = packet.index(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")

    assert bounded(lambda: find_xmp_packet(data)) == packet[packet.index(b"<x:xmpmeta") : closed]


def test_a_software_name_the_size_of_the_upload_is_classified_in_bounded_time():
    # "acrobat(?!.*distiller)" rescanned the rest of the name from every "acrobat" in it.
    data = pdf_with_info(b"Producer", b"Acrobat ", tail=b"Distiller")

    status, codes, software = bounded(metadata_layer(data, "application/pdf"))

    assert "metadata_editing_software" in codes
    assert all(len(entry["value"]) <= 200 for entry in software)


def test_an_xmp_history_of_thousands_of_saves_reads_only_the_latest():
    agents = tuple(f"Adobe Photoshop {n}" for n in range(5_000))  # 450 KB, under Pillow's text limit
    packet = images.xmp_packet(creator_tool="Canva", agents=agents)
    data = png_with_chunk(png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + packet))

    status, codes, software = bounded(metadata_layer(data, "image/png"))

    values = [entry["value"] for entry in software]
    assert "metadata_edit_history" in codes
    assert len(values) <= 64
    assert "Adobe Photoshop 4999" in values and "Adobe Photoshop 0" not in values


def test_an_exif_thumbnail_claiming_a_huge_frame_is_not_decoded():
    thumbnail = bytearray(small("JPEG"))
    sof = thumbnail.index(b"\xff\xc0")
    thumbnail[sof + 5 : sof + 9] = struct.pack(">HH", 30_000, 30_000)  # 900 megapixels
    page = Image.new("RGB", (1600, 1200), "white")

    assert bounded(lambda: compare_thumbnail(bytes(thumbnail), page)) == (None, None)


def test_a_pdf_page_listing_millions_of_annotations_is_read_and_drawn_in_bounded_time():
    refs = b"6 0 R " * ((MAX_UPLOAD - 4096) // 6)
    data = one_page_pdf(page=b"/Annots [" + refs + b"]")

    status, codes, _ = bounded(metadata_layer(data, "application/pdf"))
    size = bounded(lambda: Upload(data, "application/pdf").image.size)

    assert status == "failed" and "metadata_pdf_too_many_annotations" in codes
    assert size[0] == 1275  # 612 points at 150 dpi


def test_a_pdf_page_that_takes_too_long_to_load_is_abandoned_and_reported(monkeypatch):
    monkeypatch.setattr(pdf_pages, "PAGE_CPU_SECONDS", 1)
    data = pdf_whose_page_repeats_a_content_stream()

    drawn = bounded(lambda: Upload(data, "application/pdf").image, seconds=10)
    status, codes, _ = bounded(metadata_layer(data, "application/pdf"), seconds=10)

    assert drawn[:2] == ("raised", "PdfPageTooComplex")
    assert status == "failed" and "metadata_pdf_page_too_complex" in codes


def test_a_pdf_page_that_needs_gigabytes_is_stopped_at_the_memory_limit(monkeypatch):
    monkeypatch.setattr(pdf_pages, "PAGE_CPU_SECONDS", 600)  # only the memory limit can stop it
    data = pdf_whose_page_repeats_a_content_stream()  # grew a process to 22 GB before

    drawn = bounded(lambda: Upload(data, "application/pdf").image, seconds=10)

    assert drawn[:2] == ("raised", "PdfPageTooComplex")


def test_counting_pdf_revisions_is_linear_in_startxref_runs_without_an_end():
    run = b"startxref" + b" " * 1000 + b"1" * 1000 + b"\n"
    data = one_page_pdf() + run * ((MAX_UPLOAD - 1024) // len(run))

    assert bounded(lambda: pdf_revisions(data)) == 1


# --- upload checks: the container walked before Pillow and pdfium read it ---------------------------


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: to_size(small("JPEG"), b"\x00", 20), "stray-bytes.jpg"),  # after APP0
        (lambda: to_size(small("JPEG"), b"\xff", 2), "fill-bytes.jpg"),
        (lambda: to_size(small("JPEG"), b"\xff\xe5\x00\x02", 2), "empty-segments.jpg"),
        (progressive_jpeg_with_empty_scans, "million-scans.jpg"),
        (lambda: to_size(small("PNG"), png_chunk(b"prVt", b""), 33), "empty-chunks.png"),
        (webp_with_frames, "frames.webp"),
        (pdf_saved_over_and_over, "saved-90000-times.pdf"),
    ],
)
def test_a_file_built_from_millions_of_empty_structures_is_refused_in_bounded_time(make, name):
    data = make()
    assert MAX_UPLOAD - 64 * 1024 < len(data) <= MAX_UPLOAD

    assert bounded(refusal(data, name)) == "too_complex"


def test_a_pdf_is_checked_without_loading_its_page_content():
    data = pdf_whose_page_repeats_a_content_stream()

    assert bounded(refusal(data, "content.pdf")) == "accepted"


# --- reading the page: OCR lines, Gemini's answer, comparing with the record -------------------------


@pytest.mark.parametrize(
    "text",
    ["jan" * (MAX_UPLOAD // 3), "1" + " " * MAX_UPLOAD + "x", "CV-" * (MAX_UPLOAD // 3), "a" * MAX_UPLOAD],
    ids=["month-prefixes", "space-run", "id-prefixes", "one-word"],
)
def test_ocr_field_parsing_is_bounded_on_a_line_the_size_of_the_upload(text):
    fields = bounded(lambda: parse_certificate_fields([text, text]))

    assert fields["issue_date"] is None and fields["credential_id"] is None


def test_a_gemini_answer_the_size_of_the_upload_is_cut_before_it_is_parsed():
    field = "jan" * (MAX_UPLOAD // 6)
    answer = json.dumps({"issue_date": field, "recipient_name": field, "visible_text": field})

    def read():
        reading = parse_response_text(answer)
        return normalize_fields(reading.fields), reading.text

    fields, text = bounded(read)

    assert len(fields["issue_date"]) <= 500 and len(fields["recipient_name"]) <= 500
    assert len(text) <= 20_000


@pytest.mark.parametrize(
    "compare, printed, recorded",
    [
        (compare_dates, "a" * MAX_UPLOAD, dt.date(2026, 3, 1)),
        (compare_dates, "march" * (MAX_UPLOAD // 5), dt.date(2026, 3, 1)),
        (compare_names, "ann bob " * (MAX_UPLOAD // 8), "ann cid " * (QR_MAX_CHARS // 8)),
        (compare_titles, "course " * (MAX_UPLOAD // 7), "Advanced Data Analysis"),
    ],
    ids=["date-one-word", "date-month-words", "name-many-words", "title-many-words"],
)
def test_comparing_a_printed_field_the_size_of_the_upload_is_bounded(compare, printed, recorded):
    match = bounded(lambda: compare(printed, recorded))

    assert match.status in ("mismatch", "unreadable")


def test_finding_a_credential_id_in_text_the_size_of_the_upload_is_linear():
    text = ("CV-7KQ2-M9XD-4HPA-T3B|" * (MAX_UPLOAD // 22))[: MAX_UPLOAD - 30] + "CV-7KQ2-M9XD-4HPA-T3BN-G"

    assert bounded(lambda: find_credential_id(text)) == "CV-7KQ2-M9XD-4HPA-T3BN-G"


# --- QR payloads --------------------------------------------------------------------------------------


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def test_a_qr_payload_of_json_nested_as_deep_as_a_qr_code_allows_is_malformed():
    # At Python's default recursion limit the JSON parser answers RecursionError (a process that
    # imported py_ecc, through web3, runs at 100 000 and parses it).
    text = (
        "https://cv.example/verify/CV-7KQ2-M9XD-4HPA-T3BN-G/?p=" + _b32(b"[" * 1_100) + "." + _b32(bytes(64))
    )

    def verify_at_default_limit():
        sys.setrecursionlimit(1_000)
        return verify_qr_text(text, {})

    assert len(text) < QR_MAX_CHARS
    assert bounded(verify_at_default_limit) == (None, QRStatus.MALFORMED)


@pytest.mark.parametrize(
    "text",
    [
        "https://cv.example/verify/" + "/" * QR_MAX_CHARS,
        "https://cv.example/verify/x/?" + "p=&" * (QR_MAX_CHARS // 3),
        "." * QR_MAX_CHARS,
        "A" * (QR_MAX_CHARS - 1) + "=",
        "https://cv.example/verify/x/?p=" + "A" * MAX_UPLOAD,  # longer than any QR code
    ],
    ids=["slashes", "empty-parameters", "dots", "base32-run", "beyond-a-qr-code"],
)
def test_a_qr_payload_built_to_break_its_parser_is_malformed_in_bounded_time(text):
    assert bounded(lambda: verify_qr_text(text, {})) == (None, QRStatus.MALFORMED)


# --- bulk issuance CSV ------------------------------------------------------------------------------------


def read_csv(data: bytes):
    def read():
        try:
            header, rows = read_rows(data)
        except CertificateError as exc:
            return exc.code, len(str(exc))
        return "read", len(rows)

    return read


HEADER = b"recipient_name,title,issue_date\n"


@pytest.mark.parametrize(
    "data, outcome",
    [
        (b"a\n" * (MAX_CSV_BYTES // 2), "missing_columns"),  # five million one-cell rows
        (HEADER + b"a\n" * (MAX_CSV_BYTES // 2 - 20), "too_many_rows"),
        (HEADER.rstrip() + b"," * (MAX_CSV_BYTES - 40) + b"\n", "too_many_columns"),  # a million commas
    ],
    ids=["one-letter-lines", "rows-after-a-header", "comma-header"],
)
def test_a_csv_of_the_largest_size_is_refused_after_reading_only_what_its_limits_allow(data, outcome):
    code, message_length = bounded(read_csv(data))

    assert code == outcome and message_length < 200


@pytest.mark.parametrize(
    "data",
    [
        HEADER + b"Ada," * 2 + b"a" * (MAX_CSV_BYTES - 50) + b"\n",  # one cell of ten megabytes
        HEADER + b'"' + b"a" * (MAX_CSV_BYTES - 40),  # a quote that never closes
        HEADER + b"Ada,T,2026-01-01" + b"," * (MAX_CSV_BYTES - 60) + b"\n",  # a row of a million cells
    ],
    ids=["huge-cell", "unclosed-quote", "comma-row"],
)
def test_a_csv_with_one_giant_cell_or_row_is_read_in_bounded_time(data):
    code, _ = bounded(read_csv(data))

    assert code in ("invalid_csv", "read")


# --- end to end -----------------------------------------------------------------------------------


@contextmanager
def deadline(seconds: float):
    """Raise TookTooLong in this thread after `seconds` (regexes and Python loops notice signals)."""

    def expire(signum, frame):
        raise TookTooLong(f"not finished after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def issued_pdf(org, issuer) -> bytes:
    certificate = certificate_issue(
        actor=Actor(user=issuer),
        organization=org,
        recipient_name="Ada Lovelace",
        title="MSc Computer Science",
        issue_date=dt.date(2026, 6, 30),
    )
    with certificate_render(certificate=certificate).pdf.open("rb") as fh:
        return fh.read()


@pytest.mark.django_db
def test_an_anonymous_verification_of_a_pdf_whose_author_is_unclosed_xmp_openers_completes(
    issued_pdf, django_capture_on_commit_callbacks
):
    room = MAX_UPLOAD - len(issued_pdf) - 4096
    crafted = images.incremental_update(issued_pdf, info={"Author": "<x:xmpmeta" * (room // 10)})
    client = APIClient()

    with deadline(120), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/verifications/", {"file": SimpleUploadedFile("c.pdf", crafted)}, format="multipart"
        )
    assert response.status_code == 202, response.content
    body = client.get(response.json()["status_url"]).json()

    assert body["status"] == "completed" and not body["layers_errored"]
    metadata = next(item for item in body["layers"] if item["layer"] == "metadata")
    assert {f["code"] for f in metadata["findings"]} == {"metadata_pdf_incremental_update"}
    assert body["credential_id"] and body["verdict"] in ("authentic", "suspicious")
