"""Public URLs: the holder's certificate page under /c/, the holder's own pages under /holder/."""

from django.urls import path

from . import public_pages

app_name = "holders"
urlpatterns = [
    path("o/<str:token>.gif", public_pages.open_pixel, name="open"),
    path("<str:credential_id>/", public_pages.holder_page, name="page"),
    path("<str:credential_id>/certificate.png", public_pages.download, {"kind": "png"}, name="png"),
    path("<str:credential_id>/certificate.pdf", public_pages.download, {"kind": "pdf"}, name="pdf"),
    path("<str:credential_id>/share/<str:channel>/", public_pages.share, name="share"),
]
