from django.urls import path

from . import public_pages

app_name = "holder"
urlpatterns = [
    path("", public_pages.sign_in, name="sign-in"),
    path("link/<str:token>/", public_pages.magic_link, name="link"),
    path("certificates/", public_pages.mine, name="mine"),
    path("certificates/<str:credential_id>/visibility/", public_pages.set_hidden, name="visibility"),
    path("certificates/<str:credential_id>/report/", public_pages.report_error, name="report"),
]
