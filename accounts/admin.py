from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import BackupCode, LoginFailure, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "full_name",
        "is_active",
        "email_verified",
        "totp_enabled",
        "is_staff",
        "date_joined",
    ]
    list_filter = ["is_active", "email_verified", "totp_enabled", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name"]
    readonly_fields = [
        "date_joined",
        "last_login",
        "totp_enabled",
        "failed_login_count",
        "failed_login_since",
        "locked_until",
    ]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name", "email_verified"]}),
        (
            "Security",
            {"fields": ["totp_enabled", "failed_login_count", "failed_login_since", "locked_until"]},
        ),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(BackupCode)
class BackupCodeAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "used_at"]
    list_filter = ["used_at"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "code_hash", "created_at", "used_at"]


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Failed sign-ins per account and client address; deleting a row lifts that address's lockout."""

    list_display = ["user", "ip", "failures", "failed_since", "last_failed_at", "locked_until"]
    search_fields = ["user__email", "ip"]
    readonly_fields = ["user", "ip", "failures", "failed_since", "last_failed_at", "locked_until"]

    def has_add_permission(self, request) -> bool:
        return False
