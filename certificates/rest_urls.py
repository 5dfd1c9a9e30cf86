"""The certificates app's REST routes (each concept's viewsets live in its rest.py)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from certificates.anchoring.rest import BlockcertsCertificateView
from certificates.batches.rest import IssuanceBatchViewSet
from certificates.designs.rest import TemplateViewSet
from certificates.lifecycle.rest import CertificateViewSet
from certificates.public_status import rest as public_views
from certificates.signing.rest import SigningKeyViewSet

router = SimpleRouter()
router.register("certificates", CertificateViewSet, basename="certificate")
router.register("issuance-batches", IssuanceBatchViewSet, basename="issuance-batch")
router.register("templates", TemplateViewSet, basename="template")

nested = SimpleRouter()
nested.register("signing-keys", SigningKeyViewSet, basename="signing-key")

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
    path(
        "public/certificates/<str:credential_id>/blockcerts/",
        BlockcertsCertificateView.as_view(),
        name="public-certificate-blockcerts",
    ),
    path("public/organizations/<slug:slug>/keys/", public_views.PublicKeysView.as_view(), name="public-keys"),
]
