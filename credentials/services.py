"""Credential writes: the one place a certificate's portable-credential record is made."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from certificates.models import Certificate
from organizations.models import Organization

from . import status_lists
from .models import PortableCredential, StatusList


def portable_credential_ensure(*, certificate: Certificate) -> PortableCredential:
    """The certificate's record, made on first use with random entries on both status lists.

    A certificate already revoked or suspended when first asked for marks its lists stale, so the
    bits are set before the list is served again; so does a list opened for it.
    """
    record = PortableCredential.objects.filter(certificate=certificate).select_related(*_RELATED).first()
    if record is not None:
        return record
    try:
        with transaction.atomic():
            Organization.objects.select_for_update().get(pk=certificate.organization_id)  # one allocator
            revocation_list, revocation_index = status_lists.allocate(
                certificate.organization, StatusList.Purpose.REVOCATION
            )
            suspension_list, suspension_index = status_lists.allocate(
                certificate.organization, StatusList.Purpose.SUSPENSION
            )
            record = PortableCredential.objects.create(
                certificate=certificate,
                identity_salt=secrets.token_hex(16),
                revocation_list=revocation_list,
                revocation_index=revocation_index,
                suspension_list=suspension_list,
                suspension_index=suspension_index,
            )
            lists = [revocation_list, suspension_list]
            if certificate.status != Certificate.Status.ISSUED:
                status_lists.mark_stale([status_list.pk for status_list in lists])
            else:  # a list just opened is published before anyone reads it
                status_lists.mark_stale(
                    [status_list.pk for status_list in lists if not status_list.credential]
                )
    except IntegrityError:  # made meanwhile by a concurrent request
        pass
    return PortableCredential.objects.select_related(*_RELATED).get(certificate=certificate)


_RELATED = ("revocation_list__organization", "suspension_list__organization", "certificate__organization")
