"""Signing-key writes: an organization's current Ed25519 key for QR payloads, and rotation."""

from django.db import transaction
from django.utils import timezone

from certificates.lifecycle.policy import require_role
from certificates.models import SigningKey
from certificates.signing.keys import generate_keypair
from organizations.access import Actor
from organizations.audit import audit_by
from organizations.models import Organization
from organizations.roles import Role


def signing_key_current(*, organization: Organization) -> SigningKey:
    """The organization's current key, created on first use."""
    key = organization.signing_keys.filter(valid_until__isnull=True).order_by("-valid_from").first()
    if key is not None:
        return key
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)  # one creator at a time
        key = organization.signing_keys.filter(valid_until__isnull=True).first()
        if key is None:
            private, public, key_id = generate_keypair()
            key = SigningKey.objects.create(
                organization=organization, key_id=key_id, public_key_b64=public, private_key_encrypted=private
            )
    return key


@transaction.atomic
def signing_key_rotate(*, actor: Actor, organization: Organization) -> SigningKey:
    """Start a new key; the old one stays published (with its window) so old QR codes verify."""
    require_role(actor, organization, Role.ADMIN)
    # One rotation (or first-key creation) at a time, so two at once cannot leave two current keys.
    Organization.objects.select_for_update().get(pk=organization.pk)
    now = timezone.now()
    organization.signing_keys.filter(valid_until__isnull=True).update(valid_until=now)
    private, public, key_id = generate_keypair()
    key = SigningKey.objects.create(
        organization=organization,
        key_id=key_id,
        public_key_b64=public,
        private_key_encrypted=private,
        valid_from=now,
    )
    audit_by(
        actor, action="signing_key.rotated", organization=organization, target=key, details={"key_id": key_id}
    )
    return key
