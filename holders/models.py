"""The recipient's side: delivery e-mails, the holder's own choices, and what happened to a
certificate after issue (opens, page views, downloads, shares, verifications)."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone

from certificates.models import Certificate, IssuanceBatch
from organizations.models import Organization

DEFAULT_SUBJECT = "Your certificate from {organization}: {title}"
DEFAULT_BODY = (
    "Dear {recipient_name},\n\n"
    '{organization} has issued you the certificate "{title}" (credential {credential_id}).\n\n'
    "Your certificate's page, where you can download it, add it to LinkedIn and share it:\n"
    "{holder_url}\n\n"
    "Download the PDF: {pdf_url}\n\n"
    "Anyone can check it at {verify_url}"
)


def _new_token() -> str:
    return secrets.token_urlsafe(18)


class DeliverySettings(models.Model):
    """An organization's delivery choices (one row, created on first use; absent means defaults)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(
        default=True, help_text="E-mail each recipient when a certificate is issued."
    )
    hold_batches = models.BooleanField(
        default=False, help_text="Hold the e-mails of a bulk issue until someone presses “Send now”."
    )
    subject = models.CharField(max_length=200, default=DEFAULT_SUBJECT)
    body = models.TextField(max_length=5000, default=DEFAULT_BODY)
    reminder_days = models.CharField(
        max_length=50, default="30,7", blank=True, help_text="Days before expiry to remind, e.g. 30,7."
    )
    remind_organization = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"delivery settings of {self.organization_id}"

    @property
    def reminder_day_list(self) -> list[int]:
        return sorted({int(d) for d in self.reminder_days.split(",") if d.strip().isdigit()}, reverse=True)


class Delivery(models.Model):
    """One e-mail to a holder. Unique per (certificate, kind): however often a task runs, a
    certificate gets one issue e-mail (a resend is an explicit reset of this row, counted)."""

    class Kind(models.TextChoices):
        ISSUED = "issued", "Issued"
        REISSUED = "reissued", "Reissued"
        REVOKED = "revoked", "Revoked"
        EXPIRING = "expiring", "Expiry reminder"

    class Status(models.TextChoices):
        HELD = "held", "Held"
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(
        IssuanceBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    days_before = models.PositiveSmallIntegerField(default=0, help_text="For an expiry reminder.")
    to = models.EmailField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    sends = models.PositiveIntegerField(default=0, help_text="How many times it went out (resends count).")
    last_error = models.CharField(max_length=500, blank=True)
    token = models.CharField(max_length=32, unique=True, default=_new_token)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "kind", "days_before"], name="uniq_delivery_per_certificate_kind"
            )
        ]
        indexes = [models.Index(fields=["organization", "-created_at"], name="delivery_org_created")]

    def __str__(self) -> str:
        return f"{self.kind} e-mail for certificate {self.certificate_id} ({self.status})"


class OrganizationReminder(models.Model):
    """The organization's own expiry digest, sent once per day and horizon."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    certificates = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "days_before"], name="uniq_organization_reminder"
            )
        ]

    def __str__(self) -> str:
        return f"expiry digest for {self.organization_id} on {self.day}"


class HolderChoice(models.Model):
    """What the holder chose for one certificate: hide its public page."""

    certificate = models.OneToOneField(Certificate, on_delete=models.CASCADE, related_name="+")
    hidden = models.BooleanField(default=False)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"holder choice for {self.certificate_id}"


class MagicLink(models.Model):
    """A single-use sign-in link to an address; only the token's SHA-256 is stored."""

    email = models.EmailField(db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"magic link for {self.email}"


class ErrorReport(models.Model):
    """A holder telling the issuer that something on their certificate is wrong."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    message = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"error report on {self.certificate_id}"


class Engagement(models.Model):
    """A day's count of one kind of event on one certificate (a row per day keeps the chart cheap)."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        VIEW = "view", "Page views"
        DOWNLOAD = "download", "Downloads"
        SHARE = "share", "Shares"
        VERIFICATION = "verification", "Verifications"

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["certificate", "kind", "day"], name="uniq_engagement_day")
        ]
        indexes = [models.Index(fields=["organization", "day"], name="engagement_org_day")]

    def __str__(self) -> str:
        return f"{self.kind} × {self.count} on {self.day}"
