from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.parsers import BoundedJSONParser
from core.throttling import AnonVerificationReadThrottle
from organizations.permissions import ActorMixin
from verification import explanation, selectors, services
from verification.errors import VerificationThrottled
from verification.models import VerificationRequest

from . import serializers as s

TOKEN = OpenApiParameter(
    "token", str, description="Access token returned at creation (anonymous requesters)."
)


class VerificationViewSet(
    ActorMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Submit a certificate (file and/or credential id) to the fraud pipeline and read the result.

    Anyone may submit (anonymous requests are rate limited). The result is visible to the
    requester — anonymous requesters use the `access_token` returned at creation — and to the
    organization whose certificate or name is involved.
    """

    queryset = VerificationRequest.objects.none()
    serializer_class = s.VerificationSerializer
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]
    throttle_classes = [AnonVerificationReadThrottle]
    filterset_fields = ["verdict", "status", "checked", "credential_status"]

    def get_throttles(self):
        # Starting a verification is counted by the service, in the same buckets, on every path.
        return [] if self.action == "create" else super().get_throttles()

    def get_permissions(self):
        if self.action in ("create", "retrieve", "artifact"):
            return [permissions.AllowAny()]
        return super().get_permissions()

    def get_queryset(self):
        return (
            selectors.verifications_for_actor(self.actor).prefetch_related("layers").order_by("-created_at")
        )

    def _token(self) -> str:
        return self.request.query_params.get("token", "")

    def get_object(self):
        return selectors.verification_get(self.actor, self.kwargs["pk"], token=self._token())

    @extend_schema(
        request={"multipart/form-data": s.VerificationCreateSerializer},
        responses={202: s.VerificationCreatedSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = s.VerificationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            verification = services.verification_create(
                actor=self.actor,
                upload=data.validated_data.get("file"),
                credential_id=data.validated_data.get("credential_id", ""),
            )
        except VerificationThrottled as exc:
            raise Throttled(wait=exc.retry_after) from None  # the API's 429 body, with Retry-After
        verification.refresh_from_db(fields=["status"])
        token = verification.access_token
        return Response(
            {
                "id": verification.pk,
                "status": verification.status,
                "access_token": token,
                "status_url": s.absolute(explanation.status_url(verification, token)),
            },
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(parameters=[TOKEN])
    def retrieve(self, request, *args, **kwargs):
        verification = self.get_object()  # access is checked on every read, cached or not
        token = self._token() if selectors.access_token_matches(verification, self._token()) else ""
        return Response(s.with_access_token(self._representation(verification), token))

    def _representation(self, verification) -> dict:
        """The token-free body, cached once finished: every caller's own token is added after."""
        if verification.status != VerificationRequest.Status.COMPLETED:
            return self.get_serializer(verification).data
        key = services.result_cache_key(verification.pk)
        data = cache.get(key)
        if data is None:
            data = self.get_serializer(verification).data
            cache.set(key, data, 600)
        return data

    def perform_destroy(self, instance):
        services.verification_delete(actor=self.actor, verification=instance)

    @extend_schema(parameters=[TOKEN], responses={(200, "image/png"): bytes})
    @action(detail=True, methods=["get"], url_path=r"artifacts/(?P<layer>[a-z_]+)/(?P<name>[a-z_]+)")
    def artifact(self, request, pk=None, layer=None, name=None):
        verification = self.get_object()
        result = verification.layers.filter(layer=layer).first()
        path = (result.artifacts or {}).get(name) if result else None
        if not path or not default_storage.exists(path):
            raise Http404("No such artifact (uploads and artifacts are deleted after the retention period).")
        response = FileResponse(default_storage.open(path, "rb"), content_type="image/png")
        response["Cache-Control"] = "private, max-age=3600"
        return response
