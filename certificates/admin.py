from django.contrib import admin, messages

from certificates.models import (
    Anchor,
    Certificate,
    CertificateTemplate,
    IssuanceBatch,
    PublicStatusPurge,
    SigningKey,
)

HASHES = ["content_hash", "canonical_fields", "qr_text", "phash", "merkle_proof", "signing_key", "anchor"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = [
        "credential_id",
        "recipient_name",
        "title",
        "organization",
        "issue_date",
        "status",
        "anchor_status",
    ]
    list_filter = ["status", "organization", "issue_date"]
    search_fields = ["credential_id", "recipient_name", "recipient_email", "title", "external_id"]
    list_select_related = ["organization", "anchor"]
    readonly_fields = HASHES + [
        "credential_id",
        "organization",
        "batch",
        "supersedes",
        "issued_by",
        "created_at",
        "updated_at",
        "rendered_at",
        "status_changed_at",
        "status_changed_by",
    ]
    date_hierarchy = "issue_date"

    def has_delete_permission(self, request, obj=None):
        return False  # a verifier must always get an answer about an id that was once issued


@admin.register(CertificateTemplate)
class CertificateTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "is_default", "created_at"]
    list_filter = ["is_default", "organization"]
    search_fields = ["name"]


@admin.register(IssuanceBatch)
class IssuanceBatchAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "organization",
        "status",
        "total_rows",
        "issued_count",
        "failed_count",
        "created_at",
    ]
    list_filter = ["status", "organization"]
    search_fields = ["file_name", "file_sha256"]
    readonly_fields = [
        "file_sha256",
        "errors",
        "processed_rows",
        "issued_count",
        "skipped_count",
        "failed_count",
    ]
    list_select_related = ["organization"]


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ["key_id", "organization", "valid_from", "valid_until"]
    list_filter = ["organization"]
    search_fields = ["key_id", "organization__name"]
    readonly_fields = ["key_id", "public_key_b64", "valid_from"]
    exclude = ["private_key_encrypted"]


@admin.register(Anchor)
class AnchorAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "merkle_root",
        "leaf_count",
        "status",
        "chain_id",
        "block_number",
        "confirmations",
        "created_at",
    ]
    list_filter = ["status", "chain_id"]
    search_fields = ["merkle_root", "tx_hash"]
    readonly_fields = [f.name for f in Anchor._meta.fields]
    actions = ["retry_anchor"]

    @admin.action(description="Retry the selected failed anchors")
    def retry_anchor(self, request, queryset):
        from certificates.anchoring.services import anchor_retry

        count = 0
        for anchor in queryset.filter(status=Anchor.Status.FAILED):
            anchor_retry(anchor_id=anchor.pk)
            count += 1
        self.message_user(request, f"{count} anchor(s) queued for retry.", messages.SUCCESS)


@admin.register(PublicStatusPurge)
class PublicStatusPurgeAdmin(admin.ModelAdmin):
    """Public status changes the cache has not taken yet; rows older than a minute mean Redis is unreachable."""

    list_display = ["credential_id", "organization", "created_at"]
    search_fields = ["credential_id"]
    readonly_fields = ["credential_id", "organization", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False
