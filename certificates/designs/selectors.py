"""Template reads, scoped to the actor's organizations (platform templates are everyone's)."""

from django.db.models import Q, QuerySet

from certificates.models import CertificateTemplate
from organizations.access import Actor


def templates_for_actor(actor: Actor) -> QuerySet[CertificateTemplate]:
    return CertificateTemplate.objects.filter(
        Q(organization_id__in=actor.organization_ids()) | Q(organization__isnull=True)
    ).select_related("organization")
