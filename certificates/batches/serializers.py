"""REST serializers for bulk issuance."""

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from certificates.batches.dates import DATE_ORDERS
from certificates.models import IssuanceBatch


class BulkIssueSerializer(serializers.Serializer):
    organization = serializers.SlugField()
    file = serializers.FileField(
        help_text="CSV (any of , ; tab | as delimiter; UTF-8, UTF-16 or Windows-1252) or XLSX; "
        "see docs/bulk-issuance.md for the columns."
    )
    template = serializers.IntegerField(required=False, allow_null=True, default=None)
    date_order = serializers.ChoiceField(
        choices=[(k, v) for k, v in DATE_ORDERS.items()],
        required=False,
        allow_blank=True,
        default="",
        help_text="How to read slashed dates: dmy (30/06/2026) or mdy (06/30/2026). Empty: ambiguous "
        "ones like 03/04/2026 are row errors.",
    )
    column_map = serializers.JSONField(
        required=False,
        default=None,
        binary=True,
        help_text='{"<header in the file>": "<field>"}; field is recipient_name, title, issue_date, '
        'recipient_email, expiry_date, grade, external_id, meta_<name>, or "" to ignore the column.',
    )


class PreviewRowSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["ready", "error", "already_issued"])
    printed = serializers.DictField(child=serializers.CharField(), allow_null=True)
    errors = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    data = serializers.DictField(child=serializers.CharField(allow_blank=True))


class BulkPreviewSerializer(serializers.Serializer):
    """What the upload would issue; nothing is stored."""

    file = serializers.DictField(child=serializers.CharField(allow_blank=True))
    columns = serializers.ListField(child=serializers.DictField())
    mapping_error = serializers.DictField(child=serializers.CharField(), allow_null=True)
    date_order = serializers.CharField(allow_blank=True)
    suggested_date_order = serializers.CharField(allow_blank=True, required=False)
    summary = serializers.DictField(child=serializers.IntegerField())
    rows = PreviewRowSerializer(many=True)
    error_rows = PreviewRowSerializer(many=True)


class IssuanceBatchSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.slug", read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)
    archive_percent = serializers.IntegerField(read_only=True)
    error_report_url = serializers.SerializerMethodField()
    archive_url = serializers.SerializerMethodField()

    class Meta:
        model = IssuanceBatch
        fields = [
            "id",
            "organization",
            "status",
            "file_name",
            "options",
            "total_rows",
            "processed_rows",
            "progress_percent",
            "issued_count",
            "skipped_count",
            "failed_count",
            "errors",
            "error_report_url",
            "archive_status",
            "archive_percent",
            "archive_url",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def _url(self, name: str, obj) -> str:
        return f"{settings.SITE_URL}{reverse(name, kwargs={'pk': obj.pk})}"  # absolute, like every API link

    def get_error_report_url(self, obj) -> str:
        return self._url("issuance-batch-errors", obj)

    def get_archive_url(self, obj) -> str:
        """POST to request the ZIP of the batch's PDFs; GET it once archive_status is ready."""
        return self._url("issuance-batch-archive", obj)
