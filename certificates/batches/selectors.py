"""Issuance-batch reads, scoped to the actor's organizations."""

from django.db.models import QuerySet

from certificates.models import IssuanceBatch
from organizations.access import Actor


def batches_for_actor(actor: Actor) -> QuerySet[IssuanceBatch]:
    return IssuanceBatch.objects.filter(organization_id__in=actor.organization_ids()).select_related(
        "organization"
    )
