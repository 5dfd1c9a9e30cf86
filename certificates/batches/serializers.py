"""REST serializers for bulk issuance."""

from rest_framework import serializers

from certificates.models import IssuanceBatch


class BulkIssueSerializer(serializers.Serializer):
    organization = serializers.SlugField()
    file = serializers.FileField(help_text="CSV, UTF-8; see README for the columns.")
    template = serializers.IntegerField(required=False, allow_null=True, default=None)


class IssuanceBatchSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.slug", read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)
    error_report_url = serializers.SerializerMethodField()

    class Meta:
        model = IssuanceBatch
        fields = [
            "id",
            "organization",
            "status",
            "file_name",
            "total_rows",
            "processed_rows",
            "progress_percent",
            "issued_count",
            "skipped_count",
            "failed_count",
            "errors",
            "error_report_url",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_error_report_url(self, obj) -> str:
        return f"/api/v1/issuance-batches/{obj.pk}/errors/"
