from django.db import models

from certificates.models import Certificate
from organizations.models import Organization


class StatusList(models.Model):
    """One W3C Bitstring Status List of an organization for one purpose (revocation or suspension).

    The signed list credential is kept in `credential` and rebuilt whenever a certificate on it
    changes status (`stale` is set in the transaction of the change, cleared by the rebuild).
    """

    class Purpose(models.TextChoices):
        REVOCATION = "revocation", "Revocation"
        SUSPENSION = "suspension", "Suspension"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="status_lists")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    number = models.PositiveIntegerField(default=1)
    size = models.PositiveIntegerField()
    used = models.PositiveIntegerField(default=0)
    credential = models.JSONField(default=dict, blank=True)
    stale = models.BooleanField(default=True)
    generated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "purpose", "number"], name="uniq_status_list")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.purpose}:{self.number}"


class PortableCredential(models.Model):
    """What a certificate's Open Badges credential needs beyond the certificate: the salt of the
    recipient's identity hash, the proof's date and the two status list entries (random indexes)."""

    certificate = models.OneToOneField(Certificate, on_delete=models.PROTECT, related_name="portable")
    identity_salt = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    revocation_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+")
    revocation_index = models.PositiveIntegerField()
    suspension_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+")
    suspension_index = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["revocation_list", "revocation_index"], name="uniq_revocation_entry"
            ),
            models.UniqueConstraint(
                fields=["suspension_list", "suspension_index"], name="uniq_suspension_entry"
            ),
        ]

    def __str__(self) -> str:
        return f"credential of {self.certificate_id}"
