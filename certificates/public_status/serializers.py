"""REST serializers for the public status lookup."""

from rest_framework import serializers


class PublicCertificateSerializer(serializers.Serializer):
    credential_id = serializers.CharField()
    status = serializers.CharField()
    status_reason = serializers.CharField()
    status_changed_at = serializers.DateTimeField(allow_null=True)
    issuer = serializers.DictField()
    recipient_name = serializers.CharField()
    title = serializers.CharField()
    issue_date = serializers.DateField()
    expiry_date = serializers.DateField(allow_null=True)
    grade = serializers.CharField()
    content_hash = serializers.CharField()
    anchor = serializers.DictField(allow_null=True)
    verify_url = serializers.CharField()
