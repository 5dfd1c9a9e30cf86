"""REST serializers for certificates: the detail shape and the issue and lifecycle requests."""

import copy

from rest_framework import serializers

from certificates.lifecycle.detail_shape import (
    ANCHOR_FIELDS,
    DETAIL_FIELDS,
    detail_representation,
    image_url,
    pdf_url,
)
from certificates.models import Anchor, Certificate


class FieldsBuiltOnceMixin:
    """For read-only serializers. ModelSerializer rebuilds every field from model introspection on
    each instantiation (about half of a certificate detail's serializer time); build them once
    per class and give each serializer shallow copies. A deep copy (what a plain Serializer does
    with its declared fields) re-runs every field's __init__ and cost as much again; binding only
    sets attributes on the copy, and read-only fields change nothing else while serializing."""

    def get_fields(self):
        cls = type(self)
        if "_field_prototypes" not in cls.__dict__:
            cls._field_prototypes = super().get_fields()
        return {name: copy.copy(field) for name, field in cls._field_prototypes.items()}


class AnchorSerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    class Meta:
        model = Anchor
        fields = list(ANCHOR_FIELDS)
        read_only_fields = fields


class CertificateSerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    """Read shape. Status, hashes, proofs and the organization are never writable."""

    organization = serializers.CharField(source="organization.slug", read_only=True)
    status = serializers.CharField(source="effective_status", read_only=True)
    anchor = AnchorSerializer(read_only=True, allow_null=True)
    url = serializers.CharField(source="public_url", read_only=True)
    supersedes = serializers.CharField(
        source="supersedes.credential_id", read_only=True, default=None, allow_null=True
    )
    image_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = DETAIL_FIELDS
        read_only_fields = fields

    def to_representation(self, instance):
        """What the fields above produce, built directly from DETAIL_SHAPE: DRF's generic field loop
        was a fifth of the JWT detail's server CPU. tests/certificates/test_api.py pins the two."""
        return detail_representation(instance)

    def get_image_url(self, obj) -> str:
        return image_url(obj)

    def get_pdf_url(self, obj) -> str:
        return pdf_url(obj)


class CertificateIssueSerializer(serializers.Serializer):
    organization = serializers.SlugField(help_text="Slug of the issuing organization.")
    recipient_name = serializers.CharField(max_length=200)
    recipient_email = serializers.EmailField(required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=300)
    issue_date = serializers.DateField()
    expiry_date = serializers.DateField(required=False, allow_null=True, default=None)
    grade = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    metadata = serializers.DictField(required=False, default=dict)
    external_id = serializers.CharField(max_length=100, required=False, allow_null=True, default=None)
    template = serializers.IntegerField(required=False, allow_null=True, default=None)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReissueSerializer(serializers.Serializer):
    recipient_name = serializers.CharField(max_length=200, required=False)
    recipient_email = serializers.EmailField(required=False, allow_blank=True)
    title = serializers.CharField(max_length=300, required=False)
    issue_date = serializers.DateField(required=False)
    expiry_date = serializers.DateField(required=False, allow_null=True)
    grade = serializers.CharField(max_length=50, required=False, allow_blank=True)
