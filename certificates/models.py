from django.conf import settings
from django.db import models
from django.utils import timezone

from organizations.models import Organization

from .errors import CertificateError


class SigningKey(models.Model):
    """An organization's Ed25519 key. Rotation keeps old public keys with their validity window."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="signing_keys")
    key_id = models.CharField(max_length=16, unique=True)
    public_key_b64 = models.CharField(max_length=64)
    private_key_encrypted = models.BinaryField(editable=False)
    valid_from = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField(null=True, blank=True, help_text="Set when the key is rotated out.")

    class Meta:
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.organization.slug}:{self.key_id}"

    @property
    def is_current(self) -> bool:
        return self.valid_until is None


class CertificateTemplate(models.Model):
    """A background and a field layout (see certificates/rendering.py for the layout schema).

    A template without an organization is a platform template every organization may use.
    """

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="templates"
    )
    name = models.CharField(max_length=100)
    background = models.ImageField(upload_to="templates/", blank=True)
    logo = models.ImageField(upload_to="templates/", blank=True)  # placed in the layout's "logo" box
    signature_image = models.ImageField(upload_to="templates/", blank=True)  # above the signature line
    # Further signatories' images: layout element name ("signature_2", ...) -> stored file name.
    signature_images = models.JSONField(default=dict, blank=True)
    # The extra images: layout element name ("image_1", ...) -> stored file name.
    element_images = models.JSONField(default=dict, blank=True)
    layout = models.JSONField(default=dict, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Anchor(models.Model):
    """One Merkle root written to a chain in one transaction (certificates/anchoring.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"  # tree built, transaction not yet signed
        SIGNED = "signed", "Signed"  # raw transaction stored, broadcast may or may not have happened
        SUBMITTED = "submitted", "Submitted"  # broadcast; waiting for confirmations
        CONFIRMED = "confirmed", "Confirmed"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        # Our domain-separated tree over content hashes (docs/proof-format.md sections 2-3) ...
        CERTVERIFY = "certverify", "CertVerify"
        # ... and the unprefixed tree over Blockcerts documents (section 6), one transaction each.
        BLOCKCERTS = "blockcerts", "Blockcerts"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CERTVERIFY, db_index=True)
    merkle_root = models.CharField(max_length=64)
    leaf_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    chain_id = models.BigIntegerField(null=True, blank=True)
    genesis_hash = models.CharField(max_length=66, blank=True)
    sender = models.CharField(max_length=42, blank=True, help_text="The anchoring account that signed it.")
    nonce = models.BigIntegerField(null=True, blank=True)
    tx_hash = models.CharField(max_length=66, blank=True, db_index=True)
    raw_tx = models.TextField(blank=True)
    previous_tx_hashes = models.JSONField(default=list, blank=True)
    max_fee_per_gas = models.DecimalField(max_digits=40, decimal_places=0, null=True, blank=True)
    block_number = models.BigIntegerField(null=True, blank=True)
    confirmations = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"anchor {self.pk} {self.merkle_root[:12]}… ({self.status})"


class BlockcertsProof(models.Model):
    """A certificate's Blockcerts v3 document as it was hashed, and its path in a Blockcerts anchor's
    tree (certificates/anchoring/blockcerts.py). Written once; the served document adds the proof."""

    certificate = models.OneToOneField("Certificate", on_delete=models.CASCADE, related_name="blockcerts")
    anchor = models.ForeignKey(Anchor, on_delete=models.PROTECT, related_name="blockcerts_proofs")
    document = models.JSONField()
    target_hash = models.CharField(max_length=64)
    path = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Blockcerts proof of certificate {self.certificate_id} in anchor {self.anchor_id}"


