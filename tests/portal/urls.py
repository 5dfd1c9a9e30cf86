"""The project's URLconf, plus the accounts pages in case config/urls.py does not mount them yet."""

from django.urls import include, path

from config import urls as project_urls

urlpatterns = list(project_urls.urlpatterns)
if not any(getattr(p, "namespace", None) == "accounts" for p in urlpatterns):
    urlpatterns.append(path("accounts/", include("accounts.urls")))
