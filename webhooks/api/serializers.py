from rest_framework import serializers

from webhooks.events import EventType
from webhooks.models import Delivery, Endpoint


class EndpointSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    # Scheme, https and address checks (SSRF) are the service's: one set of rules and messages.
    url = serializers.CharField(max_length=2000, help_text="Receiver URL (https outside local development).")
    events = serializers.ListField(
        source="event_types",
        child=serializers.ChoiceField(choices=EventType.choices),
        allow_empty=False,
        help_text="Event types to receive.",
    )

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "organization",
            "url",
            "description",
            "events",
            "is_active",
            "disabled_at",
            "disabled_reason",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "organization",
            "disabled_at",
            "disabled_reason",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ]


class EndpointCreateSerializer(EndpointSerializer):
    organization = serializers.SlugField(
        required=False, help_text="Slug of the owning organization (an API key's own by default)."
    )

    class Meta(EndpointSerializer.Meta):
        read_only_fields = [f for f in EndpointSerializer.Meta.read_only_fields if f != "organization"]


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="`whsec_…` signing secret. Shown once: store it now."
    )

    class Meta(EndpointSerializer.Meta):
        fields = EndpointSerializer.Meta.fields + ["secret"]


class DeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.CharField(source="event.message_id", read_only=True, help_text="The webhook-id.")
    event_type = serializers.CharField(source="event.type", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "attempt_number",
            "trigger",
            "status",
            "response_status_code",
            "response_excerpt",
            "duration_ms",
            "error",
            "attempted_at",
            "next_attempt_at",
            "created_at",
        ]
        read_only_fields = fields
