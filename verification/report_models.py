"""Signed verification reports and the platform keys that sign them (docs/verification-report.md)."""

import uuid

from django.conf import settings
from django.db import models

from organizations.models import APIKey


class ReportSigningKey(models.Model):
    """A platform Ed25519 key that has signed reports; every row is published, so rotation works.

    The key in use comes from REPORT_SIGNING_KEY; its public half is recorded here on first use.
    On the embedded default (no REPORT_SIGNING_KEY) one key is generated and its private half kept
    here, encrypted with core.crypto (so the private key never sits in the repository or settings).
    """

    key_id = models.CharField(max_length=16, unique=True)
    public_key = models.BinaryField()  # raw 32 bytes
    private_key_encrypted = models.BinaryField(null=True, blank=True)  # embedded default only
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"report key {self.key_id}"


class VerificationReport(models.Model):
    """A signed statement of one verification's outcome, shared by an unguessable link."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    verification = models.ForeignKey(
        "verification.VerificationRequest",
        null=True,  # the report outlives the verification's purge: it is the verifier's evidence
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    share_token = models.CharField(max_length=64, unique=True, editable=False)
    body = models.TextField()  # the canonical JSON bytes that were signed, as text
    signature = models.CharField(max_length=100)  # base64url of the 64-byte Ed25519 signature
    key_id = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_api_key = models.ForeignKey(
        APIKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"report {self.pk} of verification {self.verification_id}"
