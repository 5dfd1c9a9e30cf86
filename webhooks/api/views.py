from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from organizations.models import Organization
from organizations.permissions import ActorMixin
from organizations.roles import Role
from organizations.selectors import organization_get_for_actor
from webhooks import selectors, services
from webhooks.models import Delivery, Endpoint

from . import serializers as s


class EndpointViewSet(ActorMixin, viewsets.ModelViewSet):
    """Webhook endpoints of the organizations where the caller is an admin or owner.

    The signing secret is returned only by create and rotate-secret.
    """

    queryset = Endpoint.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.EndpointSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.endpoints_for_actor(
            self.actor, organization=self.request.query_params.get("organization")
        )

    @extend_schema(
        parameters=[OpenApiParameter("organization", OpenApiTypes.STR, description="Organization slug.")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_object(self) -> Endpoint:
        return selectors.endpoint_get_for_actor(self.actor, self.kwargs["pk"])

    def get_serializer_class(self):
        return s.EndpointCreateSerializer if self.action == "create" else s.EndpointSerializer

    def _organization_for_create(self, request) -> Organization:
        # Tenancy first: an outsider naming another organization gets 404 before any validation.
        slug = request.data.get("organization") if hasattr(request.data, "get") else None
        if not slug and self.actor.api_key is not None:
            slug = self.actor.api_key.organization.slug
        if not slug or not isinstance(slug, str):
            raise ValidationError({"organization": ["This field is required."]})
        return organization_get_for_actor(self.actor, slug, minimum=Role.ADMIN)

    @extend_schema(responses={201: s.EndpointWithSecretSerializer})
    def create(self, request, *args, **kwargs):
        organization = self._organization_for_create(request)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = {k: v for k, v in serializer.validated_data.items() if k != "organization"}
        endpoint, secret = services.endpoint_create(actor=self.actor, organization=organization, **fields)
        return Response(
            s.EndpointSerializer(endpoint).data | {"secret": secret}, status=status.HTTP_201_CREATED
        )

    def perform_update(self, serializer):
        services.endpoint_update(actor=self.actor, endpoint=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.endpoint_delete(actor=self.actor, endpoint=instance)

    @extend_schema(request=None, responses={200: s.EndpointWithSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """New secret now; the previous one keeps signing (a second signature) for 24 hours."""
        endpoint, secret = services.endpoint_rotate_secret(actor=self.actor, endpoint=self.get_object())
        return Response(s.EndpointSerializer(endpoint).data | {"secret": secret})

    @extend_schema(request=None, responses={202: s.DeliverySerializer})
    @action(detail=True, methods=["post"], url_path="test")
    def send_test(self, request, pk=None):
        """Send a `webhook.test` event to this endpoint."""
        delivery = services.endpoint_send_test(actor=self.actor, endpoint=self.get_object())
        return Response(s.DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={200: s.DeliverySerializer(many=True)},
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=Delivery.Status.values),
            OpenApiParameter("event", OpenApiTypes.STR, description="Only attempts for this webhook-id."),
        ],
    )
    @action(detail=True, methods=["get"], serializer_class=s.DeliverySerializer)
    def deliveries(self, request, pk=None):
        """Every attempt to deliver to this endpoint, newest first, including scheduled retries."""
        deliveries = selectors.deliveries_for_endpoint(
            self.get_object(),
            status=request.query_params.get("status"),
            event=request.query_params.get("event"),
        )
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(s.DeliverySerializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses={202: s.DeliverySerializer},
        parameters=[OpenApiParameter("delivery_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[^/.]+)/redeliver",
        serializer_class=s.DeliverySerializer,
    )
    def redeliver(self, request, pk=None, delivery_id=None):
        """Send this delivery's event again now (same webhook-id, so receivers can deduplicate)."""
        delivery = selectors.delivery_get_for_endpoint(self.get_object(), delivery_id)
        attempt = services.delivery_redeliver(actor=self.actor, delivery=delivery)
        return Response(s.DeliverySerializer(attempt).data, status=status.HTTP_202_ACCEPTED)
