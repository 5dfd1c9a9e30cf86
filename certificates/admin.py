from django.contrib import admin, messages

from certificates.models import (
    Anchor,
    Certificate,
    CertificateTemplate,
    IssuanceBatch,
    PublicStatusPurge,
    SigningKey,
)

REISSUE_HINT = (
    "Issued certificates are immutable records: their content hash, signed QR code and blockchain "
    "proof are made of these fields, so they cannot be edited, added or deleted here. To correct one, "
    "reissue it: in the portal (the certificate's page, Reissue) or with POST "
    "/api/v1/certificates/<credential_id>/reissue/. The reissue is audited, revokes this certificate "
    "and links the two."
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never written: rows that only their service may create or change."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    """Issuing, status changes and corrections go through certificates/services.py (portal, API)."""

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
    date_hierarchy = "issue_date"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            self.message_user(request, REISSUE_HINT, messages.INFO)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(CertificateTemplate)
class CertificateTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "is_default", "created_at"]
    list_filter = ["is_default", "organization"]
    search_fields = ["name"]


@admin.register(IssuanceBatch)
class IssuanceBatchAdmin(ReadOnlyAdmin):
    """batch_start stores, audits and enqueues a batch; one added or edited here (another
    organization, another file) would be issued by the sweeper without either."""

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
    list_select_related = ["organization"]


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ["key_id", "organization", "valid_from", "valid_until"]
    list_filter = ["organization"]
    search_fields = ["key_id", "organization__name"]
    exclude = ["private_key_encrypted"]

    # Keys are made and retired by certificates.signing; a key's owner and validity are part of
    # every signature it made, so the admin only shows them.
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in SigningKey._meta.fields if f.name not in self.exclude]

    def has_add_permission(self, request):
        return False


@admin.register(Anchor)
class AnchorAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "merkle_root",
        "leaf_count",
        "status",
        "chain_id",
        "block_number",
        "confirmations",
        "created_at",
    ]
    list_filter = ["kind", "status", "chain_id"]
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
