import uuid

from django.conf import settings
from django.db import models

from certificates.models import Certificate
from organizations.models import APIKey, Organization


class VerificationRequest(models.Model):
    """One check of a certificate (by upload and/or credential id) and its outcome.

    The id is a random UUID; anonymous requesters read their result with `access_token`.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    class Verdict(models.TextChoices):
        AUTHENTIC = "authentic", "Authentic"
        SUSPICIOUS = "suspicious", "Suspicious"
        FRAUDULENT = "fraudulent", "Fraudulent"
        INCONCLUSIVE = "inconclusive", "Inconclusive"
        NOT_CHECKED = "not_checked", "No document checked"

    class Checked(models.TextChoices):
        DOCUMENT = "document", "A document"
        ID = "id", "A credential id"
        BOTH = "both", "A document and a credential id"

    class CredentialStatus(models.TextChoices):
        """The issuer's record of the credential: a second answer, independent of the document's."""

        VALID = "valid", "Valid"
        REVOKED = "revoked", "Revoked"
        SUSPENDED = "suspended", "Suspended"
        EXPIRED = "expired", "Expired"
        SUPERSEDED = "superseded", "Superseded"
        NOT_FOUND = "not_found", "Not found"
        UNKNOWN = "unknown", "Unknown"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    access_token = models.CharField(max_length=64, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="verifications",
    )
    api_key = models.ForeignKey(APIKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Whether stage 1 may send the page to Gemini: decided (and a Gemini page counted against the
    # account's plan) when the request is stored; False sends it to local OCR (billing, issue Q).
    gemini_allowed = models.BooleanField(default=True)
    # The organization concerned: the issuer of the certificate, or the one the document claims.
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="verifications"
    )
    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.SET_NULL, related_name="verifications"
    )
    credential_id_input = models.CharField(max_length=64, blank=True)
    upload = models.FileField(upload_to="verifications/uploads/", blank=True)
    upload_content_type = models.CharField(max_length=40, blank=True)
    upload_size = models.PositiveIntegerField(null=True, blank=True)
    upload_sha256 = models.CharField(max_length=64, blank=True)
    upload_deleted_at = models.DateTimeField(null=True, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    client_country = models.CharField(max_length=2, blank=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    score = models.FloatField(null=True, blank=True)
    verdict = models.CharField(max_length=12, choices=Verdict.choices, blank=True, db_index=True)
    reasons = models.JSONField(default=list, blank=True)
    checked = models.CharField(max_length=8, choices=Checked.choices, blank=True)
    # Blank while pending; set with the result, from the issuer's record (verification/credential_status.py).
    credential_status = models.CharField(max_length=10, choices=CredentialStatus.choices, blank=True)
    # The issuer's public record at the time of the check and the replacement, if any: the credential answer.
    credential = models.JSONField(default=dict, blank=True)
    extracted = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="verif_org_created"),
            models.Index(fields=["client_ip", "-created_at"], name="verif_ip_created"),
            models.Index(fields=["certificate", "-created_at"], name="verif_cert_created"),
        ]

    def __str__(self) -> str:
        return f"verification {self.id} ({self.status}{', ' + self.verdict if self.verdict else ''})"

    @property
    def duration_ms(self) -> int | None:
        if self.started_at and self.completed_at:
            return int((self.completed_at - self.started_at).total_seconds() * 1000)
        return None


class LayerResult(models.Model):
    class Status(models.TextChoices):
        PASSED = "passed", "Passed"
        WARNING = "warning", "Warning"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"
        ERROR = "error", "Error"

    verification = models.ForeignKey(VerificationRequest, on_delete=models.CASCADE, related_name="layers")
    layer = models.CharField(max_length=20)
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices)
    points = models.FloatField(default=0)
    max_points = models.PositiveSmallIntegerField()
    findings = models.JSONField(default=list, blank=True)
    details = models.JSONField(default=dict, blank=True)
    artifacts = models.JSONField(default=dict, blank=True)  # name → storage path
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["verification", "position"]
        constraints = [
            models.UniqueConstraint(fields=["verification", "layer"], name="uniq_layer_per_verification")
        ]

    def __str__(self) -> str:
        return f"{self.layer}: {self.status} {self.points}/{self.max_points}"


from .report_models import ReportSigningKey, VerificationReport  # noqa: E402,F401
