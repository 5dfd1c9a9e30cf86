from django.contrib import admin

from .models import BillingEvent, Invoice, Plan, Subscription, UsageCounter


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "price_minor",
        "currency",
        "certificates_per_month",
        "over_limit",
        "is_public",
    )
    list_editable = ("is_public",)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("organization", "plan", "status", "provider", "current_period_end", "grace_until")
    list_filter = ("plan", "status", "provider")
    raw_id_fields = ("organization",)


@admin.register(UsageCounter)
class UsageCounterAdmin(admin.ModelAdmin):
    list_display = ("organization", "metric", "month", "used")
    list_filter = ("metric", "month")
    raw_id_fields = ("organization",)


@admin.register(BillingEvent)
class BillingEventAdmin(admin.ModelAdmin):
    list_display = ("provider", "event_id", "type", "occurred_at", "processed_at", "outcome")
    list_filter = ("provider", "type")
    readonly_fields = ("payload",)


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("organization", "provider", "number", "amount_minor", "currency", "status", "created_at")
    raw_id_fields = ("organization",)
