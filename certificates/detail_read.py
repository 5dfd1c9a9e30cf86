"""The certificate detail read (`GET /api/v1/certificates/{id}/`), as one precompiled query.

`selectors.certificate_get_for_actor` through the ORM spends more CPU compiling its three-table
select (every column of the certificate, its organization and its anchor) than PostgreSQL spends
answering it: about half of the JWT detail's server CPU (DESIGN.md §9, P3). So the SQL is built
once from the model metadata, like `selectors.certificate_public_get_for_status`, and the rows
become model instances through Model.from_db after the same converters the ORM applies: the
fields the detail shows, organization and anchor cached, anything else (`supersedes` included)
loading on access.

Same scoping and answers as the selector: only the actor's organizations (at `minimum`), the
credential id normalized, anything else a 404. It belongs in selectors.py next to the public
one; it lives here while that file is being reworked for search.
"""

from __future__ import annotations

from functools import lru_cache

from django.db import connection
from django.http import Http404

from organizations.access import Actor
from organizations.models import Organization
from organizations.roles import Role

from .credential_ids import normalize_credential_id
from .models import Anchor, Certificate

# What the detail shows (api/serializers.py CertificateSerializer); any other field is deferred
# and loads on access, as with .only(). Not the rendering paths, the canonical fields or qr_text.
_FIELDS = {
    Certificate: {
        "id",
        "organization_id",
        "credential_id",
        "external_id",
        "recipient_name",
        "recipient_email",
        "title",
        "issue_date",
        "expiry_date",
        "grade",
        "metadata",
        "status",
        "status_reason",
        "status_changed_at",
        "supersedes_id",
        "content_hash",
        "anchor_id",
        "merkle_proof",
        "created_at",
    },
    Organization: {"id", "name", "slug", "is_active", "is_verified"},
    Anchor: {"id", "status", "merkle_root", "chain_id", "tx_hash", "block_number", "confirmations", "error"},
}
_MODELS = ((Certificate, "c"), (Organization, "o"), (Anchor, "a"))


@lru_cache(maxsize=64)
def _plan(vendor: str, n_organizations: int):
    """(SQL, per-model slices of the row, converters by column index) for this many organizations."""
    columns, slices, converters = [], [], []
    for model, alias in _MODELS:
        # Model.from_db takes the values in the model's field order.
        names = tuple(f.attname for f in model._meta.concrete_fields if f.attname in _FIELDS[model])
        start = len(columns)
        for name in names:
            field = model._meta.get_field(name)
            col = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                converters.append((len(columns), col, found))
            columns.append(f'{alias}."{field.column}"')
        slices.append((model, names, slice(start, len(columns))))
    placeholders = ", ".join(["%s"] * n_organizations)
    sql = (
        f"SELECT {', '.join(columns)} "
        f'FROM "{Certificate._meta.db_table}" c '
        f'JOIN "{Organization._meta.db_table}" o ON o."id" = c."organization_id" '
        f'LEFT JOIN "{Anchor._meta.db_table}" a ON a."id" = c."anchor_id" '
        f'WHERE c."credential_id" = %s AND c."organization_id" IN ({placeholders})'
    )
    return sql, slices, converters


def certificate_detail_get_for_actor(
    actor: Actor, credential_id: str, *, minimum: str = Role.VIEWER
) -> Certificate:
    normalized = normalize_credential_id(credential_id) or credential_id
    organization_ids = actor.organization_ids(minimum)
    if not organization_ids or not normalized or "\x00" in normalized:
        raise Http404("No such certificate.")
    sql, slices, converters = _plan(connection.vendor, len(organization_ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, [normalized, *organization_ids])
        row = cursor.fetchone()
    if row is None:
        raise Http404("No such certificate.")
    row = list(row)
    for index, col, functions in converters:
        for function in functions:
            row[index] = function(row[index], col, connection)
    db = connection.alias
    (
        (cert_model, cert_names, cert_slice),
        (org_model, org_names, org_slice),
        (_, anchor_names, anchor_slice),
    ) = slices
    certificate = cert_model.from_db(db, cert_names, row[cert_slice])
    certificate.organization = org_model.from_db(db, org_names, row[org_slice])
    anchor_row = row[anchor_slice]
    certificate.anchor = Anchor.from_db(db, anchor_names, anchor_row) if anchor_row[0] is not None else None
    return certificate
