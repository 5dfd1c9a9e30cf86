from django.urls import path

from . import views

app_name = "verify"
urlpatterns = [
    path("", views.verify_form, name="form"),
    path("results/<uuid:pk>/", views.verify_result, name="result"),
    path("<str:credential_id>/", views.certificate_page, name="certificate"),
    path("<str:credential_id>/image.png", views.certificate_image, name="certificate-image"),
]
