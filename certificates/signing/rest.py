"""REST endpoints for an organization's QR signing keys."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from certificates.models import SigningKey
from certificates.signing import selectors as signing_selectors
from certificates.signing import serializers as s
from certificates.signing import services as signing_services
from organizations.permissions import NestedInOrganizationMixin
from organizations.roles import Role


class SigningKeyViewSet(NestedInOrganizationMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The organization's QR signing keys, current and retired. Rotating keeps old QR codes verifying."""

    queryset = SigningKey.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.SigningKeySerializer
    minimum_roles = {"rotate": Role.ADMIN}

    def get_queryset(self):
        return signing_selectors.signing_keys_for_organization(self.get_organization())

    @extend_schema(request=None, responses={201: s.SigningKeySerializer})
    @action(detail=False, methods=["post"])
    def rotate(self, request, organization_slug=None):
        """Start a new key; the current one is retired but stays published with its window."""
        key = signing_services.signing_key_rotate(actor=self.actor, organization=self.get_organization())
        return Response(s.SigningKeySerializer(key).data, status=status.HTTP_201_CREATED)
