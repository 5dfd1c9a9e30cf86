"""Keep the cached public status (public_status/cache.py) in step with the issuer it shows."""

from __future__ import annotations

# The issuer fields in public_record (public_status/record.py).
PUBLIC_ORGANIZATION_FIELDS = frozenset(
    {"name", "slug", "website", "verification_level", "verified_domain", "verified_at", "lookalike_of"}
)


def organization_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    """An issuer edit (portal, API or admin) changes its certificates' public status.

    A signal, not a call in organization_update, because the admin saves organizations too.
    """
    if created or (update_fields is not None and not PUBLIC_ORGANIZATION_FIELDS & set(update_fields)):
        return
    from certificates.public_status.services import public_status_changed_for_organization

    public_status_changed_for_organization(organization_id=instance.pk)
