"""What a verification found, as plain data: the one shape the API, the portal and the public result
page show (the API's VerificationSerializer reads its computed fields from here).
"""

from __future__ import annotations

from fraud import pipeline_layers
from organizations.identity import organization_identity

from .models import LayerResult, VerificationRequest

LAYER_FIELDS = ("layer", "status", "points", "max_points", "findings", "details", "duration_ms")
VERIFICATION_FIELDS = (
    "id",
    "status",
    "checked",
    "score",
    "verdict",
    "reasons",
    "client_country",
    "error",
    "created_at",
    "completed_at",
    "duration_ms",
)


def status_url(verification: VerificationRequest, token: str = "") -> str:
    return f"/api/v1/verifications/{verification.pk}/" + (f"?token={token}" if token else "")


def credential_id(verification: VerificationRequest) -> str | None:
    if verification.certificate:
        return verification.certificate.credential_id
    return (verification.extracted or {}).get("credential_id")


def issuer(verification: VerificationRequest) -> dict | None:
    """The organization the document or id matched, with who it is (`verification`: level, domain,
    look-alike warning), read now: identity can change after the check."""
    org = verification.organization
    if org is None:
        return None
    return {"slug": org.slug, "name": org.name, "verification": organization_identity(org)}


def layer_title(layer: LayerResult) -> str:
    return pipeline_layers.titles().get(layer.layer, layer.layer)


def layer_artifacts(layer: LayerResult, token: str = "") -> dict:
    """API links to the layer's images (heat-maps), carrying the access token when there is one."""
    base = f"/api/v1/verifications/{layer.verification_id}/artifacts/{layer.layer}"
    suffix = f"?token={token}" if token else ""
    return {name: f"{base}/{name}/{suffix}" for name in layer.artifacts}


def ordered_layers(verification: VerificationRequest) -> list[LayerResult]:
    return sorted(verification.layers.all(), key=lambda layer: layer.position)


def layer_entry(layer: LayerResult, token: str = "") -> dict:
    entry = {name: getattr(layer, name) for name in LAYER_FIELDS}
    return {**entry, "title": layer_title(layer), "artifacts": layer_artifacts(layer, token)}


def layers_ran(verification: VerificationRequest) -> list[str]:
    ran = ("passed", "warning", "failed")
    return [layer.layer for layer in ordered_layers(verification) if layer.status in ran]


def layers_skipped(verification: VerificationRequest) -> list[dict]:
    return [
        {"layer": layer.layer, "reason": (layer.findings or [{}])[0].get("message", "")}
        for layer in ordered_layers(verification)
        if layer.status == "skipped"
    ]


def layers_errored(verification: VerificationRequest) -> list[str]:
    return [layer.layer for layer in ordered_layers(verification) if layer.status == "error"]


def document_fields(verification: VerificationRequest) -> dict:
    """What was read off the document: the fields (Gemini or OCR), the reading path and the QR."""
    extracted = verification.extracted or {}
    vision = extracted.get("vision") or {}
    qr = extracted.get("qr") or {}
    return {
        "read": dict(vision.get("fields") or {}),
        "reading_path": vision.get("path"),
        "qr": qr.get("fields"),
        "qr_signature_valid": qr.get("signature_valid"),
    }


def comparison(verification: VerificationRequest) -> list | dict | None:
    """The registry layer's field-by-field comparison with the issuer's record, if it ran."""
    registry = next((layer for layer in verification.layers.all() if layer.layer == "registry"), None)
    return (registry.details or {}).get("fields") if registry else None


def unique_reasons(verification: VerificationRequest) -> list[str]:
    """The verdict's reasons, each said once (several layers can reach the same conclusion)."""
    return list(dict.fromkeys(verification.reasons or []))


def document_answer(verification: VerificationRequest) -> dict | None:
    """The first answer: is the document what the issuer issued? None until there is a result.
    `not_checked` when no document was given; the score only where it means something."""
    if not verification.verdict:
        return None
    return {
        "verdict": verification.verdict,
        "score": verification.score,
        "reasons": unique_reasons(verification),
    }


def layers_for_people(verification: VerificationRequest, token: str = "") -> list[dict]:
    """The layers as the pages show them: a finding already given as a reason for the verdict is
    marked `repeated`, so a page can say each finding once."""
    said = set(unique_reasons(verification))
    layers = []
    for layer in ordered_layers(verification):
        entry = layer_entry(layer, token)
        entry["findings"] = [{**f, "repeated": f.get("message") in said} for f in layer.findings or []]
        entry["repeats_reason"] = any(f["repeated"] for f in entry["findings"])
        layers.append(entry)
    return layers


def credential_answer(verification: VerificationRequest) -> dict | None:
    """The second answer: does the credential stand, by the issuer's record at the time of the check
    (valid, revoked, suspended, expired, superseded, not_found, unknown). None until there is one."""
    if not verification.credential_status:
        return None
    stored = verification.credential or {}
    return {
        "status": verification.credential_status,
        "credential_id": credential_id(verification) or verification.credential_id_input or None,
        "record": stored.get("record"),
        "superseded_by": stored.get("superseded_by"),
    }


def verification_explanation(verification: VerificationRequest, *, token: str = "") -> dict:
    """The verification as the pages show it: the API's fields, with Python values (not JSON)."""
    return {
        **{name: getattr(verification, name) for name in VERIFICATION_FIELDS},
        "reasons": unique_reasons(verification),
        "status_url": status_url(verification, token),
        "document": document_answer(verification),
        "credential": credential_answer(verification),
        "credential_id": credential_id(verification),
        "issuer": issuer(verification),
        "document_fields": document_fields(verification),
        "comparison": comparison(verification),
        "layers": layers_for_people(verification, token),
        "layers_ran": layers_ran(verification),
        "layers_skipped": layers_skipped(verification),
        "layers_errored": layers_errored(verification),
    }
