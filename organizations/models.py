from django.conf import settings
from django.db import models
from django.utils import timezone

from .roles import API_KEY_ROLE_CHOICES, Role


class VerificationLevel(models.TextChoices):
    """How sure we are who an organization is (organizations/identity.py moves between them)."""

    UNVERIFIED = "unverified", "Identity not verified"
    DOMAIN = "domain", "Verified domain"
    REVIEWED = "reviewed", "Reviewed by CertVerify"


VERIFIED_LEVELS = (VerificationLevel.DOMAIN, VerificationLevel.REVIEWED)


class Organization(models.Model):
    """An issuer (university, institute, professional body). Deactivated, never deleted."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    website = models.URLField(blank=True)
    domain = models.CharField(max_length=255, blank=True)
    logo = models.ImageField(upload_to="logos/", blank=True)
    verification_level = models.CharField(
        max_length=10, choices=VerificationLevel.choices, default=VerificationLevel.UNVERIFIED, db_index=True
    )
    verified_domain = models.CharField(
        max_length=255, blank=True, help_text="The domain it proved control of."
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True, help_text="What staff checked when they reviewed it.")
    domain_proof_domain = models.CharField(max_length=255, blank=True, help_text="The domain being proved.")
    domain_proof_token = models.CharField(max_length=64, blank=True)
    domain_checked_at = models.DateTimeField(null=True, blank=True)
    # The first of the consecutive periodic re-checks that could not find the proof; the level
    # drops only once they have failed for settings.DOMAIN_RECHECK_GRACE (identity.domain_recheck).
    domain_failing_since = models.DateTimeField(null=True, blank=True)
    # A verified organization whose name this one's resembles: it may not verify itself, only staff may.
    lookalike_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        """Proved a domain or was reviewed by staff."""
        return self.verification_level in VERIFIED_LEVELS


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "user__email"]
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="uniq_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


class Invitation(models.Model):
    """An e-mailed invitation; only the SHA-256 of its token is stored."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization} ({self.role})"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class APIKey(models.Model):
    """A machine credential acting for one organization with one role.

    The secret is shown once at creation; only its SHA-256 is stored. `prefix` identifies the
    key in lists and logs.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    role = models.CharField(
        max_length=10,
        choices=API_KEY_ROLE_CHOICES,
        default=Role.ISSUER,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit events are append-only.")

    def delete(self):
        raise TypeError("Audit events are append-only.")


class AuditEvent(models.Model):
    """Append-only record of a security- or data-relevant action."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_api_key = models.ForeignKey(
        APIKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        # Append-only: a row may be inserted, never changed.
        if self.pk is not None:
            raise TypeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only.")
