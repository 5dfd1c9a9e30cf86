"""W3C Bitstring Status Lists: one per organization and purpose (revocation, suspension).

Each certificate's credential gets an entry on both lists at an index drawn at random (a list
must not reveal issuance order). A list's `encodedList` is the bitstring (bit 0 = the most
significant bit of the first byte) GZIP-compressed, then multibase base64url (``u``, no padding).
The list is itself a credential signed by the organization. It is rebuilt after every status
change: public_status_changed (certificates) sends a signal in the transaction of the change;
the receiver marks the lists stale there and rebuilds them after commit, and a stale list is
rebuilt when read, so a failed rebuild delays nothing.
"""

from __future__ import annotations

import base64
import gzip
import secrets
import zlib

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from certificates.models import Certificate
from organizations.models import Organization

from . import signing
from .did_web import organization_did, organization_url
from .models import PortableCredential, StatusList

LIST_SIZE = 131_072  # the spec's minimum: 16 KB of bits, so a list hides which entries are in use
FILL_LIMIT = LIST_SIZE // 2  # a fuller list makes random picks slow and the herd smaller: start another
BITS_BY_PURPOSE = {
    StatusList.Purpose.REVOCATION: Certificate.Status.REVOKED,
    StatusList.Purpose.SUSPENSION: Certificate.Status.SUSPENDED,
}


def encode(indexes, size: int = LIST_SIZE) -> str:
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip("=")


def decode(encoded: str, *, max_bytes: int = 16 * 1024 * 1024) -> bytes:
    """The bitstring of an encodedList; ValueError when it is not one (or inflates past max_bytes)."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url")
    text = encoded[1:]
    compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    inflater = zlib.decompressobj(16 + 15)
    try:
        bits = inflater.decompress(compressed, max_bytes)
    except zlib.error as exc:
        raise ValueError("encodedList is not GZIP data") from exc
    if inflater.unconsumed_tail:
        raise ValueError("encodedList is too large")
    return bits


def bit_set(bits: bytes, index: int) -> bool:
    if index < 0 or index >= len(bits) * 8:
        raise ValueError("statusListIndex is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def list_url(status_list: StatusList) -> str:
    return organization_url(status_list.organization, f"status/{status_list.purpose}/{status_list.number}")


def _open_list(organization: Organization, purpose: str) -> StatusList:
    """The list new entries go on, locked; a new one when the last is full enough."""
    current = (
        StatusList.objects.select_for_update()
        .filter(organization=organization, purpose=purpose)
        .order_by("-number")
        .first()
    )
    if current is not None and current.used < FILL_LIMIT:
        return current
    number = current.number + 1 if current else 1
    return StatusList.objects.create(
        organization=organization, purpose=purpose, number=number, size=LIST_SIZE
    )


def allocate(organization: Organization, purpose: str) -> tuple[StatusList, int]:
    """A free random index on the organization's open list for `purpose` (inside a transaction)."""
    status_list = _open_list(organization, purpose)
    field = f"{purpose}_list"
    while True:
        index = secrets.randbelow(status_list.size)
        if not PortableCredential.objects.filter(**{field: status_list, f"{purpose}_index": index}).exists():
            break
    StatusList.objects.filter(pk=status_list.pk).update(used=status_list.used + 1)
    return status_list, index


def entry(status_list: StatusList, index: int) -> dict:
    url = list_url(status_list)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": status_list.purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def _set_indexes(status_list: StatusList) -> list[int]:
    field = f"{status_list.purpose}_index"
    wanted = BITS_BY_PURPOSE[status_list.purpose]
    rows = PortableCredential.objects.filter(
        Q(**{f"{status_list.purpose}_list": status_list}), certificate__status=wanted
    )
    return list(rows.values_list(field, flat=True))


def build(status_list: StatusList) -> dict:
    """The signed BitstringStatusListCredential of the list as the database has it now."""
    organization = status_list.organization
    url = list_url(status_list)
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": organization_did(organization),
        "validFrom": signing.timestamp(timezone.now()),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose,
            "encodedList": encode(_set_indexes(status_list), status_list.size),
        },
    }
    return signing.sign_as(organization, document)


@transaction.atomic
def rebuild(status_list_id: int) -> StatusList:
    status_list = StatusList.objects.select_for_update().select_related("organization").get(pk=status_list_id)
    status_list.credential = build(status_list)
    status_list.stale = False
    status_list.generated_at = timezone.now()
    status_list.save(update_fields=["credential", "stale", "generated_at"])
    return status_list


def current_credential(status_list: StatusList) -> dict:
    """The list credential to serve: rebuilt first when a change has made it stale (normally the
    after-commit rebuild has done it already; this covers one that failed)."""
    if not (status_list.stale or not status_list.credential):
        return status_list.credential
    try:
        return rebuild(status_list.pk).credential
    except DatabaseError:  # another request is rebuilding it (SQLite locks the table): serve ours
        return build(status_list)


def mark_stale(list_ids: list[int]) -> None:
    """Inside the transaction of a change: mark the lists stale, rebuild them after commit."""
    if not list_ids:
        return
    StatusList.objects.filter(pk__in=list_ids).update(stale=True)

    def _rebuild_all():
        for list_id in list_ids:
            rebuild(list_id)

    transaction.on_commit(_rebuild_all)


def status_lists_follow_public_status(sender, credential_ids, **kwargs) -> None:
    """Receiver of certificates' public_status_changed_signal (connected in apps.py)."""
    rows = PortableCredential.objects.filter(certificate__credential_id__in=list(credential_ids))
    ids = set()
    for revocation_list_id, suspension_list_id in rows.values_list(
        "revocation_list_id", "suspension_list_id"
    ):
        ids.update((revocation_list_id, suspension_list_id))
    mark_stale(sorted(ids))
