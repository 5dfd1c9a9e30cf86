"""The staff portal's URLs, namespace "portal", mounted at /portal/. Each app owns its views.

The side navigation (organizations.portal.NAVIGATION) shows a section as soon as its URL name resolves:
certificates, bulk issue, verifications, templates and webhooks register theirs here.
"""

from django.urls import path

from accounts import views as accounts_views
from billing import views as billing_views
from certificates.batches import portal as batch_views
from certificates.designs import portal as template_views
from certificates.lifecycle import portal as cert_views
from certificates.signing import portal as signing_key_views
from holders import portal as holder_views
from organizations import views as org_views
from verification import portal_views as verification_views
from webhooks import views as webhook_views

app_name = "portal"
urlpatterns = [
    # Signing in and out
    path("login/", accounts_views.login_view, name="login"),
    path("login/code/", accounts_views.login_otp_view, name="login-otp"),
    path("logout/", accounts_views.logout_view, name="logout"),
    path("signup/", accounts_views.signup_view, name="signup"),
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
    path("getting-started/", org_views.getting_started_view, name="getting-started"),
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
    path("billing/usage/", billing_views.usage_view, name="billing-usage"),
    path("billing/plans/", billing_views.plans_view, name="billing-plans"),
    path("billing/checkout/", billing_views.checkout_view, name="billing-checkout"),
    path("billing/return/<str:provider>/", billing_views.checkout_return_view, name="billing-return"),
    path("signing-keys/", signing_key_views.signing_keys_view, name="signing-keys"),
    path("signing-keys/rotate/", signing_key_views.signing_key_rotate_view, name="signing-key-rotate"),
    # Certificates
    path("certificates/", cert_views.certificate_list_view, name="certificates"),
    path("certificates/export.csv", cert_views.certificate_export_view, name="certificate-export"),
    path("certificates/new/", cert_views.certificate_issue_view, name="certificate-issue"),
    path("certificates/preview.png", template_views.certificate_preview_view, name="certificate-preview"),
    path("certificates/<str:credential_id>/", cert_views.certificate_detail_view, name="certificate-detail"),
    path(
        "certificates/<str:credential_id>/image.png",
        cert_views.certificate_image_view,
        name="certificate-image",
    ),
    path(
        "certificates/<str:credential_id>/certificate.pdf",
        cert_views.certificate_pdf_view,
        name="certificate-pdf",
    ),
    path(
        "certificates/<str:credential_id>/revoke/",
        cert_views.certificate_revoke_view,
        name="certificate-revoke",
    ),
    path(
        "certificates/<str:credential_id>/unrevoke/",
        cert_views.certificate_unrevoke_view,
        name="certificate-unrevoke",
    ),
    path(
        "certificates/<str:credential_id>/suspend/",
        cert_views.certificate_suspend_view,
        name="certificate-suspend",
    ),
    path(
        "certificates/<str:credential_id>/unsuspend/",
        cert_views.certificate_unsuspend_view,
        name="certificate-unsuspend",
    ),
    path(
        "certificates/<str:credential_id>/reissue/",
        cert_views.certificate_reissue_view,
        name="certificate-reissue",
    ),
    # Bulk issuance
    path("bulk-issue/", batch_views.bulk_issue_view, name="bulk-issue"),
    path("bulk-issue/example.csv", batch_views.bulk_issue_sample_view, name="bulk-issue-sample"),
    path("batches/<int:pk>/", batch_views.batch_detail_view, name="batch-detail"),
    path("batches/<int:pk>/progress/", batch_views.batch_progress_view, name="batch-progress"),
    path("batches/<int:pk>/errors.csv", batch_views.batch_errors_view, name="batch-errors"),
    # Delivery to recipients
    path("delivery/", holder_views.delivery_view, name="delivery"),
    path("delivery/<int:pk>/resend/", holder_views.resend_view, name="delivery-resend"),
    path("delivery/batches/<int:pk>/send/", holder_views.batch_release_view, name="delivery-batch-release"),
    path("bulk-issue/<int:pk>/preview/", batch_views.batch_preview_view, name="batch-preview"),
    path("batches/<int:pk>/archive/", batch_views.batch_archive_view, name="batch-archive"),
    path(
        "batches/<int:pk>/archive/progress/",
        batch_views.batch_archive_progress_view,
        name="batch-archive-progress",
    ),
    path(
        "batches/<int:pk>/archive.zip", batch_views.batch_archive_download_view, name="batch-archive-download"
    ),
    # Templates
    path("templates/", template_views.template_list_view, name="templates"),
    path("templates/new/", template_views.template_create_view, name="template-create"),
    path("templates/preview.png", template_views.template_live_preview_view, name="template-live-preview"),
    path("templates/<int:pk>/", template_views.template_edit_view, name="template-edit"),
    path("templates/<int:pk>/preview.png", template_views.template_preview_view, name="template-preview"),
    path(
        "templates/gallery/<slug:key>.png",
        template_views.gallery_preview_view,
        name="template-gallery-preview",
    ),
    # Verifications
    path("verifications/", verification_views.verification_list_view, name="verifications"),
    path("verifications/<uuid:pk>/", verification_views.verification_detail_view, name="verification-detail"),
    path(
        "verifications/<uuid:pk>/status/",
        verification_views.verification_status_view,
        name="verification-status",
    ),
    path(
        "verifications/<uuid:pk>/artifacts/<slug:layer>/<slug:name>.png",
        verification_views.verification_artifact_view,
        name="verification-artifact",
    ),
    path(
        "verifications/<uuid:pk>/upload/",
        verification_views.verification_upload_view,
        name="verification-upload",
    ),
    # Webhooks
    path("webhooks/", webhook_views.webhook_list_view, name="webhooks"),
    path("webhooks/<int:pk>/", webhook_views.webhook_detail_view, name="webhook-detail"),
    path("webhooks/<int:pk>/secret/", webhook_views.webhook_secret_view, name="webhook-secret"),
    path("webhooks/<int:pk>/rotate-secret/", webhook_views.webhook_rotate_view, name="webhook-rotate"),
    path("webhooks/<int:pk>/test/", webhook_views.webhook_test_view, name="webhook-test"),
    path("webhooks/<int:pk>/toggle/", webhook_views.webhook_toggle_view, name="webhook-toggle"),
    path("webhooks/<int:pk>/delete/", webhook_views.webhook_delete_view, name="webhook-delete"),
    path(
        "webhooks/<int:pk>/deliveries/<uuid:delivery_id>/redeliver/",
        webhook_views.webhook_redeliver_view,
        name="webhook-redeliver",
    ),
]
