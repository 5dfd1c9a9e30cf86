from django.urls import path
from rest_framework.routers import SimpleRouter

from . import report_views, views

router = SimpleRouter()
router.register("verifications", views.VerificationViewSet, basename="verification")
urlpatterns = [
    path(
        "verifications/<uuid:pk>/report/", report_views.ReportCreateView.as_view(), name="verification-report"
    ),
    path("reports/verify/", report_views.ReportVerifyView.as_view(), name="report-verify"),
    path("reports/<str:share_token>/", report_views.ReportDeleteView.as_view(), name="report-delete"),
    path("public/report-keys/", report_views.ReportKeysView.as_view(), name="report-keys"),
    *router.urls,
]
