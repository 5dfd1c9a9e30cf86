"""REST serializers for certificate designs (templates)."""

from rest_framework import serializers

from certificates.models import CertificateTemplate
from certificates.rendering.layout import layout_schema_errors


class TemplateSerializer(serializers.ModelSerializer):
    organization = serializers.SlugField(source="organization.slug", required=False, allow_null=True)
    background = serializers.ImageField(required=False, allow_null=True)

    class Meta:
        model = CertificateTemplate
        fields = ["id", "organization", "name", "background", "layout", "is_default", "created_at"]
        read_only_fields = ["id", "is_default", "created_at"]

    def validate_layout(self, value):
        # {} means the default layout; anything else falsy (null, [], "") is not a layout.
        errors = layout_schema_errors(value) if value != {} else []
        if errors:
            raise serializers.ValidationError(errors)
        return value
