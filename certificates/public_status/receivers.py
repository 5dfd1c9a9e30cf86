"""Keep the cached public status (certificates/cache.py) in step with the issuer it shows."""

from __future__ import annotations

from django.db import transaction

# The issuer fields in public_record (certificates/public.py).
PUBLIC_ORGANIZATION_FIELDS = frozenset({"name", "slug", "website", "is_verified"})


def organization_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    """An issuer edit (portal, API or admin) drops its certificates' cached public status."""
    if created or (update_fields is not None and not PUBLIC_ORGANIZATION_FIELDS & set(update_fields)):
        return
    from certificates.public_status.tasks import drop_public_status_of_organization

    organization_id = instance.pk
    transaction.on_commit(lambda: drop_public_status_of_organization.delay(organization_id))
