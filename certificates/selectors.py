"""Certificate reads. Staff reads are scoped to the actor's organizations; public reads are by id."""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from organizations.access import Actor
from organizations.roles import Role

from .credential_ids import normalize_credential_id
from .models import Certificate, CertificateTemplate, IssuanceBatch, SigningKey

_WORD = re.compile(r"[\w@.+-]+", re.UNICODE)


def certificates_for_actor(actor: Actor) -> QuerySet[Certificate]:
    return Certificate.objects.filter(organization_id__in=actor.organization_ids()).select_related(
        "organization", "anchor"
    )


def certificate_get_for_actor(actor: Actor, credential_id: str, *, minimum: str = Role.VIEWER) -> Certificate:
    normalized = normalize_credential_id(credential_id) or credential_id
    certificate = (
        Certificate.objects.filter(
            organization_id__in=actor.organization_ids(minimum), credential_id=normalized
        )
        .select_related("organization", "anchor", "signing_key", "supersedes")
        .first()
    )
    if certificate is None:
        raise Http404("No such certificate.")
    return certificate


def certificate_search(queryset: QuerySet[Certificate], query: str) -> QuerySet[Certificate]:
    """Full-text search (PostgreSQL, GIN-indexed `search_document`) or a LIKE fallback (SQLite).

    Every word must match (prefix match, so typing part of a name works). A query that is a
    credential id matches it exactly.
    """
    query = (query or "").replace("\x00", "").strip()
    if not query:
        return queryset
    credential_id = normalize_credential_id(query)
    if credential_id:
        return queryset.filter(credential_id=credential_id)
    words = _WORD.findall(query)[:8]
    if not words:
        return queryset.none()
    if connection.vendor == "postgresql":
        terms = " & ".join(re.sub(r"[^\w@.+-]", "", w) + ":*" for w in words)
        return queryset.extra(
            where=["certificates_certificate.search_document @@ to_tsquery('simple', %s)"], params=[terms]
        )
    condition = Q()
    for word in words:
        condition &= (
            Q(recipient_name__icontains=word)
            | Q(recipient_email__icontains=word)
            | Q(title__icontains=word)
            | Q(credential_id__icontains=word)
        )
    return queryset.filter(condition)


def certificate_public_get(credential_id: str) -> Certificate:
    normalized = normalize_credential_id(credential_id)
    certificate = (
        Certificate.objects.filter(credential_id=normalized).select_related("organization", "anchor").first()
        if normalized
        else None
    )
    if certificate is None:
        raise Http404("No certificate has this id.")
    return certificate


def templates_for_actor(actor: Actor) -> QuerySet[CertificateTemplate]:
    return CertificateTemplate.objects.filter(
        Q(organization_id__in=actor.organization_ids()) | Q(organization__isnull=True)
    ).select_related("organization")


def batches_for_actor(actor: Actor) -> QuerySet[IssuanceBatch]:
    return IssuanceBatch.objects.filter(organization_id__in=actor.organization_ids()).select_related(
        "organization"
    )


def public_keys_for_organization(slug: str) -> QuerySet[SigningKey]:
    return SigningKey.objects.filter(organization__slug=slug).order_by("-valid_from")
