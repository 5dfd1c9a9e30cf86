"""Verification writes: create a request, run the pipeline, store results, retention.

The pipeline: `start` claims the request, runs stage 1 (QR + reading the document, in
`fraud`) and prepares what the layers read (the issuer's rendering exists before any layer
runs), then fans the six layers out as a Celery group whose chord callback `finish` stores
each result (unique per verification and layer, so a retry overwrites instead of duplicating),
scores, caches and records the webhook events.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from celery import chord
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnavailable

from billing.models import Metric
from billing.usage import usage_account_of, usage_reserve_for_actor, usage_reserve_up_to
from certificates.api import certificate_render, is_valid_credential_id, normalize_credential_id
from certificates.models import Certificate
from core import metrics
from core.throttling import throttle_wait
from fraud import pipeline_layers, scoring
from fraud.layers.geo import country_for_ip
from organizations.access import Actor
from organizations.models import Organization
from webhooks.services import event_record

from .credential_status import credential_answer, credential_answer_for_document
from .credential_uploads import checked_credential, credential_in_upload
from .errors import VerificationError, VerificationThrottled
from .models import LayerResult, VerificationRequest
from .uploads import check_upload

logger = logging.getLogger(__name__)

VELOCITY_WINDOW = timedelta(hours=24)
CLIENT_WINDOW = timedelta(hours=1)
STALE_RUNNING = timedelta(minutes=10)


def result_cache_key(verification_id) -> str:
    """Where a finished verification's token-free representation is cached (the API's detail)."""
    return f"verification:{verification_id}"


def result_cache_forget(verification_id) -> None:
    cache.delete(result_cache_key(verification_id))


def verification_create(*, actor: Actor, upload=None, credential_id: str = "") -> VerificationRequest:
    """The one way a verification starts (API, public page, portal): count it against the
    caller's rate before any work, then validate, store, and start the pipeline after commit."""
    _admit(actor)
    return _verification_store(actor=actor, upload=upload, credential_id=credential_id)


def _admit(actor: Actor) -> None:
    """Anonymous callers share THROTTLE_ANON_VERIFY's bucket per client address with the API's
    other anonymous verification requests; a person or an API key has THROTTLE_VERIFY's."""
    if actor.api_key is not None:
        scope, ident = "verify", f"key:{actor.api_key.pk}"
    elif actor.user is not None:
        scope, ident = "verify", f"user:{actor.user.pk}"
    else:
        scope, ident = "anon_verify", actor.ip
    wait = throttle_wait(scope=scope, ident=ident)
    if wait is not None:
        raise VerificationThrottled(wait)


@transaction.atomic
def _verification_store(*, actor: Actor, upload, credential_id: str) -> VerificationRequest:
    credential_id = (credential_id or "").strip()
    if upload is None and not credential_id:
        raise VerificationError("Upload a certificate file or enter its credential id.", code="empty_request")
    normalized = _checked_credential_id(credential_id) if credential_id else ""
    carried = credential_in_upload(upload) if upload is not None else None
    upload_checked = check_upload(upload) if upload is not None and carried is None else None
    verification = VerificationRequest(
        access_token=secrets.token_urlsafe(24),
        requested_by=actor.user,
        api_key=actor.api_key,
        credential_id_input=normalized,
        client_ip=actor.ip,
        client_country=country_for_ip(actor.ip) or "",
        checked=_what_is_checked(upload=upload_checked, credential_id=normalized),
    )
    if carried is not None:
        return _answer_credential(verification, *carried)
    if upload_checked is None:
        return _answer_by_id(verification)
    usage_reserve_for_actor(actor, Metric.VERIFICATIONS)  # an anonymous caller is never counted
    verification.gemini_allowed = _gemini_page_reserved(actor)
    verification.upload.save(upload_checked.storage_name, ContentFile(upload_checked.data), save=False)
    verification.upload_content_type = upload_checked.content_type
    verification.upload_size = len(upload_checked.data)
    verification.upload_sha256 = upload_checked.sha256
    verification.save()
    transaction.on_commit(lambda: verification_enqueue(verification.pk))
    return verification


def _gemini_page_reserved(actor: Actor) -> bool:
    """Whether this check may use Gemini: always when Gemini is off (nothing to count) or the caller
    is anonymous (public checks are never limited by a plan); else a Gemini page of the account's
    plan is counted now, before the work, and when none is left the page is read by local OCR."""
    if not settings.GEMINI_API_KEY:
        return True
    organization = usage_account_of(actor)
    return organization is None or usage_reserve_up_to(organization, Metric.GEMINI_PAGES, 1) == 1


