from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import views as accounts_views
from core import health, metrics
from verification import public_pages

api_v1 = [
    path("auth/", include("accounts.api.urls")),
    path("", include("organizations.api.urls")),
    path("webhooks/", include("webhooks.api.urls")),
    path("", include("certificates.rest_urls")),
    path("", include("credentials.rest_urls")),
    path("", include("verification.api.urls")),
    path("", include("billing.api.urls")),
]

# The admin signs in, out and changes passwords through the portal, so it gets the second factor,
# the login throttle and the failure counting; these come before the admin's own pages.
admin_account_pages = [
    path("admin/login/", accounts_views.admin_login_view, name="admin-login"),
    path("admin/logout/", accounts_views.logout_view, name="admin-logout"),
    path(
        "admin/password_change/", RedirectView.as_view(pattern_name="portal:profile"), name="admin-password"
    ),
]

urlpatterns = [
    path("", public_pages.landing_page, name="landing"),
    *admin_account_pages,
    path("admin/", admin.site.urls),
    path("portal/", include("config.portal_urls")),
    path("verify/", include("verification.urls")),
    path("c/", include("holders.urls")),  # the holder's page of a certificate
    path("holder/", include("holders.holder_urls")),  # the holder's own certificates (magic link)
    path("r/", include("verification.report_urls")),  # signed verification reports' share links
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the public pages' language switcher
    path("organizations/", include("certificates.anchoring.public_urls")),  # Blockcerts issuer JSON
    path("organizations/", include("credentials.urls")),  # did:web documents, status lists
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", metrics.metrics_view, name="metrics"),
]

handler404 = "core.errors.not_found_view"  # JSON under /api/, the error shape of core/errors.py
