"""The staff portal's URLs, namespace "portal", mounted at /portal/. Each app owns its views."""

from django.urls import path

app_name = "portal"
urlpatterns: list = []
