"""Template reads, scoped to the actor's organizations (platform templates are everyone's)."""

from django.db.models import Q, QuerySet

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
    """The template an API caller names by id, among those it may see (None when none is named).

    An id the caller cannot see is a field error (400), like any other bad value in the request:
    it says which field is wrong without saying whether the id exists elsewhere.
    """
    if not template_id:
        return None
    template = templates_for_actor(actor).filter(pk=template_id).first()
    if template is None:
        raise CertificateError(
            f"No template {template_id} in your organizations or the platform's designs.",
            field="template",
            code="unknown_template",
        )
    return template
