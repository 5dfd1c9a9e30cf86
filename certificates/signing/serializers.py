"""REST serializers for signing keys."""

from rest_framework import serializers

from certificates.models import SigningKey


class SigningKeySerializer(serializers.ModelSerializer):
    """A signing key's public half and validity window; the private key never leaves the server."""

    public_key = serializers.CharField(source="public_key_b64", read_only=True, help_text="Ed25519, base64")
    current = serializers.BooleanField(source="is_current", read_only=True)

    class Meta:
        model = SigningKey
        fields = ["key_id", "public_key", "valid_from", "valid_until", "current"]
        read_only_fields = fields
