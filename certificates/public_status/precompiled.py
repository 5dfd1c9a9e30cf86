"""One certificate with its organization and anchor, read by SQL built once per shape.

On the hot reads (the public status lookup, the JWT detail) the ORM spends more CPU compiling a
three-table select than PostgreSQL spends answering it (DESIGN.md §9, P2/P3). So the SELECT is
built from the model metadata once per (fields, WHERE) and rows become model instances through
Model.from_db, after the same converters the ORM applies. Fields not read are deferred and load
on access, as with .only(); organization and anchor come attached.
"""

from __future__ import annotations

from functools import lru_cache

from django.db import connection

from certificates.models import Anchor, Certificate
from organizations.models import Organization

FieldSets = tuple[tuple[type, frozenset[str]], ...]  # (Certificate, …), (Organization, …), (Anchor, …)
_ALIASES = {Certificate: "c", Organization: "o", Anchor: "a"}


def field_sets(certificate: set[str], organization: set[str], anchor: set[str]) -> FieldSets:
    return (
        (Certificate, frozenset(certificate)),
        (Organization, frozenset(organization)),
        (Anchor, frozenset(anchor)),
    )


@lru_cache(maxsize=64)
def _plan(vendor: str, fields: FieldSets, where: str):
    """(SQL, per-model slices of the row, converters by column index)."""
    columns, slices, converters = [], [], []
    for model, wanted in fields:
        # Model.from_db takes the values in the model's field order.
        names = tuple(f.attname for f in model._meta.concrete_fields if f.attname in wanted)
        start = len(columns)
        for name in names:
            field = model._meta.get_field(name)
            col = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                converters.append((len(columns), col, found))
            columns.append(f'{_ALIASES[model]}."{field.column}"')
        slices.append((model, names, slice(start, len(columns))))
    sql = (
        f"SELECT {', '.join(columns)} "
        f'FROM "{Certificate._meta.db_table}" c '
        f'JOIN "{Organization._meta.db_table}" o ON o."id" = c."organization_id" '
        f'LEFT JOIN "{Anchor._meta.db_table}" a ON a."id" = c."anchor_id" '
        f"WHERE {where}"
    )
    return sql, slices, converters


def certificate_read(fields: FieldSets, where: str, params: list) -> Certificate | None:
    """The certificate matching `where` (aliases c, o, a; %s placeholders), or None."""
    sql, slices, converters = _plan(connection.vendor, fields, where)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
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
