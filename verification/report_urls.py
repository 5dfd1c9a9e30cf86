"""The signed report's short public links, under /r/ (docs/verification-report.md)."""

from django.urls import path

from . import report_pages

app_name = "report"
urlpatterns = [
    path("verify/", report_pages.report_verify_page, name="verify"),
    path("new/<uuid:pk>/", report_pages.report_create_from_result, name="create"),
    path("<str:share_token>", report_pages.report_page, name="share"),
    path("<str:share_token>/report.json", report_pages.report_json, name="json"),
    path("<str:share_token>/report.pdf", report_pages.report_pdf_download, name="pdf"),
]
