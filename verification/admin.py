from django.contrib import admin, messages
from django.db import transaction

from .models import LayerResult, VerificationRequest


class LayerResultInline(admin.TabularInline):
    model = LayerResult
    extra = 0
    can_delete = False
    fields = ["layer", "status", "points", "max_points", "duration_ms", "findings"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(VerificationRequest)
class VerificationRequestAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "status",
        "verdict",
        "score",
        "organization",
        "certificate",
        "client_ip",
        "client_country",
    ]
    list_filter = ["status", "verdict", "organization", "client_country"]
    search_fields = ["id", "certificate__credential_id", "credential_id_input", "client_ip"]
    list_select_related = ["organization", "certificate"]
    readonly_fields = [f.name for f in VerificationRequest._meta.fields]
    inlines = [LayerResultInline]
    date_hierarchy = "created_at"
    actions = ["rerun"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Re-run the pipeline for the selected verifications")
    def rerun(self, request, queryset):
        from .services import verification_enqueue

        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        VerificationRequest.objects.filter(pk__in=ids).update(status=VerificationRequest.Status.PENDING)
        for pk in ids:
            transaction.on_commit(lambda pk=pk: verification_enqueue(pk))
        self.message_user(request, f"{len(ids)} verification(s) queued to run again.", messages.SUCCESS)
