from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.client_ip import client_ip
from organizations import identity, selectors, services
from organizations.models import APIKey, AuditEvent, Invitation, Membership
from organizations.permissions import ActorMixin, NestedInOrganizationMixin
from organizations.roles import Role

from . import serializers as s


class OrganizationViewSet(ActorMixin, viewsets.ModelViewSet):
    """Organizations the caller belongs to. Creating one makes the caller its owner."""

    lookup_field = "slug"
    minimum_roles = {
        "update": Role.ADMIN,
        "partial_update": Role.ADMIN,
        "destroy": Role.OWNER,
        "domain_verification": Role.ADMIN,
        "domain_verification_check": Role.ADMIN,
    }

    def get_queryset(self):
        return selectors.organizations_for_actor(self.actor).order_by("name")

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.OrganizationUpdateSerializer
        return s.OrganizationSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actor": self.actor}

    def get_object(self):
        return selectors.organization_get_for_actor(
            self.actor, self.kwargs["slug"], minimum=self.minimum_role()
        )

    def perform_create(self, serializer):
        serializer.instance = services.organization_create(actor=self.actor, **serializer.validated_data)

    def perform_update(self, serializer):
        services.organization_update(
            actor=self.actor, organization=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.organization_deactivate(actor=self.actor, organization=instance)

    @extend_schema(request=s.DomainProofStartSerializer, responses={201: dict})
    @action(detail=True, methods=["post"], url_path="domain-verification")
    def domain_verification(self, request, slug=None):
        """A token for the domain and the two ways to publish it (DNS TXT record, well-known file)."""
        organization = self.get_object()
        data = s.DomainProofStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = identity.domain_proof_start(actor=self.actor, organization=organization, **data.validated_data)
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"], url_path="domain-verification/check")
    def domain_verification_check(self, request, slug=None):
        """Look for the token; the answer is the new verification (or a 400 saying what is missing)."""
        body = identity.domain_proof_check(actor=self.actor, organization=self.get_object())
        return Response(body)


class MemberViewSet(
    NestedInOrganizationMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Membership.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.MemberSerializer
    minimum_roles = {"update": Role.ADMIN, "partial_update": Role.ADMIN, "destroy": Role.VIEWER}

    def get_queryset(self):
        return selectors.memberships_for_organization(self.get_organization())

    def perform_update(self, serializer):
        services.membership_change_role(
            actor=self.actor,
            membership=serializer.instance,
            role=serializer.validated_data.get("role", serializer.instance.role),
        )

    def perform_destroy(self, instance):
        services.membership_remove(actor=self.actor, membership=instance)


class InvitationViewSet(
    NestedInOrganizationMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Invitation.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.InvitationSerializer
    default_minimum_role = Role.ADMIN

    def get_queryset(self):
        return selectors.invitations_for_organization(self.get_organization())

    def perform_create(self, serializer):
        serializer.instance = services.invitation_create(
            actor=self.actor, organization=self.get_organization(), **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.invitation_revoke(actor=self.actor, invitation=instance)


class APIKeyViewSet(
    NestedInOrganizationMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """API keys act for the organization with a role; DELETE revokes (the row stays for audit)."""

    queryset = APIKey.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.APIKeySerializer
    default_minimum_role = Role.ADMIN

    def get_queryset(self):
        return selectors.api_keys_for_organization(self.get_organization())

    @extend_schema(responses={201: s.APIKeyCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, secret = services.api_key_create(
            actor=self.actor, organization=self.get_organization(), **serializer.validated_data
        )
        data = s.APIKeySerializer(key).data | {"key": secret}
        return Response(data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        key = services.api_key_revoke(actor=self.actor, api_key=self.get_object())
        return Response(s.APIKeySerializer(key).data)


class AuditEventViewSet(NestedInOrganizationMixin, viewsets.ReadOnlyModelViewSet):
    queryset = AuditEvent.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.AuditEventSerializer
    filterset_fields = ["action"]

    def get_queryset(self):
        return selectors.audit_events_for_organization(self.get_organization())


class InvitationAcceptView(ActorMixin, APIView):
    @extend_schema(request=s.InvitationTokenSerializer, responses={200: s.MemberSerializer})
    def post(self, request):
        if self.actor.user is None:
            raise Http404
        data = s.InvitationTokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.invitation_accept(
            user=self.actor.user, token=data.validated_data["token"], ip=self.actor.ip
        )
        return Response(s.MemberSerializer(membership).data | {"organization": membership.organization.slug})


class InvitationRegisterView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(request=s.InvitationRegisterSerializer, responses={201: s.MemberSerializer})
    def post(self, request):
        data = s.InvitationRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.invitation_register(ip=client_ip(request), **data.validated_data)
        body = s.MemberSerializer(membership).data | {"organization": membership.organization.slug}
        return Response(body, status=status.HTTP_201_CREATED)
