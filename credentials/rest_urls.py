"""The credentials app's API routes (included under /api/v1/ from config/urls.py)."""

from django.urls import path

from . import rest

urlpatterns = [
    path(
        "public/certificates/<str:credential_id>/credential/",
        rest.PublicCredentialView.as_view(),
        name="public-certificate-credential",
    ),
    path(
        "public/certificates/<str:credential_id>/credential/badge.png",
        rest.PublicBakedBadgeView.as_view(),
        name="public-certificate-badge",
    ),
]
