from rest_framework import serializers

from fraud.registry import TITLES
from verification.models import LayerResult, VerificationRequest


class VerificationCreateSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="JPEG, PNG, WebP or PDF of the certificate.")
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
        return TITLES.get(obj.layer, obj.layer)

    def get_artifacts(self, obj) -> dict:
        base = f"/api/v1/verifications/{obj.verification_id}/artifacts/{obj.layer}"
        return {name: f"{base}/{name}/" for name in obj.artifacts}


class VerificationSerializer(serializers.ModelSerializer):
    status_url = serializers.SerializerMethodField()
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

    def get_status_url(self, obj) -> str:
        return f"/api/v1/verifications/{obj.pk}/"

    def get_credential_id(self, obj) -> str | None:
        return (
            obj.certificate.credential_id if obj.certificate else (obj.extracted or {}).get("credential_id")
        )

    def get_issuer(self, obj) -> dict | None:
        org = obj.organization
        return {"slug": org.slug, "name": org.name} if org else None

    def _layers(self, obj):
        return sorted(obj.layers.all(), key=lambda layer: layer.position)

    def get_layers(self, obj) -> list[dict]:
        return LayerResultSerializer(self._layers(obj), many=True, context=self.context).data

    def get_layers_ran(self, obj) -> list[str]:
        return [layer.layer for layer in self._layers(obj) if layer.status in ("passed", "warning", "failed")]

    def get_layers_skipped(self, obj) -> list[dict]:
        return [
            {"layer": layer.layer, "reason": (layer.findings or [{}])[0].get("message", "")}
            for layer in self._layers(obj)
            if layer.status == "skipped"
        ]

    def get_layers_errored(self, obj) -> list[str]:
        return [layer.layer for layer in self._layers(obj) if layer.status == "error"]

    def get_document_fields(self, obj) -> dict:
        extracted = obj.extracted or {}
        fields = dict((extracted.get("vision") or {}).get("fields") or {})
        qr = extracted.get("qr")
        return {
            "read": fields,
            "reading_path": (extracted.get("vision") or {}).get("path"),
            "qr": (qr or {}).get("fields"),
            "qr_signature_valid": (qr or {}).get("signature_valid"),
        }

    def get_comparison(self, obj) -> list | dict | None:
        registry = next((layer for layer in obj.layers.all() if layer.layer == "registry"), None)
        return (registry.details or {}).get("fields") if registry else None


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
    status_url = serializers.CharField()
    access_token = serializers.CharField()
