"""Stage 1 (extraction) and the construction of a layer's context from plain, JSON-able inputs.

`verification` passes each task a dict (see `PipelineInputs`), prepared once before the layers
run; from storage and the certificates registry this module loads, read-only, only the inputs a
layer declares (`Layer.inputs`), and each stored file at most once per process. Nothing in
`fraud` imports `verification`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from functools import lru_cache
from typing import Any, TypedDict

from django.core.files.storage import default_storage
from django.utils.dateparse import parse_datetime

from certificates.api import (
    QRPayloadError,
    QRStatus,
    credential_id_repairs,
    is_valid_credential_id,
    normalize_credential_id,
    parse_qr_text,
    read_qr_texts,
    verify_payload,
)
from certificates.models import Certificate, SigningKey
from organizations.models import Organization

from .layers.base import (
    LAYER_INPUTS,
    AnchorInfo,
    Extracted,
    GeoHistory,
    LayerContext,
    QRPayload,
    RegistryRecord,
    Upload,
    VisionReading,
)


class PipelineInputs(TypedDict, total=False):
    verification_id: str
    now: str  # ISO datetime
    upload: dict | None  # {"path", "content_type", "filename", "sha256"}
    credential_id: str | None
    client_ip: str | None
    geo: dict
    extracted: dict  # the output of extract()


# A worker that runs stage 1 and several layers of one verification reads each stored file once.
# The key's second part (the upload's hash, the rendering's time) tells apart a file rewritten
# under the same name; one entry each bounds what a worker holds between tasks (≤ 15 MB upload).
@lru_cache(maxsize=1)
def _upload_bytes(path: str, sha256: str) -> bytes:
    return _read(path)


@lru_cache(maxsize=1)
def _original_bytes(path: str, rendered_at: str) -> bytes:
    return _read(path)


def _read(path: str) -> bytes:
    with default_storage.open(path, "rb") as fh:
        return fh.read()


def forget_stored_files() -> None:
    """Drop this process's copies of stored files (tests start from a cold worker with it)."""
    _upload_bytes.cache_clear()
    _original_bytes.cache_clear()
    _upload_memo.cache_clear()


@lru_cache(maxsize=1)
def _upload_memo(path: str, sha256: str) -> dict:
    """The page found in this upload by an earlier step in this process (stage 1 rectifies a photo;
    the registry compares the same page): found once. Small: the reading-size page only."""
    return {}


def load_upload(spec: dict | None) -> Upload | None:
    if not spec:
        return None
    key = (spec["path"], spec.get("sha256") or "")
    return Upload(
        data=_upload_bytes(*key),
        content_type=spec["content_type"],
        filename=spec.get("filename", ""),
        memo=_upload_memo(*key),
    )


# --- stage 1 ----------------------------------------------------------------------------------------


def _public_keys(org_slug: str | None) -> dict[str, str]:
    if not org_slug:
        return {}
    return dict(
        SigningKey.objects.filter(organization__slug=org_slug).values_list("key_id", "public_key_b64")
    )


def read_qr(upload: Upload | None) -> QRPayload | None:
    """Decode the QR and check its signature against the registry issuer's published keys."""
    if upload is None:
        return None
    texts = read_qr_texts(upload.reading_image)
    if not texts and upload.page.quad is not None:
        # A photo whose frame did not decode (keystone, blur): the rectified page often does.
        texts = read_qr_texts(upload.page.image)
    for text in texts:
        try:
            parsed = parse_qr_text(text)
        except QRPayloadError:
            continue
        # Trust the registry, not the payload, about who issued this id.
        issuer = (
            Certificate.objects.filter(credential_id=parsed.credential_id)
            .values_list("organization__slug", flat=True)
            .first()
        )
        keys = _public_keys(issuer or parsed.org)
        fields, status = verify_payload(parsed.token, keys)
        return QRPayload(
            raw=text,
            url=parsed.url or None,
            fields=dict(parsed.fields),
            signature_valid=None if status == QRStatus.UNKNOWN_KEY and not keys else status == QRStatus.VALID,
            organization_slug=parsed.org,
        )
    return None


def _claimed_organization(qr: QRPayload | None, vision: VisionReading | None) -> str | None:
    if qr and qr.organization_slug and Organization.objects.filter(slug=qr.organization_slug).exists():
        return qr.organization_slug
    issuer = (vision.fields.get("issuer") if vision else None) or ""
    if issuer.strip():
        match = (
            Organization.objects.filter(name__iexact=issuer.strip()).values_list("slug", flat=True).first()
        )
        return match
    return None


