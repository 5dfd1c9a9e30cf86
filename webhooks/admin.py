"""Platform view of webhooks. Secrets are never displayed; writes go through the services."""

from django.contrib import admin, messages

from organizations.access import Actor, client_ip

from . import services
from .errors import WebhookError
from .models import Delivery, Endpoint, Event


def _actor(request) -> Actor:
    return Actor(user=request.user, ip=client_ip(request))


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "url",
        "organization",
        "is_active",
        "disabled_reason",
        "failed_events_in_a_row",
        "created_at",
    ]
    list_filter = ["is_active", "created_at"]
    search_fields = ["url", "description", "organization__name", "organization__slug"]
    list_select_related = ["organization"]
    fields = [
        "organization",
        "url",
        "description",
        "event_types",
        "is_active",
        "disabled_at",
        "disabled_reason",
        "failed_events_in_a_row",
        "previous_secret_expires_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    actions = ["disable_endpoints"]

    def has_add_permission(self, request):
        return False  # created through the API, which generates the secret and checks the URL

    @admin.action(description="Disable selected endpoints (e-mails their admins)")
    def disable_endpoints(self, request, queryset):
        actor = _actor(request)
        disabled = sum(
            services.endpoint_disable(
                endpoint=endpoint, reason="Disabled by a platform administrator.", actor=actor
            )
            for endpoint in queryset.select_related("organization")
        )
        self.message_user(request, f"{disabled} endpoint(s) disabled.")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["message_id", "type", "organization", "created_at"]
    list_filter = ["type", "created_at"]
    search_fields = ["message_id", "organization__name", "organization__slug"]
    list_select_related = ["organization"]
    readonly_fields = ["message_id", "organization", "type", "data", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "message_id",
        "event_type",
        "endpoint",
        "attempt_number",
        "trigger",
        "status",
        "response_status_code",
        "duration_ms",
        "attempted_at",
        "next_attempt_at",
    ]
    list_filter = ["status", "trigger", "created_at"]
    search_fields = ["=id", "event__message_id", "endpoint__url", "endpoint__organization__name"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="webhook-id", ordering="event__message_id")
    def message_id(self, obj: Delivery) -> str:
        return obj.event.message_id

    @admin.display(description="event type", ordering="event__type")
    def event_type(self, obj: Delivery) -> str:
        return obj.event.type

    @admin.action(description="Redeliver selected deliveries now")
    def redeliver(self, request, queryset):
        actor, sent = _actor(request), 0
        for delivery in queryset.select_related("event", "endpoint__organization"):
            try:
                services.delivery_redeliver(actor=actor, delivery=delivery)
                sent += 1
            except WebhookError as exc:
                self.message_user(request, f"{delivery.pk}: {exc.message}", level=messages.WARNING)
        self.message_user(request, f"{sent} redelivery(ies) queued.")
