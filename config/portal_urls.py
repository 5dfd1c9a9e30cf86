"""The staff portal's URLs, namespace "portal", mounted at /portal/. Each app owns its views.

The side navigation (core.portal.NAVIGATION) shows a section as soon as its URL name resolves:
certificates, bulk issue, verifications, templates and webhooks register theirs here.
"""

from django.urls import path

from accounts import views as accounts_views
from organizations import views as org_views

app_name = "portal"
urlpatterns = [
    # Signing in and out
    path("login/", accounts_views.login_view, name="login"),
    path("login/code/", accounts_views.login_otp_view, name="login-otp"),
    path("logout/", accounts_views.logout_view, name="logout"),
    path("password-reset/", accounts_views.password_reset_request_view, name="password-reset"),
    path(
        "password-reset/<str:uid>/<str:token>/",
        accounts_views.password_reset_confirm_view,
        name="password-reset-confirm",
    ),
    # One's own account
    path("account/", accounts_views.profile_view, name="profile"),
    path("account/password/", accounts_views.password_change_view, name="password-change"),
    path("account/security/", accounts_views.security_view, name="security"),
    path("account/security/two-factor/begin/", accounts_views.two_factor_begin_view, name="two-factor-begin"),
    path("account/security/two-factor/", accounts_views.two_factor_enrol_view, name="two-factor-enrol"),
    path(
        "account/security/two-factor/disable/",
        accounts_views.two_factor_disable_view,
        name="two-factor-disable",
    ),
    # The organization
    path("", org_views.dashboard_view, name="dashboard"),
    path("organizations/new/", org_views.organization_create_view, name="organization-create"),
    path("organizations/switch/", org_views.organization_switch_view, name="organization-switch"),
    path("settings/", org_views.organization_settings_view, name="organization-settings"),
    path("settings/deactivate/", org_views.organization_deactivate_view, name="organization-deactivate"),
    path("members/", org_views.members_view, name="members"),
    path("members/<int:pk>/role/", org_views.member_role_view, name="member-role"),
    path("members/<int:pk>/remove/", org_views.member_remove_view, name="member-remove"),
    path("invitations/", org_views.invitations_view, name="invitations"),
    path("invitations/<int:pk>/revoke/", org_views.invitation_revoke_view, name="invitation-revoke"),
    path("invitations/<str:token>/", org_views.invitation_accept_view, name="invitation-accept"),
    path("api-keys/", org_views.api_keys_view, name="api-keys"),
    path("api-keys/<int:pk>/", org_views.api_key_created_view, name="api-key-created"),
    path("api-keys/<int:pk>/revoke/", org_views.api_key_revoke_view, name="api-key-revoke"),
    path("audit-log/", org_views.audit_log_view, name="audit-log"),
]
