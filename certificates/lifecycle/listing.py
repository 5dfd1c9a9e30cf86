"""The certificate list's filters and its CSV export, shared by the API and the portal."""

import csv

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from django_filters import rest_framework as filters

from certificates.lifecycle import selectors
from certificates.lifecycle.export import spreadsheet_safe
from certificates.models import Certificate

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


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a stream."""

    def write(self, value):
        return value


def certificates_csv_response(queryset: QuerySet, filename: str) -> StreamingHttpResponse:
    """The certificates as CSV with EXPORT_COLUMNS, streamed (the API's and the portal's export)."""
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(EXPORT_COLUMNS)
        for certificate in queryset.iterator(chunk_size=2000):
            values = (getattr(certificate, column) for column in EXPORT_COLUMNS)
            yield writer.writerow([spreadsheet_safe(value) for value in values])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