def _checked_credential_id(credential_id: str) -> str:
    """The canonical id, or a field error that tells a typing mistake from something else."""
    normalized = normalize_credential_id(credential_id)
    if not normalized:
        raise VerificationError(
            _(
                "This is not a credential id; check it for typing mistakes (it looks like CV-XXXX-XXXX-XXXX-XXXX-X)."
            ),
            field="credential_id",
            code="invalid_credential_id",
        )
    if not is_valid_credential_id(normalized):
        raise VerificationError(
            _(
                "The check character (the last one) does not match the rest of this id, so it has a "
                "typing mistake: compare it with the certificate, character by character."
            ),
            field="credential_id",
            code="credential_id_check_failed",
        )
    return normalized


def _what_is_checked(*, upload, credential_id: str) -> str:
    if upload is not None and credential_id:
        return VerificationRequest.Checked.BOTH
    return VerificationRequest.Checked.DOCUMENT if upload is not None else VerificationRequest.Checked.ID


def _answer_by_id(verification: VerificationRequest) -> VerificationRequest:
    """An id alone has no document to examine: answer now from the cached public record, no pipeline."""
    answer = credential_answer(verification.credential_id_input)
    now = timezone.now()
    verification.certificate_id = answer.certificate_id
    verification.organization_id = answer.organization_id
    verification.status = VerificationRequest.Status.COMPLETED
    verification.verdict = VerificationRequest.Verdict.NOT_CHECKED
    verification.credential_status = answer.status
    verification.credential = answer.stored
    verification.started_at = verification.completed_at = now
    verification.save()
    _record_events(verification)
    transaction.on_commit(lambda: metrics.observe_verification(verdict="not_checked", seconds=0.0))
    return verification


def _answer_credential(
    verification: VerificationRequest, document: dict, data: bytes, content_type: str
) -> VerificationRequest:
    """A verifiable credential is checked now, as a credential: its signature is the document
    verdict (sound: authentic; broken: fraudulent; key not found: inconclusive) and its status lists
    (for one of our issuers, the registry) the credential status."""
    started = timezone.now()
    check = checked_credential(document)
    answer = credential_answer(check.own_credential_id) if check.own_credential_id else None
    verification.checked = VerificationRequest.Checked.DOCUMENT
    verification.status = VerificationRequest.Status.COMPLETED
    verification.verdict = check.verdict
    verification.reasons = check.findings
    verification.credential_status = _credential_status(check, answer)
    verification.extracted = {
        "credential_id": check.own_credential_id,
        "verifiable_credential": {"issuer": check.issuer, "issuer_name": check.issuer_name},
    }
    if answer is not None:
        verification.certificate_id = answer.certificate_id
        verification.organization_id = answer.organization_id
        verification.credential = answer.stored
    extension = "json" if content_type == "application/json" else "png"
    verification.upload.save(f"{secrets.token_hex(16)}.{extension}", ContentFile(data), save=False)
    verification.upload_content_type = content_type
    verification.upload_size = len(data)
    verification.upload_sha256 = hashlib.sha256(data).hexdigest()
    verification.started_at, verification.completed_at = started, timezone.now()
    verification.save()
    _record_events(verification)
    seconds = (verification.completed_at - started).total_seconds()
    transaction.on_commit(lambda: metrics.observe_verification(verdict=check.verdict, seconds=seconds))
    return verification


def _credential_status(check, answer) -> str:
    """The status lists' answer; for our own issuers the registry's (it also knows superseded)."""
    if check.signature_valid is not True:
        return VerificationRequest.CredentialStatus.UNKNOWN
    if answer is not None and check.status not in ("revoked", "suspended"):
        return answer.status
    return check.status


def verification_enqueue(verification_id) -> None:
    """Send the verification to a worker (stage 1 reads the page, so it goes with the image work)."""
    from .tasks import start_verification

    try:
        # No publish retries: a request must not hang on a dead broker. The row is committed and
        # stays pending; reap_stale_verifications starts it once the broker is back.
        start_verification.apply_async((str(verification_id),), retry=False, **_route(image_work=True))
    except (BrokerUnavailable, OSError):
        logger.warning("broker unavailable; verification %s left for the reaper", verification_id)


def _route(*, image_work: bool) -> dict:
    """Publishing options: image work goes to settings.FRAUD_IMAGES_QUEUE when one is set, so it
    can have its own workers (OCR and full-page decodes need several times the memory of the rest)."""
    queue = settings.FRAUD_IMAGES_QUEUE if image_work else ""
    return {"queue": queue} if queue else {}


def _inputs(verification: VerificationRequest) -> dict:
    upload = None
    if verification.upload and not verification.upload_deleted_at:
        upload = {
            "path": verification.upload.name,
            "content_type": verification.upload_content_type,
            "filename": verification.upload.name.rsplit("/", 1)[-1],
            "sha256": verification.upload_sha256,
        }
    return {
        "verification_id": str(verification.pk),
        "now": timezone.now().isoformat(),
        "upload": upload,
        "credential_id": verification.credential_id_input or None,
        "client_ip": verification.client_ip,
        "gemini_allowed": verification.gemini_allowed,
    }


