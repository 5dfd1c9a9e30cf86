import csv

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from certificates.batches import services as batches
from certificates.designs import services as template_services
from certificates.lifecycle import selectors, services
from certificates.lifecycle.export import spreadsheet_safe
from certificates.models import Certificate, CertificateTemplate, IssuanceBatch, SigningKey
from certificates.rest import serializers as s
from core.pagination import SearchPagination
from organizations.permissions import ActorMixin, NestedInOrganizationMixin
from organizations.roles import Role
from organizations.selectors import organization_get_for_actor

EXPORT_COLUMNS = [
    "credential_id",
    "external_id",
    "recipient_name",
    "recipient_email",
    "title",
    "issue_date",
    "expiry_date",
    "grade",
    "effective_status",
    "status_reason",
    "content_hash",
]


class CertificateFilter(filters.FilterSet):
    organization = filters.CharFilter(method="filter_organization")
    status = filters.ChoiceFilter(
        method="filter_status",
        choices=[
            ("issued", "issued"),
            ("suspended", "suspended"),
            ("revoked", "revoked"),
            ("expired", "expired"),
        ],
    )
    issued_after = filters.DateFilter(field_name="issue_date", lookup_expr="gte")
    issued_before = filters.DateFilter(field_name="issue_date", lookup_expr="lte")
    title = filters.CharFilter(field_name="title", lookup_expr="icontains")
    recipient_email = filters.CharFilter(field_name="recipient_email", lookup_expr="iexact")
    q = filters.CharFilter(method="filter_q", label="Search name, e-mail, title or credential id")

    class Meta:
        model = Certificate
        fields = ["organization", "status", "issued_after", "issued_before", "title", "recipient_email", "q"]

    def filter_status(self, queryset, name, value):
        from django.db.models import Q
        from django.utils import timezone

        today = timezone.localdate()
        if value == "expired":
            return queryset.filter(status="issued", expiry_date__lt=today)
        if value == "issued":
            return queryset.filter(Q(expiry_date__isnull=True) | Q(expiry_date__gte=today), status="issued")
        return queryset.filter(status=value)

    def filter_organization(self, queryset, name, value):
        # The slug is resolved first: with a constant organization_id PostgreSQL plans from that
        # organization's statistics (a join on slug hid which organization it was, and at 1M rows
        # the search fell back to scanning the whole organization).
        from organizations.models import Organization

        organization_id = Organization.objects.filter(slug=value).values_list("id", flat=True).first()
        return queryset.filter(organization_id=organization_id) if organization_id else queryset.none()

    def filter_q(self, queryset, name, value):
        from organizations.access import Actor

        # The portal's list builds this filter set without a request; its queryset is one organization's.
        organization_ids = list(Actor.from_request(self.request).organization_ids()) if self.request else None
        return selectors.certificate_search(queryset, value, organization_ids=organization_ids)


