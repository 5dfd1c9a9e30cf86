"""The project's URLs plus the baseline: a bare Django JSON view through the full middleware stack,
and the metrics endpoint as the deployment would mount it (core/metrics.py decides who may read it)."""

from django.http import JsonResponse
from django.urls import include, path

from core.metrics import metrics_view


def bare(request):
    return JsonResponse({"status": "ok"})


# Last, like /health/live: the baseline pays the project's URL resolution like any route would.
urlpatterns = [
    path("", include("config.urls")),
    path("metrics", metrics_view),
    path("bench/bare/", bare),
]
