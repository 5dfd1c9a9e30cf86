"""Account pages outside the portal namespace: the e-mailed verification link lands here.

Mounted by config/urls.py as ``path("accounts/", include("accounts.urls"))``.
"""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("verify-email/", views.verify_email_view, name="verify-email"),
]