def file_response(field_file, filename: str, content_type: str, *, inline: bool) -> FileResponse:
    response = FileResponse(field_file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class CertificateViewSet(
    ActorMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Certificates of the caller's organizations. Create with `organization` (slug)."""

    queryset = Certificate.objects.none()
    pagination_class = SearchPagination
    lookup_field = "credential_id"
    lookup_value_regex = "[^/]+"
    filterset_class = CertificateFilter
    minimum_roles = {
        "revoke": Role.ISSUER,
        "suspend": Role.ISSUER,
        "unsuspend": Role.ISSUER,
        "reissue": Role.ISSUER,
        "unrevoke": Role.ADMIN,
    }

    def get_queryset(self):
        return selectors.certificates_for_actor(self.actor).order_by("-issue_date", "-id")

    def get_object(self):
        if self.action == "retrieve":  # the hot read: one precompiled query, same answer
            return selectors.certificate_detail_get_for_actor(self.actor, self.kwargs["credential_id"])
        return selectors.certificate_get_for_actor(self.actor, self.kwargs["credential_id"])

    def get_serializer_class(self):
        return s.CertificateIssueSerializer if self.action == "create" else s.CertificateSerializer

    @extend_schema(request=s.CertificateIssueSerializer, responses={201: s.CertificateSerializer})
    def create(self, request, *args, **kwargs):
        data = s.CertificateIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        organization = organization_get_for_actor(self.actor, fields.pop("organization"), minimum=Role.ISSUER)
        template_id = fields.pop("template")
        template = (
            selectors.templates_for_actor(self.actor).filter(pk=template_id).first() if template_id else None
        )
        if template_id and template is None:
            raise Http404("No such template.")
        certificate = services.certificate_issue(
            actor=self.actor, organization=organization, template=template, **fields
        )
        return Response(s.CertificateSerializer(certificate).data, status=status.HTTP_201_CREATED)

    def _lifecycle(self, service, serializer_class=None):
        certificate = self.get_object()
        kwargs = {}
        if serializer_class is not None:
            data = serializer_class(data=self.request.data)
            data.is_valid(raise_exception=True)
            kwargs = data.validated_data
        updated = service(actor=self.actor, certificate=certificate, **kwargs)
        return Response(s.CertificateSerializer(updated).data)

    @extend_schema(request=s.ReasonSerializer, responses=s.CertificateSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, credential_id=None):
        return self._lifecycle(services.certificate_revoke, s.ReasonSerializer)

    @extend_schema(request=None, responses=s.CertificateSerializer)
    @action(detail=True, methods=["post"])
    def unrevoke(self, request, credential_id=None):
        return self._lifecycle(services.certificate_unrevoke)

    @extend_schema(request=s.OptionalReasonSerializer, responses=s.CertificateSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, credential_id=None):
        return self._lifecycle(services.certificate_suspend, s.OptionalReasonSerializer)

    @extend_schema(request=None, responses=s.CertificateSerializer)
    @action(detail=True, methods=["post"])
    def unsuspend(self, request, credential_id=None):
        return self._lifecycle(services.certificate_unsuspend)

    @extend_schema(request=s.ReissueSerializer, responses={201: s.CertificateSerializer})
    @action(detail=True, methods=["post"])
    def reissue(self, request, credential_id=None):
        response = self._lifecycle(services.certificate_reissue, s.ReissueSerializer)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(responses={(200, "image/png"): bytes})
    @action(detail=True, methods=["get"])
    def image(self, request, credential_id=None):
        certificate = services.certificate_render(certificate=self.get_object())
        return file_response(certificate.image, f"{certificate.credential_id}.png", "image/png", inline=True)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, credential_id=None):
        certificate = services.certificate_render(certificate=self.get_object())
        return file_response(
            certificate.pdf, f"{certificate.credential_id}.pdf", "application/pdf", inline=False
        )

    @extend_schema(parameters=[OpenApiParameter("q", str)], responses={(200, "text/csv"): bytes})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The filtered list as CSV (streamed)."""
        queryset = self.filter_queryset(self.get_queryset())

        def rows():
            yield EXPORT_COLUMNS
            for cert in queryset.iterator(chunk_size=2000):
                yield [spreadsheet_safe(getattr(cert, c)) for c in EXPORT_COLUMNS]

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())
        response = StreamingHttpResponse((writer.writerow(r) for r in rows()), content_type="text/csv")
        response["Content-Disposition"] = content_disposition_header(True, "certificates.csv")
        return response

    @extend_schema(
        request={"multipart/form-data": s.BulkIssueSerializer}, responses={202: s.IssuanceBatchSerializer}
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def bulk(self, request):
        """Upload a CSV; returns 202 with the batch to poll. The same file again returns the same batch."""
        data = s.BulkIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organization = organization_get_for_actor(
            self.actor, data.validated_data["organization"], minimum=Role.ISSUER
        )
        upload = data.validated_data["file"]
        if upload.size > batches.MAX_CSV_BYTES:
            return Response(
                {
                    "error": {
                        "code": "file_too_large",
                        "message": "The file is larger than 10 MB.",
                        "fields": {"file": ["The file is larger than 10 MB."]},
                    }
                },
                status=400,
            )
        batch, _created = batches.batch_start(
            actor=self.actor, organization=organization, data=upload.read(), file_name=upload.name or ""
        )
        batch.refresh_from_db()
        return Response(s.IssuanceBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class IssuanceBatchViewSet(ActorMixin, viewsets.ReadOnlyModelViewSet):
    queryset = IssuanceBatch.objects.none()
    serializer_class = s.IssuanceBatchSerializer

    def get_queryset(self):
        return selectors.batches_for_actor(self.actor)

    @extend_schema(responses={(200, "text/csv"): bytes})
    @action(detail=True, methods=["get"], url_path="errors")
    def errors_csv(self, request, pk=None):
        batch = self.get_object()
        response = HttpResponse(batches.batch_error_report(batch), content_type="text/csv")
        response["Content-Disposition"] = content_disposition_header(True, f"batch-{batch.pk}-errors.csv")
        return response


class TemplateViewSet(ActorMixin, viewsets.ModelViewSet):
    """Templates of the caller's organizations plus the platform's shared ones (read-only)."""

    queryset = CertificateTemplate.objects.none()
    serializer_class = s.TemplateSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return selectors.templates_for_actor(self.actor)

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


class SigningKeyViewSet(NestedInOrganizationMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The organization's QR signing keys, current and retired. Rotating keeps old QR codes verifying."""

    queryset = SigningKey.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.SigningKeySerializer
    minimum_roles = {"rotate": Role.ADMIN}

    def get_queryset(self):
        return selectors.signing_keys_for_organization(self.get_organization())

    @extend_schema(request=None, responses={201: s.SigningKeySerializer})
    @action(detail=False, methods=["post"])
    def rotate(self, request, organization_slug=None):
        """Start a new key; the current one is retired but stays published with its window."""
        key = services.signing_key_rotate(actor=self.actor, organization=self.get_organization())
        return Response(s.SigningKeySerializer(key).data, status=status.HTTP_201_CREATED)
