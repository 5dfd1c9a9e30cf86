"""REST endpoints for bulk issuance batches."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action

from certificates.batches import selectors as batch_selectors
from certificates.batches import serializers as s
from certificates.batches import services as batches
from certificates.models import IssuanceBatch
from organizations.permissions import ActorMixin


class IssuanceBatchViewSet(ActorMixin, viewsets.ReadOnlyModelViewSet):
    queryset = IssuanceBatch.objects.none()
    serializer_class = s.IssuanceBatchSerializer

    def get_queryset(self):
        return batch_selectors.batches_for_actor(self.actor)

    @extend_schema(responses={(200, "text/csv"): bytes})
    @action(detail=True, methods=["get"], url_path="errors")
    def errors_csv(self, request, pk=None):
        batch = self.get_object()
        response = HttpResponse(batches.batch_error_report(batch), content_type="text/csv")
        response["Content-Disposition"] = content_disposition_header(True, f"batch-{batch.pk}-errors.csv")
        return response
