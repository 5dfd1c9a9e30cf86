"""Template reads, scoped to the actor's organizations (platform templates are everyone's)."""

from django.db.models import Q, QuerySet
from django.http import Http404

from certificates.errors import CertificateError
from certificates.models import CertificateTemplate
from organizations.access import Actor
from organizations.models import Organization


def templates_for_actor(actor: Actor) -> QuerySet[CertificateTemplate]:
    return CertificateTemplate.objects.filter(
        Q(organization_id__in=actor.organization_ids()) | Q(organization__isnull=True)
    ).select_related("organization")


def template_check_usable(*, organization: Organization, template: CertificateTemplate | None) -> None:
    """A certificate may use its organization's templates and the platform's, no other's."""
    if template is not None and template.organization_id not in (None, organization.pk):
        raise CertificateError("No such template.", field="template")


def template_get_for_actor(actor: Actor, template_id: int | None) -> CertificateTemplate | None:
    """The template an API caller names by id, among those it may see (None when none is named)."""
    if not template_id:
        return None
    template = templates_for_actor(actor).filter(pk=template_id).first()
    if template is None:
        raise Http404("No such template.")
    return template
