"""Organization-level Blockcerts documents at stable URLs (mounted under /organizations/)."""

from django.urls import path

from certificates.anchoring import rest

urlpatterns = [
    path(
        "<slug:slug>/blockcerts-issuer.json",
        rest.BlockcertsIssuerView.as_view(),
        name="blockcerts-issuer",
    ),
    path(
        "<slug:slug>/blockcerts-revocations.json",
        rest.BlockcertsRevocationsView.as_view(),
        name="blockcerts-revocations",
    ),
]