def document_credential_id(read: str | None) -> str | None:
    """The id to look up for an id read from the document, or None when it was not read.

    An id whose check character fails was misread (the check detects every single substituted
    symbol): the one confusable-glyph repair the registry knows is the id, and otherwise the id
    counts as unread, never as an id nobody issued.
    """
    canonical = normalize_credential_id(read or "")
    if canonical is None or is_valid_credential_id(canonical):
        return canonical
    repairs = credential_id_repairs(canonical)
    known = list(
        Certificate.objects.filter(credential_id__in=repairs).values_list("credential_id", flat=True)[:2]
    )
    return known[0] if len(known) == 1 else None


def extract(inputs: PipelineInputs) -> dict[str, Any]:
    """Stage 1: QR payload, the document's fields (Gemini or OCR), the id to look up, the claimed issuer."""
    from .reading import read_document

    upload = load_upload(inputs.get("upload"))
    qr = read_qr(upload)
    vision = (
        read_document(
            upload,
            organization_key=qr.organization_slug if qr else None,
            gemini_allowed=inputs.get("gemini_allowed", True),
        )
        if upload
        else None
    )
    extracted = Extracted(qr=qr, vision=vision)
    typed = normalize_credential_id(inputs.get("credential_id") or "")
    credential_id = typed or document_credential_id(extracted.field_value("credential_id"))
    return {
        "qr": asdict(qr) if qr else None,
        "vision": asdict(vision) if vision else None,
        "credential_id": credential_id,
        "claimed_organization": _claimed_organization(qr, vision),
    }


# --- context for the layers -------------------------------------------------------------------------


def _original_png(cert: Certificate) -> bytes | None:
    """The issuer's rendering; the service that starts the pipeline has made sure it exists."""
    if not cert.image:
        return None
    return _original_bytes(cert.image.name, cert.rendered_at.isoformat() if cert.rendered_at else "")


def _record(credential_id: str | None, *, with_original: bool) -> RegistryRecord | None:
    if not credential_id:
        return None
    cert = (
        Certificate.objects.select_related("organization", "anchor")
        .filter(credential_id=credential_id)
        .first()
    )
    if cert is None:
        return None
    original = _original_png(cert) if with_original else None
    anchor = None
    if cert.anchor_id and cert.merkle_proof is not None:
        a = cert.anchor
        anchor = AnchorInfo(
            merkle_root=a.merkle_root,
            proof=cert.merkle_proof,
            chain_id=a.chain_id or 0,
            tx_hash=a.tx_hash,
            block_number=a.block_number,
            status=a.status,
        )
    return RegistryRecord(
        credential_id=cert.credential_id,
        organization_slug=cert.organization.slug,
        organization_name=cert.organization.name,
        recipient_name=cert.recipient_name,
        title=cert.title,
        issue_date=cert.issue_date,
        expiry_date=cert.expiry_date,
        grade=cert.grade,
        status=cert.effective_status,
        revocation_reason=cert.status_reason,
        revoked_at=cert.status_changed_at,
        content_hash=cert.content_hash,
        canonical_fields=cert.canonical_fields,
        original_png=original,
        phash=cert.phash,
        anchor=anchor,
    )


def _geo(spec: dict | None) -> GeoHistory:
    spec = spec or {}
    return GeoHistory(
        same_certificate=[(c, parse_datetime(t)) for c, t in spec.get("same_certificate", [])],
        client_recent_total=spec.get("client_recent_total", 0),
        client_recent_failed=spec.get("client_recent_failed", 0),
        client_distinct_credentials=spec.get("client_distinct_credentials", 0),
    )


def build_context(inputs: PipelineInputs, needs: frozenset[str]) -> LayerContext:
    """The context of a layer that declares `needs` (its `inputs`): what it does not declare is
    not loaded, and stays None."""
    unknown = needs - LAYER_INPUTS
    if unknown:
        raise ValueError(f"unknown layer inputs: {sorted(unknown)}")
    extracted = inputs.get("extracted") or {}
    record = None
    if needs & {"record", "original_image"}:
        record = _record(extracted.get("credential_id"), with_original="original_image" in needs)
    qr = QRPayload(**extracted["qr"]) if extracted.get("qr") else None
    vision = VisionReading(**extracted["vision"]) if extracted.get("vision") else None
    return LayerContext(
        verification_id=inputs["verification_id"],
        now=parse_datetime(inputs["now"]) or dt.datetime.now(dt.UTC),
        upload=load_upload(inputs.get("upload")) if "upload" in needs else None,
        credential_id=extracted.get("credential_id") or inputs.get("credential_id"),
        extracted=Extracted(qr=qr, vision=vision),
        record=record,
        claimed_organization=extracted.get("claimed_organization"),
        client_ip=inputs.get("client_ip"),
        geo=_geo(inputs.get("geo")),
    )