def _geo_history(verification: VerificationRequest, certificate: Certificate | None) -> dict:
    now = timezone.now()
    history: dict = {"same_certificate": []}
    if certificate is not None:
        history["same_certificate"] = [
            [country or None, created.isoformat()]
            for country, created in VerificationRequest.objects.filter(
                certificate=certificate, created_at__gte=now - VELOCITY_WINDOW
            ).values_list("client_country", "created_at")[:500]
        ]
    if verification.client_ip:
        recent = VerificationRequest.objects.filter(
            client_ip=verification.client_ip, created_at__gte=now - CLIENT_WINDOW
        ).exclude(pk=verification.pk)
        history["client_recent_total"] = recent.count()
        history["client_recent_failed"] = recent.filter(verdict="fraudulent").count()
        history["client_distinct_credentials"] = (
            recent.exclude(certificate=None).values("certificate").distinct().count()
        )
    return history


def verification_claim(verification_id) -> VerificationRequest | None:
    """Mark pending (or stale running) → running; None when another run owns it or it is done."""
    now = timezone.now()
    claimed = VerificationRequest.objects.filter(
        pk=verification_id, status=VerificationRequest.Status.PENDING
    ).update(status=VerificationRequest.Status.RUNNING, started_at=now)
    if not claimed:
        claimed = VerificationRequest.objects.filter(
            pk=verification_id, status=VerificationRequest.Status.RUNNING, started_at__lt=now - STALE_RUNNING
        ).update(started_at=now)
    return VerificationRequest.objects.get(pk=verification_id) if claimed else None


def verification_start(verification_id) -> str:
    """Stage 1, then the parallel layers as a chord. Returns a short status."""
    verification = verification_claim(verification_id)
    if verification is None:
        return "not-claimed"
    inputs = _inputs(verification)
    inputs["extracted"] = _extract(inputs)
    certificate = _record_extraction(verification, inputs["extracted"])
    if certificate is not None:
        _ensure_rendered(certificate)
    inputs["geo"] = _geo_history(verification, certificate)
    _layers_chord(inputs, str(verification.pk))
    return "started"


def _extract(inputs: dict) -> dict:
    from fraud.context import extract

    try:
        return extract(inputs)
    except Exception as exc:  # an unreadable document still gets the layers that can run
        return {
            "qr": None,
            "vision": None,
            "credential_id": inputs["credential_id"],
            "claimed_organization": None,
            "error": f"Reading the document failed: {type(exc).__name__}",
        }


def _ensure_rendered(certificate: Certificate) -> None:
    """Render the issuer's original once, here, so that the layers only read it (idempotent)."""
    try:
        certificate_render(certificate=certificate)
    except Exception:  # the layers still run; the registry layer then has no original to compare
        logger.exception("rendering %s for verification failed", certificate.credential_id)


def _layers_chord(inputs: dict, verification_id: str) -> None:
    from fraud.tasks import run_layer_task

    from .tasks import finish_verification

    header = [
        run_layer_task.s(inputs, name).set(**_route(image_work=name in pipeline_layers.IMAGE_LAYERS))
        for name in pipeline_layers.layer_names()
    ]
    chord(header)(finish_verification.s(verification_id))


def _record_extraction(verification: VerificationRequest, extracted: dict) -> Certificate | None:
    certificate = None
    if extracted.get("credential_id"):
        certificate = (
            Certificate.objects.select_related("organization")
            .filter(credential_id=extracted["credential_id"])
            .first()
        )
    organization = certificate.organization if certificate else None
    if organization is None and extracted.get("claimed_organization"):
        organization = Organization.objects.filter(slug=extracted["claimed_organization"]).first()
    verification.extracted = extracted
    verification.certificate = certificate
    verification.organization = organization
    verification.save(update_fields=["extracted", "certificate", "organization"])
    return certificate


