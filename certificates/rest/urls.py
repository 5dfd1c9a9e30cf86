from django.urls import include, path
from rest_framework.routers import SimpleRouter

from certificates.public_status import rest as public_views
from certificates.rest import views

router = SimpleRouter()
router.register("certificates", views.CertificateViewSet, basename="certificate")
router.register("issuance-batches", views.IssuanceBatchViewSet, basename="issuance-batch")
router.register("templates", views.TemplateViewSet, basename="template")

nested = SimpleRouter()
nested.register("signing-keys", views.SigningKeyViewSet, basename="signing-key")

urlpatterns = [
    path("", include(router.urls)),
    path("organizations/<slug:organization_slug>/", include(nested.urls)),
    path(
        "public/certificates/<str:credential_id>/",
        public_views.PublicCertificateView.as_view(),
        name="public-certificate",
    ),
    path(
        "public/certificates/<str:credential_id>/proof/",
        public_views.PublicProofView.as_view(),
        name="public-certificate-proof",
    ),
    path("public/organizations/<slug:slug>/keys/", public_views.PublicKeysView.as_view(), name="public-keys"),
]
