"""Plans (data, edited in the admin), each organization's subscription, usage counters, the
providers' webhook events (stored once) and invoices."""

from __future__ import annotations

from django.db import models

from organizations.models import Organization


class Metric(models.TextChoices):
    CERTIFICATES = "certificates", "Certificates issued"
    VERIFICATIONS = "verifications", "Image verifications"
    API_KEYS = "api_keys", "API keys created"
    MEMBERS = "members", "Members invited"
    WEBHOOKS = "webhooks", "Webhook endpoints created"
    GEMINI_PAGES = "gemini_pages", "Gemini pages"


class Plan(models.Model):
    """What an organization may use per month. A blank limit means unlimited."""

    class OverLimit(models.TextChoices):
        REFUSE = "refuse", "Refuse the whole batch"
        PARTIAL = "partial", "Issue up to the limit and report the rest"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_public = models.BooleanField(default=True, help_text="Shown on the plan page.")
    price_minor = models.PositiveIntegerField(
        default=0, help_text="Monthly price in minor units (cents, paise)."
    )
    currency = models.CharField(max_length=3, default="USD")
    certificates_per_month = models.PositiveIntegerField(null=True, blank=True)
    verifications_per_month = models.PositiveIntegerField(null=True, blank=True)
    api_keys_per_month = models.PositiveIntegerField(null=True, blank=True)
    members_per_month = models.PositiveIntegerField(null=True, blank=True)
    webhooks_per_month = models.PositiveIntegerField(null=True, blank=True)
    gemini_pages_per_month = models.PositiveIntegerField(null=True, blank=True)
    custom_domain = models.BooleanField(default=False, help_text="May prove control of its own domain.")
    designer_images = models.BooleanField(default=False, help_text="May upload images in the designer.")
    bulk_max_rows = models.PositiveIntegerField(
        null=True, blank=True, help_text="Largest CSV batch; blank: any."
    )
    over_limit = models.CharField(max_length=10, choices=OverLimit.choices, default=OverLimit.REFUSE)
    stripe_price_id = models.CharField(max_length=100, blank=True)
    razorpay_plan_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.name

    def limit(self, metric: str) -> int | None:
        return getattr(self, f"{metric}_per_month")

    @property
    def is_paid(self) -> bool:
        return self.price_minor > 0


class Subscription(models.Model):
    """The plan an organization is on. Created lazily (billing.plans.subscription_for)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAST_DUE = "past_due", "Payment failed (grace period)"
        CANCELED = "canceled", "Canceled"

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    provider = models.CharField(max_length=20, blank=True)
    provider_customer_id = models.CharField(max_length=100, blank=True)
    provider_subscription_id = models.CharField(max_length=100, blank=True, db_index=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    grace_until = models.DateTimeField(null=True, blank=True)
    # The provider's time of the newest event applied: an older event arriving later changes nothing.
    last_event_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.organization} on {self.plan}"


class UsageCounter(models.Model):
    """What an organization used of one metric in one month; incremented by a conditional UPDATE."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="usage_counters")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    month = models.DateField(help_text="The first day of the month.")
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "metric", "month"], name="usage_one_row_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.metric} {self.month:%Y-%m}: {self.used}"


class CheckoutSession(models.Model):
    """A checkout started from the plan page; the provider's reference leads back to the organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="checkouts")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(max_length=20)
    reference = models.CharField(
        max_length=100, unique=True, help_text="Stripe session id or Razorpay order id."
    )
    url = models.URLField(max_length=1000, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.provider} {self.reference}"


class BillingEvent(models.Model):
    """A provider's webhook event, stored once by its id and processed by a task."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=100)
    occurred_at = models.DateTimeField(help_text="The provider's creation time of the event.")
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="billing_event_once")]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"


class Invoice(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invoices")
    provider = models.CharField(max_length=20)
    number = models.CharField(max_length=100)
    amount_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20)
    plan = models.ForeignKey(Plan, null=True, on_delete=models.SET_NULL, related_name="+")
    period_end = models.DateTimeField(null=True, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["provider", "number"], name="invoice_once")]

    def __str__(self) -> str:
        return f"{self.provider} invoice {self.number}"
