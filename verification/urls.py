from django.urls import path

from . import public_pages

app_name = "verify"
urlpatterns = [
    path("", public_pages.verify_form, name="form"),
    path("results/<uuid:pk>/", public_pages.verify_result, name="result"),
    path("results/<uuid:pk>/upload", public_pages.verify_result_upload, name="result-upload"),
    path("<str:credential_id>/", public_pages.certificate_page, name="certificate"),
    path("<str:credential_id>/image.png", public_pages.certificate_image, name="certificate-image"),
]
