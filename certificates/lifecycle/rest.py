from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from certificates.batches import preview as batch_preview
from certificates.batches import serializers as batch_serializers
from certificates.batches import services as batches
from certificates.designs import selectors as design_selectors
from certificates.lifecycle import selectors, services
from certificates.lifecycle import serializers as s
from certificates.lifecycle.listing import CertificateFilter, certificates_csv_response
from certificates.models import Certificate
from certificates.rendering import services as rendering_services
from core.downloads import file_response
from core.pagination import SearchPagination
from core.parsers import BoundedJSONParser
from organizations.permissions import ActorMixin
from organizations.roles import Role
from organizations.selectors import organization_get_for_actor


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

    def get_queryset(self):
        return selectors.certificates_for_actor(self.actor).order_by("-issue_date", "-id")

    def get_object(self):
        if self.action == "retrieve":  # the hot read: one precompiled query, same answer
            return selectors.certificate_detail_get_for_actor(self.actor, self.kwargs["credential_id"])
        return selectors.certificate_get_for_actor(self.actor, self.kwargs["credential_id"])

    def get_serializer_class(self):
        return s.CertificateIssueSerializer if self.action == "create" else s.CertificateSerializer

    @extend_schema(summary="List certificates")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Get a certificate")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Issue a certificate",
        description="Issue one certificate, signed and rendered. With an `external_id` the call is idempotent: "
        "the same data again answers 200 with the certificate already issued; other data answers 409 with "
        "the differences in `error.fields`.",
        request=s.CertificateIssueSerializer,
        responses={
            201: OpenApiResponse(s.CertificateSerializer, description="Issued."),
            200: OpenApiResponse(
                s.CertificateSerializer, description="Issued before with this external_id and the same data."
            ),
        },
        examples=[
            OpenApiExample(
                "A degree",
                request_only=True,
                value={
                    "organization": "northwind-university",
                    "recipient_name": "Ada Lovelace",
                    "recipient_email": "ada@example.edu",
                    "title": "MSc Computer Science",
                    "issue_date": "2026-06-30",
                    "grade": "Distinction",
                    "external_id": "2026-MSC-0001",
                    "metadata": {"student_number": "S1815"},
                },
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        data = s.CertificateIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        organization = organization_get_for_actor(self.actor, fields.pop("organization"), minimum=Role.ISSUER)
        template = design_selectors.template_get_for_actor(self.actor, fields.pop("template"))
        certificate, created = services.certificate_issue_or_get(
            actor=self.actor, organization=organization, template=template, **fields
        )
        return Response(
            s.CertificateSerializer(certificate).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _lifecycle(self, service, serializer_class=None):
        certificate = self.get_object()
        kwargs = {}
        if serializer_class is not None:
            data = serializer_class(data=self.request.data)
            data.is_valid(raise_exception=True)
            kwargs = data.validated_data
        updated = service(actor=self.actor, certificate=certificate, **kwargs)
        return Response(s.CertificateSerializer(updated).data)

    @extend_schema(
        summary="Revoke a certificate", request=s.ReasonSerializer, responses=s.CertificateSerializer
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, credential_id=None):
        return self._lifecycle(services.certificate_revoke, s.ReasonSerializer)

    @extend_schema(summary="Undo a revocation (within 24 h)", request=None, responses=s.CertificateSerializer)
    @action(detail=True, methods=["post"])
    def unrevoke(self, request, credential_id=None):
        return self._lifecycle(services.certificate_unrevoke)

    @extend_schema(
        summary="Suspend a certificate", request=s.OptionalReasonSerializer, responses=s.CertificateSerializer
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request, credential_id=None):
        return self._lifecycle(services.certificate_suspend, s.OptionalReasonSerializer)

    @extend_schema(summary="Lift a suspension", request=None, responses=s.CertificateSerializer)
    @action(detail=True, methods=["post"])
    def unsuspend(self, request, credential_id=None):
        return self._lifecycle(services.certificate_unsuspend)

    @extend_schema(
        summary="Reissue a corrected certificate",
        request=s.ReissueSerializer,
        responses={201: s.CertificateSerializer},
    )
    @action(detail=True, methods=["post"])
    def reissue(self, request, credential_id=None):
        response = self._lifecycle(services.certificate_reissue, s.ReissueSerializer)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(summary="Download the certificate's PNG", responses={(200, "image/png"): bytes})
    @action(detail=True, methods=["get"])
    def image(self, request, credential_id=None):
        certificate = rendering_services.certificate_render(certificate=self.get_object())
        return file_response(certificate.image, f"{certificate.credential_id}.png", "image/png", inline=True)

    @extend_schema(summary="Download the certificate's PDF", responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, credential_id=None):
        certificate = rendering_services.certificate_render(certificate=self.get_object())
        return file_response(
            certificate.pdf, f"{certificate.credential_id}.pdf", "application/pdf", inline=False
        )

    @extend_schema(
        summary="Export the filtered list as CSV",
        parameters=[OpenApiParameter("q", str)],
        responses={(200, "text/csv"): bytes},
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The filtered list as CSV (streamed)."""
        queryset = self.filter_queryset(self.get_queryset())
        return certificates_csv_response(queryset, "certificates.csv")

    def _bulk_upload(self, request):
        data = batch_serializers.BulkIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        organization = organization_get_for_actor(self.actor, fields["organization"], minimum=Role.ISSUER)
        template = design_selectors.template_get_for_actor(self.actor, fields["template"])
        options = batches.Options.checked(fields["date_order"], fields["column_map"])
        upload = fields["file"]
        # Read one byte past the limit: the service refuses what is over it.
        return organization, template, options, upload, upload.read(batches.MAX_CSV_BYTES + 1)

    @extend_schema(
        summary="Issue certificates from a spreadsheet",
        request={"multipart/form-data": batch_serializers.BulkIssueSerializer},
        responses={202: batch_serializers.IssuanceBatchSerializer},
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser, BoundedJSONParser])
    def bulk(self, request):
        """Upload a CSV or XLSX; returns 202 with the batch to poll. The same file and options again return
        the same batch."""
        organization, template, options, upload, content = self._bulk_upload(request)
        batch, _created = batches.batch_start(
            actor=self.actor,
            organization=organization,
            data=content,
            file_name=upload.name or "",
            template=template,
            options=options,
        )
        batch.refresh_from_db()
        return Response(
            batch_serializers.IssuanceBatchSerializer(batch, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(
        summary="Preview a spreadsheet before issuing it",
        request={"multipart/form-data": batch_serializers.BulkIssueSerializer},
        responses={200: batch_serializers.BulkPreviewSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk-preview",
        parser_classes=[MultiPartParser, FormParser, BoundedJSONParser],
    )
    def bulk_preview(self, request):
        """The columns and their mapping, the first rows as they will print and every row's errors.
        Nothing is stored or issued."""
        organization, template, options, _upload, content = self._bulk_upload(request)
        batches.check_upload(actor=self.actor, organization=organization, data=content, template=template)
        preview = batch_preview.batch_preview(
            organization=organization, data=content, template=template, options=options
        )
        return Response(preview)
