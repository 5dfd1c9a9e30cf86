from django import forms
from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from .access import Actor
from .errors import OrganizationError
from .identity import organization_review
from .models import APIKey, AuditEvent, Invitation, Membership, Organization
from .roles import Role

LAST_OWNER = "An organization needs at least one owner who can sign in. Make another member an owner first."


def _active_owners(organization_id) -> set[int]:
    owners = Membership.objects.filter(organization_id=organization_id, role=Role.OWNER, user__is_active=True)
    return set(owners.values_list("pk", flat=True))


# The portal and the API keep an owner through organizations.services; the admin edits rows
# directly, so its forms check the same rule before they save.
class MembershipOwnerFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if self.instance.pk is None or not _active_owners(self.instance.pk):
            return
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            user = data.get("user")
            if not data.get("DELETE") and data.get("role") == Role.OWNER and user and user.is_active:
                return
        raise forms.ValidationError(LAST_OWNER)


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "organization", "role"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        before = Membership.objects.get(pk=self.instance.pk)
        stays_owner = cleaned.get("role") == Role.OWNER and cleaned.get("organization") == before.organization
        if before.role == Role.OWNER and not stays_owner:
            if _active_owners(before.organization_id) <= {before.pk}:
                raise forms.ValidationError({"role": LAST_OWNER})
        return cleaned


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipOwnerFormSet
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "country",
        "verification_level",
        "verified_domain",
        "is_active",
        "created_at",
    ]
    list_filter = ["verification_level", "is_active", "country"]
    search_fields = ["name", "slug", "domain", "verified_domain"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    actions = ["mark_reviewed"]
    # The level changes only through organizations/identity.py (audited): the action, the
    # review_organization command, the domain proof and its re-check.
    identity_fields = [
        "verification_level",
        "verified_domain",
        "verified_at",
        "review_note",
        "lookalike_of",
        "domain_proof_domain",
        "domain_proof_token",
        "domain_checked_at",
    ]

    @admin.action(description="Mark reviewed (record what was checked)")
    def mark_reviewed(self, request, queryset):
        note = request.POST.get("review_note", "").strip()
        if "apply" not in request.POST or not note:
            context = {
                **self.admin_site.each_context(request),
                "organizations": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "note_missing": "apply" in request.POST,
                "opts": self.model._meta,
            }
            return TemplateResponse(request, "admin/organizations/review_organizations.html", context)
        actor = Actor(user=request.user, ip=request.META.get("REMOTE_ADDR"))
        for organization in queryset:
            try:
                organization_review(actor=actor, organization=organization, note=note)
            except OrganizationError as exc:
                self.message_user(request, f"{organization}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{organization} is marked reviewed.", messages.SUCCESS)
        return None

    # Every certificate's canonical fields, and so its content hash, hold the slug it was issued under.
    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), *self.identity_fields]
        return [*fields, "slug"] if obj else fields

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else super().get_prepopulated_fields(request)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipAdminForm
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organization__name"]
    list_select_related = ["user", "organization"]

    def get_actions(self, request):
        # A bulk delete could take every owner at once; memberships are removed one at a time.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        membership = Membership.objects.filter(pk=object_id).first()
        if (
            membership
            and membership.role == Role.OWNER
            and _active_owners(membership.organization_id) <= {membership.pk}
        ):
            self.message_user(request, LAST_OWNER, messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:organizations_membership_change", args=[membership.pk])
            )
        return super().delete_view(request, object_id, extra_context)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "status", "created_at", "expires_at"]
    list_filter = ["role"]
    search_fields = ["email", "organization__name"]
    readonly_fields = ["token_hash", "accepted_at", "accepted_by"]
    list_select_related = ["organization"]


@admin.register(APIKey)
class APIKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "organization", "role", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["role", "revoked_at"]
    search_fields = ["name", "prefix", "organization__name"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    list_select_related = ["organization"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "organization", "actor", "target_type", "target_id", "ip"]
    list_filter = ["action", "organization"]
    search_fields = ["action", "actor__email", "target_id"]
    list_select_related = ["organization", "actor"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
