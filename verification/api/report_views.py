"""The signed verification report's API: create one, delete it, check one, and the published keys."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.parsers import BoundedJSONParser
from core.throttling import PublicLookupThrottle
from organizations.permissions import actor_of
from verification import reports, selectors
from verification.models import VerificationReport, VerificationRequest
from verification.report_signing import published_keys

TOKEN = OpenApiParameter("token", str, description="The verification's access token (anonymous requesters).")

LINKS = inline_serializer(
    "ReportLinks",
    {name: serializers.CharField() for name in ("report_id", "share_url", "json_url", "pdf_url")},
)
CHECK = inline_serializer(
    "ReportCheck",
    {
        "signature_valid": serializers.BooleanField(),
        "key_id": serializers.CharField(allow_null=True),
        "report_id": serializers.CharField(allow_null=True),
        "credential_id": serializers.CharField(allow_null=True),
        "credential_status_then": serializers.CharField(allow_null=True),
        "credential_status_now": serializers.CharField(),
        "changed": serializers.BooleanField(),
    },
)
DOCUMENT = inline_serializer(
    "ReportDocument", {"report": serializers.DictField(), "signature": serializers.DictField()}
)
KEYS = inline_serializer("ReportKeys", {"keys": serializers.ListField(child=serializers.DictField())})


class _Open(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_classes = [PublicLookupThrottle]
    parser_classes = [BoundedJSONParser]

    def token(self) -> str:
        body = self.request.data if isinstance(self.request.data, dict) else {}
        return self.request.query_params.get("token", "") or str(body.get("token", "") or "")


def report_links(report: VerificationReport) -> dict:
    share = reports.share_url(report)
    return {
        "report_id": str(report.pk),
        "share_url": share,
        "json_url": f"{share}/report.json",
        "pdf_url": f"{share}/report.pdf",
    }


class ReportCreateView(_Open):
    """Sign a report of a completed verification you may read; the share link is its capability."""

    queryset = VerificationRequest.objects.none()  # names the path's object for the schema

    @extend_schema(parameters=[TOKEN], request=None, responses={201: LINKS})
    def post(self, request, pk):
        actor = actor_of(request)
        verification = selectors.verification_get(actor, pk, token=self.token())
        report = reports.report_create(actor=actor, verification=verification, token=self.token())
        return Response(report_links(report), status=status.HTTP_201_CREATED)


class ReportDeleteView(_Open):
    """Delete a report: its creator, or the anonymous requester with the verification's token."""

    queryset = VerificationReport.objects.none()

    @extend_schema(parameters=[TOKEN], responses={204: None})
    def delete(self, request, share_token):
        report = reports.report_get_shared(share_token)
        reports.report_delete(actor=actor_of(request), report=report, token=self.token())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReportVerifyView(_Open):
    """Check a report JSON: is the signature a published key's, and has the credential's status changed?"""

    @extend_schema(request=DOCUMENT, responses={200: CHECK})
    def post(self, request):
        document = request.data if isinstance(request.data, dict) else None
        if document is None or not {"report", "signature"} <= document.keys():
            raise reports.VerificationError(
                "Send a CertVerify report: a JSON object with `report` and `signature`."
            )
        return Response(reports.report_verify(document))


class ReportKeysView(_Open):
    """The platform's public keys that sign verification reports (old keys stay listed)."""

    @extend_schema(responses={200: KEYS})
    def get(self, request):
        response = Response({"keys": published_keys()})
        response["Cache-Control"] = "public, max-age=300"
        return response