class IssuanceBatch(models.Model):
    """A bulk issuance job (CSV or XLSX) with per-row results and progress.

    A draft holds an upload between the portal's preview and its confirmation; nothing is issued
    from it. The archive is the ZIP of the batch's PDFs, built on request by a worker.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (not confirmed)"
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    class ArchiveStatus(models.TextChoices):
        NONE = "", "Not requested"
        PENDING = "pending", "Waiting for a worker"
        RUNNING = "running", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="issuance_batches")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    template = models.ForeignKey(CertificateTemplate, null=True, blank=True, on_delete=models.SET_NULL)
    file = models.FileField(upload_to="batches/")
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    issued_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(
        default=0, help_text="Rows already issued earlier (same external_id)."
    )
    failed_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True
    )  # [{"row": 3, "column": "issue_date", "message": "...", "data": {"<header>": "<value>"}}]
    error = models.TextField(blank=True)
    options = models.JSONField(default=dict, blank=True)  # {"date_order": "dmy", "column_map": {...}}
    archive = models.FileField(upload_to="batches/archives/", blank=True)
    archive_status = models.CharField(max_length=10, choices=ArchiveStatus.choices, blank=True)
    archive_done = models.PositiveIntegerField(default=0)
    archive_total = models.PositiveIntegerField(default=0)
    archive_requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "issuance batches"
        constraints = [
            models.UniqueConstraint(fields=["organization", "file_sha256"], name="uniq_batch_file_per_org")
        ]

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.status}, {self.processed_rows}/{self.total_rows})"

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.COMPLETED:
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0

    @property
    def archive_percent(self) -> int:
        if self.archive_status == self.ArchiveStatus.READY:
            return 100
        return int(100 * self.archive_done / self.archive_total) if self.archive_total else 0


# Fixed at issuance: the content hash, the signed QR and the anchor's proof are made of them. A
# correction is a reissue (certificates/services.py), which is audited and keeps the old record.
ISSUED_FIELDS = (
    "organization",
    "credential_id",
    "external_id",
    "recipient_name",
    "recipient_email",
    "title",
    "issue_date",
    "expiry_date",
    "grade",
    "metadata",
    "supersedes",
    "canonical_fields",
    "content_hash",
    "signing_key",
    "qr_text",
    "template_version",
)


def _immutable(field: str | None = None, action: str = "changed") -> CertificateError:
    return CertificateError(
        f"An issued certificate cannot be {action}. Reissue it to correct it, or revoke it.",
        field=field,
        code="certificate_immutable",
    )


def _refuse_writing_issued_fields(names) -> None:
    written = {Certificate._meta.get_field(name).name for name in names}
    changed = [name for name in ISSUED_FIELDS if name in written]
    if changed:
        raise _immutable(changed[0])


class CertificateQuerySet(models.QuerySet):
    """Refuses writes of issued fields and deletes."""

    def update(self, **kwargs):
        _refuse_writing_issued_fields(kwargs)
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        _refuse_writing_issued_fields(fields)  # before its transaction starts
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def delete(self):
        raise _immutable(action="deleted")


class Certificate(models.Model):
    """An issued certificate. Never hard-deleted: an id once issued always gets an answer.

    Its ISSUED_FIELDS never change after issuance; save() and the queryset refuse to (a guard
    against the paths that bypass the services, such as an admin form or a shell).
    """

    class Status(models.TextChoices):
        ISSUED = "issued", "Issued"
        SUSPENDED = "suspended", "Suspended"
        REVOKED = "revoked", "Revoked"
        # "expired" is derived at query time from expiry_date (see effective_status)

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="certificates")
    credential_id = models.CharField(max_length=32, unique=True)
    external_id = models.CharField(max_length=100, null=True, blank=True)
    template = models.ForeignKey(CertificateTemplate, null=True, blank=True, on_delete=models.SET_NULL)
    # The template's version this certificate was issued with ({"layout": ..., "background": file
    # name}): it is what renders it, so editing or deleting the template never changes it.
    template_version = models.JSONField(null=True, blank=True)
    batch = models.ForeignKey(
        IssuanceBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="certificates"
    )
    recipient_name = models.CharField(max_length=200)
    recipient_email = models.EmailField(blank=True)
    title = models.CharField(max_length=300)
    issue_date = models.DateField()
    expiry_date = models.DateField(null=True, blank=True)
    grade = models.CharField(max_length=50, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ISSUED, db_index=True)
    status_reason = models.CharField(max_length=500, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )

    canonical_fields = models.JSONField()
    content_hash = models.CharField(max_length=64, db_index=True)
    signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="+")
    qr_text = models.TextField()
    image = models.FileField(upload_to="certificates/png/", blank=True)
    pdf = models.FileField(upload_to="certificates/pdf/", blank=True)
    phash = models.CharField(max_length=32, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    anchor = models.ForeignKey(
        Anchor, null=True, blank=True, on_delete=models.SET_NULL, related_name="certificates"
    )
    merkle_proof = models.JSONField(null=True, blank=True)

    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                name="uniq_external_id_per_org",
                condition=models.Q(external_id__isnull=False),
            ),
            models.CheckConstraint(
                condition=models.Q(expiry_date__isnull=True)
                | models.Q(expiry_date__gte=models.F("issue_date")),
                name="expiry_not_before_issue",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-issue_date", "-id"], name="cert_org_issued"),
            models.Index(fields=["organization", "status"], name="cert_org_status"),
            models.Index(fields=["anchor"], name="cert_unanchored", condition=models.Q(anchor__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.credential_id} — {self.recipient_name}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            self._refuse_changed_issued_fields(kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _immutable(action="deleted")

    def _refuse_changed_issued_fields(self, update_fields) -> None:
        """Compare what this save would write of ISSUED_FIELDS with the stored row."""
        fields = [self._meta.get_field(name) for name in ISSUED_FIELDS]
        if update_fields is not None:
            fields = [f for f in fields if {f.name, f.attname} & set(update_fields)]
        deferred = self.get_deferred_fields()
        fields = [f for f in fields if f.attname not in deferred]
        if not fields:
            return
        stored = type(self)._base_manager.filter(pk=self.pk).values(*(f.attname for f in fields)).first()
        if stored is None:
            return
        for field in fields:
            if field.to_python(getattr(self, field.attname)) != stored[field.attname]:
                raise _immutable(field.name)

    @property
    def effective_status(self) -> str:
        """issued | suspended | revoked | expired (expiry is checked at read time, never stale)."""
        if self.status == self.Status.ISSUED and self.expiry_date and self.expiry_date < timezone.localdate():
            return "expired"
        return self.status

    @property
    def public_url(self) -> str:
        return f"{settings.SITE_URL}/verify/{self.credential_id}/"

    @property
    def anchor_status(self) -> str:
        return self.anchor.status if self.anchor_id else "pending"


class PublicStatusPurge(models.Model):
    """A cached public status that must be dropped (certificates/public_status/purges.py): one
    certificate's (`credential_id`), or every certificate of an issuer (`organization`, for a rename).

    Written in the transaction that makes the change and deleted once the cache holds the
    tombstones, so a change the cache did not take (Redis unreachable, a network partition, the
    process killed right after commit) is retried until it does, instead of the old status being
    served from the cache for up to a day.
    """

    credential_id = models.CharField(max_length=32)  # "" on an organization's row
    # One row for an issuer, not one per certificate: an edit of an issuer with a million
    # certificates must not write a million rows in its transaction.
    organization = models.ForeignKey(
        "organizations.Organization", null=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["credential_id"], name="purge_credential_id")]

    def __str__(self) -> str:
        return f"purge {self.credential_id or f'organization {self.organization_id}'}"
