"""REST endpoints for certificate designs (templates)."""

from django.http import Http404
from rest_framework import viewsets
from rest_framework.parsers import FormParser, MultiPartParser

from certificates.designs import selectors as design_selectors
from certificates.designs import serializers as s
from certificates.designs import services as template_services
from certificates.models import CertificateTemplate
from core.parsers import BoundedJSONParser
from organizations.permissions import ActorMixin
from organizations.roles import Role
from organizations.selectors import organization_get_for_actor


class TemplateViewSet(ActorMixin, viewsets.ModelViewSet):
    """Templates of the caller's organizations plus the platform's shared ones (read-only)."""

    queryset = CertificateTemplate.objects.none()
    serializer_class = s.TemplateSerializer
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]

    def get_queryset(self):
        return design_selectors.templates_for_actor(self.actor)

    def _organization(self, slug):
        return organization_get_for_actor(self.actor, slug or "", minimum=Role.ADMIN)

    def perform_create(self, serializer):
        data = serializer.validated_data
        organization = self._organization((data.get("organization") or {}).get("slug"))
        background = data.get("background")
        serializer.instance = template_services.template_create(
            actor=self.actor,
            organization=organization,
            name=data["name"],
            layout=data.get("layout") or {},
            background=background.read() if background else None,
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        background = data.get("background")
        serializer.instance = template_services.template_update(
            actor=self.actor,
            template=serializer.instance,
            name=data.get("name"),
            layout=data.get("layout"),
            background=background.read() if background else None,
        )

    def perform_destroy(self, instance):
        if instance.organization_id is None:
            raise Http404
        self._organization(instance.organization.slug)
        if instance.certificate_set.exists():
            from certificates.errors import CertificateError

            raise CertificateError("Certificates use this template; it cannot be deleted.", code="in_use")
        instance.delete()
