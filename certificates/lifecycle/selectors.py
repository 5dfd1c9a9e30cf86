"""Certificate reads. Staff reads are scoped to the actor's organizations; public reads are by id."""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from certificates.lifecycle.credential_ids import normalize_credential_id
from certificates.lifecycle.detail_shape import ANCHOR_FIELDS, DETAIL_COLUMNS, ORGANIZATION_COLUMNS
from certificates.models import Certificate
from certificates.public_status.precompiled import certificate_read, field_sets
from organizations.access import Actor
from organizations.roles import Role

_WORD = re.compile(r"[\w@.+-]+", re.UNICODE)
SEARCH_FEW_MATCHES = 1000
SEARCH_MAX_ORGANIZATION_TERMS = 50  # beyond this, an OR of organizations costs the index more than it saves


def certificates_for_actor(actor: Actor) -> QuerySet[Certificate]:
    return Certificate.objects.filter(organization_id__in=actor.organization_ids()).select_related(
        "organization", "anchor"
    )


def certificate_get_for_actor(actor: Actor, credential_id: str, *, minimum: str = Role.VIEWER) -> Certificate:
    normalized = normalize_credential_id(credential_id) or credential_id
    # get(), not first(): credential_id is unique, and first() would compile and run an ORDER BY.
    # Only the joins every caller reads; `supersedes` (set on reissues only) loads on access.
    try:
        return Certificate.objects.select_related("organization", "anchor").get(
            organization_id__in=actor.organization_ids(minimum), credential_id=normalized
        )
    except Certificate.DoesNotExist:
        raise Http404("No such certificate.") from None


def certificate_search(
    queryset: QuerySet[Certificate], query: str, *, organization_ids: list[int] | None = None
) -> QuerySet[Certificate]:
    """Full-text search (PostgreSQL, GIN-indexed `search_document`) or a LIKE fallback (SQLite).

    Every word must match; the last one as a prefix, so the word being typed (part of a name)
    matches. Earlier words are whole: a prefix term makes the GIN index merge the lists of every
    word it starts, and two of them cost ~3x one (bench/search_bench.py). A query that is a
    credential id matches it exactly. `organization_ids` (those `queryset` is limited to) lets the
    index skip other organizations' matches: the search document carries '#org<id>' lexemes
    (migration 0003).
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
        lexemes = [re.sub(r"[^\w@.+-]", "", w) for w in words]
        terms = " & ".join([*lexemes[:-1], lexemes[-1] + ":*"])
        organizations = " | ".join(f"'#org{int(pk)}'" for pk in organization_ids or [])
        if organizations and len(organization_ids) <= SEARCH_MAX_ORGANIZATION_TERMS:
            matched = queryset.extra(
                where=[
                    "certificates_certificate.search_document @@ (to_tsquery('simple', %s) && (%s)::tsquery)"
                ],
                params=[terms, organizations],
            )
        else:
            matched = queryset.extra(
                where=["certificates_certificate.search_document @@ to_tsquery('simple', %s)"], params=[terms]
            )
        # PostgreSQL's estimate for a prefix match is often off by 100x or more; with ORDER BY
        # issue_date LIMIT 25 it then walks the organization's whole date index looking for one
        # rare e-mail (seconds at 1M rows). So look the matches up in the GIN index first: a few
        # (the usual case: a person) are fetched by id and sorted; many (a common word) are
        # found quickly by walking the date index, which the planner then rightly chooses.
        ids = list(matched.order_by().values_list("pk", flat=True)[: SEARCH_FEW_MATCHES + 1])
        if len(ids) <= SEARCH_FEW_MATCHES:
            found = queryset.filter(pk__in=ids)
            found.search_matches = len(ids)  # core.pagination need not count them again
            return found
        matched.search_matches_over = SEARCH_FEW_MATCHES  # core.pagination need not count them again
        return matched
    condition = Q()
    for word in words:
        condition &= (
            Q(recipient_name__icontains=word)
            | Q(recipient_email__icontains=word)
            | Q(title__icontains=word)
            | Q(credential_id__icontains=word)
        )
    return queryset.filter(condition)


# What the JWT detail shows (detail_shape.DETAIL_SHAPE), read the same way.
_DETAIL_FIELDS = field_sets(
    certificate=set(DETAIL_COLUMNS),
    organization=set(ORGANIZATION_COLUMNS),
    anchor={"id", *ANCHOR_FIELDS},
)


def certificate_detail_get_for_actor(
    actor: Actor, credential_id: str, *, minimum: str = Role.VIEWER
) -> Certificate:
    """certificate_get_for_actor for the detail endpoint: same scoping and 404s, one precompiled query."""
    normalized = normalize_credential_id(credential_id) or credential_id
    organization_ids = actor.organization_ids(minimum)
    certificate = None
    if organization_ids and normalized and "\x00" not in normalized:
        placeholders = ", ".join(["%s"] * len(organization_ids))
        where = f'c."credential_id" = %s AND c."organization_id" IN ({placeholders})'
        certificate = certificate_read(_DETAIL_FIELDS, where, [normalized, *organization_ids])
    if certificate is None:
        raise Http404("No such certificate.")
    return certificate
