"""The preview before a batch is issued: the columns and their mapping, the first rows as they
will print, and every row's errors. A plain dict, shown by the portal and returned by the API;
nothing is written.
"""

from __future__ import annotations

from certificates.batches import columns
from certificates.batches.dates import slashed_order
from certificates.batches.reading import read_table
from certificates.batches.services import (
    PREVIEW_ERROR_ROWS,
    PREVIEW_ROWS,
    Options,
    check_row,
    first_row_by_external_id,
    read_sheet,
)
from certificates.errors import CertificateError
from certificates.models import CertificateTemplate
from certificates.rendering.render import printed_date
from organizations.models import Organization

PRINTED = ("recipient_name", "title", "grade", "issue_date", "expiry_date")


def _suggested_order(table, mapping_headers) -> str:
    seen = {slashed_order(r.data.get(h, "")) for r in table.rows for h in mapping_headers} - {None}
    return seen.pop() if len(seen) == 1 else ""


def _columns(table, mapping: dict[str, str] | None, options: Options) -> list[dict]:
    proposal = columns.suggest(table.header)
    chosen = options.column_map or {}
    first = table.rows[0].data if table.rows else {}
    return [
        {
            "header": name,
            "field": (mapping or {}).get(name, chosen.get(name, proposal.get(name))) or "",
            "own": columns.own_field(name) is not None,
            "sample": first.get(name, ""),
        }
        for name in table.header
    ]


def _printed(kwargs: dict, layout: dict | None) -> dict:
    shown = {name: kwargs.get(name) or "" for name in PRINTED}
    for name in ("issue_date", "expiry_date"):
        shown[name] = printed_date(kwargs[name], layout) if kwargs.get(name) else ""
    return shown


def batch_preview(
    *,
    organization: Organization,
    data: bytes,
    template: CertificateTemplate | None = None,
    options: Options | None = None,
    limit: int = PREVIEW_ROWS,
) -> dict:
    """What the batch would do. A file that cannot be read raises; a mapping problem is reported."""
    options = options or Options()
    table = read_table(data)
    result = {
        "file": {"kind": table.kind, "encoding": table.encoding, "delimiter": table.delimiter},
        "date_order": options.date_order,
        "mapping_error": None,
        "summary": {"rows": len(table.rows), "ready": 0, "with_errors": 0, "already_issued": 0},
        "rows": [],
        "error_rows": [],
    }
    try:
        sheet = read_sheet(data, options)
    except CertificateError as exc:
        if exc.code not in ("missing_columns", "unknown_columns", "invalid_mapping"):
            raise
        result["mapping_error"] = {"field": exc.field, "message": str(exc)}
        result["columns"] = _columns(table, None, options)
        return result
    result["columns"] = _columns(table, sheet.mapping, options)
    date_headers = [h for h, f in sheet.mapping.items() if f in columns.DATE_FIELDS]
    result["suggested_date_order"] = _suggested_order(table, date_headers) if not options.date_order else ""
    _rows(result, sheet, organization, template, limit)
    return result


def _rows(result: dict, sheet, organization, template, limit: int) -> None:
    first_rows = first_row_by_external_id(sheet)
    issued = set(
        organization.certificates.filter(external_id__in=list(first_rows)).values_list(
            "external_id", flat=True
        )
    )
    layout = template.layout if template else None
    summary = result["summary"]
    for index, row in enumerate(sheet.rows):
        kwargs, errors = check_row(sheet, row, first_rows, layout)
        if errors:
            summary["with_errors"] += 1
            status = "error"
        elif kwargs["external_id"] in issued:
            summary["already_issued"] += 1
            status = "already_issued"
        else:
            summary["ready"] += 1
            status = "ready"
        entry = {
            "row": row.number,
            "status": status,
            "printed": _printed(kwargs, layout) if kwargs else None,
            "errors": [{"column": c, "message": m} for c, m in errors],
            "data": row.data,
        }
        if index < limit:
            result["rows"].append(entry)
        if errors and len(result["error_rows"]) < PREVIEW_ERROR_ROWS:
            result["error_rows"].append(entry)
