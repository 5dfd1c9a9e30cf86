"""REST serializers for certificates: the detail shape and the issue and lifecycle requests."""

import copy

from rest_framework import serializers
from rest_framework.fields import DateField, DateTimeField

from certificates.models import Anchor, Certificate

_DATE_FIELD, _DATETIME_FIELD = DateField(), DateTimeField()  # stateless: shared by every thread


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
        fields = ["status", "merkle_root", "chain_id", "tx_hash", "block_number", "confirmations", "error"]
        read_only_fields = fields


def _str(value):
    return None if value is None else str(value)


def _int(value):
    return None if value is None else int(value)


def _date(value):
    return None if value is None else _DATE_FIELD.to_representation(value)


def _datetime(value):
    return None if value is None else _DATETIME_FIELD.to_representation(value)


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
        fields = [
            "credential_id",
            "organization",
            "external_id",
            "recipient_name",
            "recipient_email",
            "title",
            "issue_date",
            "expiry_date",
            "grade",
            "metadata",
            "status",
            "status_reason",
            "status_changed_at",
            "supersedes",
            "content_hash",
            "url",
            "image_url",
            "pdf_url",
            "anchor",
            "merkle_proof",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        """What the fields above produce, built directly: DRF's generic field loop was a fifth of
        the JWT detail's server CPU. tests/certificates/test_api.py pins the two to each other."""
        c = instance
        anchor = c.anchor
        supersedes = c.supersedes
        return {
            "credential_id": _str(c.credential_id),
            "organization": _str(c.organization.slug),
            "external_id": _str(c.external_id),
            "recipient_name": _str(c.recipient_name),
            "recipient_email": _str(c.recipient_email),
            "title": _str(c.title),
            "issue_date": _date(c.issue_date),
            "expiry_date": _date(c.expiry_date),
            "grade": _str(c.grade),
            "metadata": c.metadata,
            "status": _str(c.effective_status),
            "status_reason": _str(c.status_reason),
            "status_changed_at": _datetime(c.status_changed_at),
            "supersedes": None if supersedes is None else _str(supersedes.credential_id),
            "content_hash": _str(c.content_hash),
            "url": _str(c.public_url),
            "image_url": self.get_image_url(c),
            "pdf_url": self.get_pdf_url(c),
            "anchor": None
            if anchor is None
            else {
                "status": _str(anchor.status),
                "merkle_root": _str(anchor.merkle_root),
                "chain_id": _int(anchor.chain_id),
                "tx_hash": _str(anchor.tx_hash),
                "block_number": _int(anchor.block_number),
                "confirmations": _int(anchor.confirmations),
                "error": _str(anchor.error),
            },
            "merkle_proof": c.merkle_proof,
            "created_at": _datetime(c.created_at),
        }

    def get_image_url(self, obj) -> str:
        return f"/api/v1/certificates/{obj.credential_id}/image/"

    def get_pdf_url(self, obj) -> str:
        return f"/api/v1/certificates/{obj.credential_id}/pdf/"


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