@transaction.atomic
def verification_finish(verification_id, results: list[dict]) -> VerificationRequest:
    """Store every layer's result, score, and record events. Idempotent."""
    verification = VerificationRequest.objects.select_for_update().get(pk=verification_id)
    order = {name: i for i, name in enumerate(pipeline_layers.layer_names())}
    for result in results:
        LayerResult.objects.update_or_create(
            verification=verification,
            layer=result["layer"],
            defaults={
                "position": order.get(result["layer"], 99),
                "status": result["status"],
                "points": result["points"],
                "max_points": result["max_points"],
                "findings": result["findings"],
                "details": result["details"],
                "artifacts": result["artifacts"],
                "duration_ms": result["duration_ms"],
            },
        )
    already_done = verification.status == VerificationRequest.Status.COMPLETED
    ordered = sorted(results, key=lambda r: order.get(r["layer"], 99))
    outcome = scoring.score(ordered, issuer=verification.organization)
    verification.score = outcome.shown_score
    verification.verdict = outcome.verdict
    verification.reasons = list(dict.fromkeys(outcome.reasons))  # each said once
    _store_credential_answer(verification)
    verification.status = VerificationRequest.Status.COMPLETED
    verification.completed_at = timezone.now()
    verification.save(
        update_fields=[
            "score",
            "verdict",
            "reasons",
            "credential_status",
            "credential",
            "checked",
            "status",
            "completed_at",
        ]
    )
    if not already_done:
        _record_events(verification)
        seconds = (verification.completed_at - verification.created_at).total_seconds()
        verdict = verification.verdict
        transaction.on_commit(lambda: metrics.observe_verification(verdict=verdict, seconds=seconds))
    transaction.on_commit(lambda: result_cache_forget(verification.pk))
    return verification


def _store_credential_answer(verification: VerificationRequest) -> None:
    """The credential's status from the issuer's record of the certificate the document matched."""
    answer = credential_answer_for_document(
        certificate=verification.certificate,
        typed_id=verification.credential_id_input,
        read_id=(verification.extracted or {}).get("credential_id"),
    )
    verification.credential_status = answer.status
    verification.credential = answer.stored
    if not verification.checked:  # a request created before the field existed, run by the reaper
        verification.checked = _what_is_checked(
            upload=verification.upload_sha256 or None, credential_id=verification.credential_id_input
        )


# Document verdicts that suspect a forgery: the only ones that alert the issuer. A credential that
# no longer stands (revoked, superseded, expired) is in `credential_status`, and alerts nobody.
FORGERY_VERDICTS = ("fraudulent", "suspicious")


def _record_events(verification: VerificationRequest) -> None:
    if verification.organization is None:
        return
    data = {
        "verification_id": str(verification.pk),
        "checked": verification.checked,
        "verdict": verification.verdict,
        "score": verification.score,
        "credential_status": verification.credential_status,
        "credential_id": verification.certificate.credential_id
        if verification.certificate
        else verification.extracted.get("credential_id") or verification.credential_id_input or None,
        "reasons": verification.reasons[:5],
    }
    event_record(organization=verification.organization, type="verification.completed", data=data)
    if verification.verdict in FORGERY_VERDICTS:
        event_record(organization=verification.organization, type="verification.flagged", data=data)
        imitated = _imitated_organization(verification)
        if imitated is not None:
            event_record(organization=imitated, type="verification.flagged", data=data)


def _imitated_organization(verification: VerificationRequest) -> Organization | None:
    """The verified organization whose name the matched look-alike uses: a forgery in its name."""
    organization = verification.organization
    imitated = organization.lookalike_of if organization.lookalike_of_id else None
    return imitated if imitated is not None and imitated.is_verified else None


@transaction.atomic
def verification_fail(verification_id, message: str) -> None:
    VerificationRequest.objects.filter(pk=verification_id).exclude(
        status=VerificationRequest.Status.COMPLETED
    ).update(status=VerificationRequest.Status.FAILED, error=message[:1000], completed_at=timezone.now())


def _delete_files(verification: VerificationRequest) -> None:
    for layer in verification.layers.all():
        for path in layer.artifacts.values():
            default_storage.delete(path)
    if verification.upload:
        verification.upload.delete(save=False)


@transaction.atomic
def verification_delete(*, actor: Actor, verification: VerificationRequest) -> None:
    """The requester removes their verification: the upload, its artifacts and the result."""
    is_requester = (actor.user is not None and verification.requested_by_id == actor.user.pk) or (
        actor.api_key is not None and verification.api_key_id == actor.api_key.pk
    )
    if not is_requester:
        raise VerificationError("Only the requester can delete a verification.", code="permission_denied")
    _delete_files(verification)
    pk = verification.pk
    verification.delete()
    transaction.on_commit(lambda: result_cache_forget(pk))


def verifications_purge_uploads(*, now=None) -> int:
    """Delete uploaded originals and artifacts past the retention period; keep the results."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.VERIFICATION_UPLOAD_RETENTION_DAYS)
    purged = 0
    stale = (
        VerificationRequest.objects.filter(created_at__lt=cutoff, upload_deleted_at__isnull=True)
        .exclude(upload="")
        .prefetch_related("layers")
    )
    for verification in stale.iterator(chunk_size=200):
        _delete_files(verification)
        LayerResult.objects.filter(verification=verification).update(artifacts={})
        VerificationRequest.objects.filter(pk=verification.pk).update(upload="", upload_deleted_at=now)
        purged += 1
    return purged
