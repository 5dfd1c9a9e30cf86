from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from verification import explanation
from verification.models import LayerResult, VerificationRequest


class VerificationCreateSerializer(serializers.Serializer):
    file = serializers.FileField(
        required=False,
        help_text=(
            "JPEG, PNG, WebP or PDF of the certificate, or a verifiable credential: a .json file "
            "or a PNG with an Open Badges 3.0 credential baked in (docs/credentials.md)."
        ),
    )
    credential_id = serializers.CharField(required=False, allow_blank=True, max_length=64)


class LayerResultSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    artifacts = serializers.SerializerMethodField()

    class Meta:
        model = LayerResult
        fields = [
            "layer",
            "title",
            "status",
            "points",
            "max_points",
            "findings",
            "details",
            "artifacts",
            "duration_ms",
        ]

    def get_title(self, obj) -> str:
        return explanation.layer_title(obj)

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string", "format": "uri"}})
    def get_artifacts(self, obj) -> dict:
        # Token-free: the caller's token is added after the cache.
        return {name: absolute(url) for name, url in explanation.layer_artifacts(obj).items()}


class DocumentAnswerSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=VerificationRequest.Verdict.choices)
    score = serializers.FloatField(
        allow_null=True, help_text="0-100; null when no document was checked or the verdict is inconclusive."
    )
    reasons = serializers.ListField(child=serializers.CharField())


class SupersededBySerializer(serializers.Serializer):
    credential_id = serializers.CharField()
    url = serializers.URLField(help_text="The replacement's public page.")


class CredentialAnswerSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=VerificationRequest.CredentialStatus.choices)
    credential_id = serializers.CharField(allow_null=True)
    record = serializers.DictField(
        allow_null=True,
        help_text="The issuer's public record at the time of the check (the public status lookup's body).",
    )
    superseded_by = SupersededBySerializer(allow_null=True)


def absolute(path: str) -> str:
    """Every link in an API body is absolute, on the site's own address like the issuing API's
    (the pages keep relative links: their scripts fetch from the host they were served by)."""
    return f"{settings.SITE_URL}{path}"


class VerificationSerializer(serializers.ModelSerializer):
    status_url = serializers.SerializerMethodField()
    document = serializers.SerializerMethodField()
    credential = serializers.SerializerMethodField()
    credential_id = serializers.SerializerMethodField()
    issuer = serializers.SerializerMethodField()
    layers = serializers.SerializerMethodField()
    layers_ran = serializers.SerializerMethodField()
    layers_skipped = serializers.SerializerMethodField()
    layers_errored = serializers.SerializerMethodField()
    document_fields = serializers.SerializerMethodField()
    comparison = serializers.SerializerMethodField()

    class Meta:
        model = VerificationRequest
        fields = [
            "id",
            "status",
            "status_url",
            "checked",
            "document",
            "credential",
            "score",
            "verdict",
            "reasons",
            "credential_id",
            "issuer",
            "document_fields",
            "comparison",
            "layers",
            "layers_ran",
            "layers_skipped",
            "layers_errored",
            "client_country",
            "error",
            "created_at",
            "completed_at",
            "duration_ms",
        ]

    # The computed fields come from verification/explanation.py, which the pages use too.
    @extend_schema_field(OpenApiTypes.URI)
    def get_status_url(self, obj) -> str:
        return absolute(explanation.status_url(obj))

    @extend_schema_field(DocumentAnswerSerializer(allow_null=True))
    def get_document(self, obj) -> dict | None:
        return explanation.document_answer(obj)

    @extend_schema_field(CredentialAnswerSerializer(allow_null=True))
    def get_credential(self, obj) -> dict | None:
        return explanation.credential_answer(obj)

    def get_credential_id(self, obj) -> str | None:
        return explanation.credential_id(obj)

    def get_issuer(self, obj) -> dict | None:
        return explanation.issuer(obj)

    @extend_schema_field(LayerResultSerializer(many=True))
    def get_layers(self, obj) -> list[dict]:
        return LayerResultSerializer(explanation.ordered_layers(obj), many=True, context=self.context).data

    def get_layers_ran(self, obj) -> list[str]:
        return explanation.layers_ran(obj)

    def get_layers_skipped(self, obj) -> list[dict]:
        return explanation.layers_skipped(obj)

    def get_layers_errored(self, obj) -> list[str]:
        return explanation.layers_errored(obj)

    def get_document_fields(self, obj) -> dict:
        return explanation.document_fields(obj)

    def get_comparison(self, obj) -> list | dict | None:
        return explanation.comparison(obj)


def with_access_token(data: dict, token: str) -> dict:
    """A serialized verification (token-free, as it may be cached and shown to anyone entitled to
    it) whose links carry `token`: pass only the access token the caller presented and matched."""
    if not token:
        return data
    suffix = f"?token={token}"
    layers = [
        {**layer, "artifacts": {name: url + suffix for name, url in layer["artifacts"].items()}}
        for layer in data["layers"]
    ]
    return {**data, "status_url": data["status_url"] + suffix, "layers": layers}


class VerificationCreatedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    status_url = serializers.URLField(help_text="Poll this (absolute; it carries the access token).")
    access_token = serializers.CharField()
