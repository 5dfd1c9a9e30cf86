from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import health, metrics

api_v1 = [
    path("auth/", include("accounts.api.urls")),
    path("", include("organizations.api.urls")),
    path("webhooks/", include("webhooks.api.urls")),
    path("", include("certificates.rest_urls")),
    path("", include("verification.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("portal/", include("config.portal_urls")),
    path("verify/", include("verification.urls")),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
