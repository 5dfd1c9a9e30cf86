"""Issuance-batch reads, scoped to the actor's organizations."""

from django.db.models import QuerySet

from certificates.models import IssuanceBatch
from organizations.access import Actor


def batches_for_actor(actor: Actor) -> QuerySet[IssuanceBatch]:
    """Started batches (drafts are the portal's unconfirmed uploads, read by draft_get_for_actor)."""
    return (
        IssuanceBatch.objects.filter(organization_id__in=actor.organization_ids())
        .exclude(status=IssuanceBatch.Status.DRAFT)
        .select_related("organization")
    )


def draft_get_for_actor(actor: Actor, pk: int) -> IssuanceBatch | None:
    """The actor's own unconfirmed upload, or None."""
    return (
        IssuanceBatch.objects.filter(
            pk=pk,
            organization_id__in=actor.organization_ids(),
            created_by=actor.user,
            status=IssuanceBatch.Status.DRAFT,
        )
        .select_related("organization", "template")
        .first()
    )
