"""The report as one readable PDF page, carrying the signed JSON as an embedded file
(`certverify-report.json`), so the PDF alone can be re-verified (docs/verification-report.md)."""

from __future__ import annotations

import io
import textwrap

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream, PDFString
from reportlab.pdfgen.canvas import Canvas

ATTACHMENT_NAME = "certverify-report.json"
WIDTH, HEIGHT = A4
MARGIN = 18 * mm
BOTTOM = 22 * mm


def _attach(canvas: Canvas, name: str, data: bytes) -> None:
    """Embed `data` as a file attachment listed in the catalog's EmbeddedFiles name tree."""
    doc = canvas._doc
    stream = PDFStream(
        PDFDictionary({"Type": PDFName("EmbeddedFile")}),
        data,
        filters=[],
    )
    stream.dictionary["Params"] = PDFDictionary({"Size": len(data)})
    filespec = PDFDictionary(
        {
            "Type": PDFName("Filespec"),
            "F": PDFString(name),
            "UF": PDFString(name),
            "Desc": PDFString("The signed verification report (JSON)"),
            "EF": PDFDictionary({"F": doc.Reference(stream)}),
            "AFRelationship": PDFName("Source"),
        }
    )
    filespec_ref = doc.Reference(filespec)
    doc.Catalog.Names = PDFDictionary(
        {"EmbeddedFiles": PDFDictionary({"Names": PDFArray([PDFString(name), filespec_ref])})}
    )
    doc.Catalog.AF = PDFArray([filespec_ref])


class _Page:
    """A top-to-bottom writer that stops at the bottom margin (the report is one page)."""

    def __init__(self, canvas: Canvas):
        self.canvas, self.y = canvas, HEIGHT - MARGIN

    def line(self, text: str, *, font: str = "Helvetica", size: float = 9.5, gap: float = 1.35) -> None:
        if self.y < BOTTOM:
            return
        self.canvas.setFont(font, size)
        self.canvas.drawString(MARGIN, self.y, text)
        self.y -= size * gap

    def wrapped(self, text: str, *, width: int = 105, **kwargs) -> None:
        for part in textwrap.wrap(text, width) or [""]:
            self.line(part, **kwargs)

    def pair(self, label: str, value) -> None:
        self.wrapped(f"{label}: {'—' if value in (None, '') else value}")

    def heading(self, text: str) -> None:
        self.y -= 4
        self.line(text, font="Helvetica-Bold", size=11.5, gap=1.6)


def report_pdf(*, document: dict, document_bytes: bytes, share_url: str) -> bytes:
    """One page stating the report's facts, with `document_bytes` (the signed JSON) attached."""
    body, signature = document["report"], document["signature"]
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"CertVerify verification report {body['report_id']}")
    canvas.setSubject("Signed verification report")
    canvas.setCreator("CertVerify")
    page = _Page(canvas)
    page.line("CertVerify verification report", font="Helvetica-Bold", size=17, gap=1.8)
    _facts(page, body)
    page.heading("Signature")
    page.pair("Report id", body["report_id"])
    page.pair("Issued at", body["issued_at"])
    page.pair("Share link", share_url)
    keys_url = f"{body['platform']['url']}/api/v1/public/report-keys/"
    page.pair("Key id", f"{signature['key_id']} (Ed25519; the public keys: {keys_url})")
    page.wrapped(f"Signature: {signature['value']}", font="Courier", size=8)
    page.wrapped(
        f"The signed JSON is attached to this PDF as {ATTACHMENT_NAME}. Check it at "
        f"{body['platform']['url']}/r/verify/ or with `manage.py verify_report`.",
        size=8.5,
    )
    _findings(page, body["document"]["findings"])  # last: on a long report only findings are cut
    _attach(canvas, ATTACHMENT_NAME, document_bytes)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _facts(page: _Page, body: dict) -> None:
    verification, document, credential = body["verification"], body["document"], body["credential"]
    page.heading("What was checked")
    page.pair("Verification", verification["id"])
    page.pair("Checked", verification["checked"])
    page.pair("Requested at", verification["created_at"])
    page.pair("Completed at", verification["completed_at"])
    page.pair("Document SHA-256", document["sha256"])
    page.pair("Content type", document["content_type"])
    page.heading("Verdict")
    page.pair("Verdict", document["verdict"])
    page.pair("Score", document["score"] and f"{document['score']} / 100")
    for reason in document["reasons"][:6]:
        page.wrapped(f"• {reason}")
    page.heading("Credential")
    issuer = credential.get("issuer") or {}
    page.pair("Credential id", credential["credential_id"])
    page.pair("Status when the report was issued", credential["status"])
    page.pair("Issuer", issuer.get("name") and f"{issuer['name']} ({issuer['slug']})")
    for label, name in (("Recipient", "recipient_name"), ("Title", "title"), ("Issued", "issue_date")):
        if name in credential:
            page.pair(label, credential[name])


def _findings(page: _Page, findings: list[dict]) -> None:
    page.heading("Findings")
    for shown, finding in enumerate(findings):
        if page.y < BOTTOM + 14:
            page.line(f"… and {len(findings) - shown} more in the attached JSON.", size=8.5)
            return
        page.wrapped(f"[{finding['layer']}, {finding['severity']}] {finding['message']}", size=8.5)
    if not findings:
        page.line("None.", size=8.5)
