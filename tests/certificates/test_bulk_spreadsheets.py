"""Bulk issuance from the spreadsheets people have (issue P.5): dialects, encodings, XLSX, date
forms, the mapping step, the preview, the error report with the rows' data and the ZIP of PDFs."""

import csv
import datetime as dt
import io
import json
import zipfile

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from certificates.batches.dates import DMY, MDY, DateProblem, DateReader
from certificates.batches.reading import MAX_XLSX_UNCOMPRESSED, read_table
from certificates.errors import CertificateError
from certificates.models import Certificate, IssuanceBatch
from tests.conftest import auth_client

pytestmark = pytest.mark.django_db

GOOD = [
    ("José Müller", "MSc Data Science", "g-1"),
    ("Zoë Dubois", "MSc Data Science", "g-2"),
    ("Ana Ibáñez", "MSc Data Science", "g-3"),
]
BAD_EMAIL = "not-an-email"


def _rows(dates: list[str], bad_date: str) -> list[list[str]]:
    """Three good rows (dates in the given forms), then a bad date, a missing name, a bad e-mail."""
    rows = [
        [name, title, date, f"{ref}@example.edu", ref]
        for (name, title, ref), date in zip(GOOD, dates, strict=True)
    ]
    return rows + [
        ["Bad Date", "MSc Data Science", bad_date, "bd@example.edu", "b-1"],
        ["", "MSc Data Science", dates[0], "nn@example.edu", "b-2"],
        ["Bad Mail", "MSc Data Science", dates[0], BAD_EMAIL, "b-3"],
    ]


def _csv(header, rows, delimiter, encoding) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    return out.getvalue().encode(encoding)


def _xlsx(header, rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


STANDARD = ["recipient_name", "title", "issue_date", "recipient_email", "external_id"]
# name: (file bytes, upload options, the good rows' issue dates, the bad date's message)
CASES = {
    # European Excel: semicolons, UTF-8 with a BOM, DD/MM/YYYY chosen, plus ISO.
    "semicolon-csv": (
        _csv(STANDARD, _rows(["30/06/2026", "2026-06-29", "01/07/2026"], "31/02/2026"), ";", "utf-8-sig"),
        {"date_order": DMY},
        [dt.date(2026, 6, 30), dt.date(2026, 6, 29), dt.date(2026, 7, 1)],
        "not a real date",
    ),
    # Excel's plain "CSV" in Western Europe: Windows-1252, commas, month names and unambiguous slashes.
    "cp1252-csv": (
        _csv(STANDARD, _rows(["30 June 2026", "15/07/2026", "July 2, 2026"], "03/04/2026"), ",", "cp1252"),
        {},
        [dt.date(2026, 6, 30), dt.date(2026, 7, 15), dt.date(2026, 7, 2)],
        "choose DD/MM/YYYY or MM/DD/YYYY",
    ),
    # Excel's "Unicode text": UTF-16 with a BOM, tabs, other headers mapped, MM/DD/YYYY and serials.
    "utf16-csv": (
        _csv(
            ["Full Name", "Course", "Date of issue", "E-mail", "Ref", "Notes"],
            [r + ["n"] for r in _rows(["06/30/2026", "46203", "07/01/2026"], "June 31, 2026")],
            "\t",
            "utf-16",
        ),
        {
            "date_order": MDY,
            "column_map": {
                "Full Name": "recipient_name",
                "Course": "title",
                "Date of issue": "issue_date",
                "E-mail": "recipient_email",
                "Ref": "external_id",
                "Notes": "",
            },
        },
        [dt.date(2026, 6, 30), dt.date(2026, 6, 30), dt.date(2026, 7, 1)],
        "not a real date",
    ),
    # XLSX: real date cells and typed text dates.
    "xlsx": (
        _xlsx(
            STANDARD,
            [
                [r[0], r[1], dt.datetime(2026, 6, 30) if i == 0 else r[2], r[3], r[4]]
                for i, r in enumerate(_rows(["2026-06-30", "1 July 2026", "2 Jul 2026"], "someday"))
            ],
        ),
        {},
        [dt.date(2026, 6, 30), dt.date(2026, 7, 1), dt.date(2026, 7, 2)],
        "is not a date",
    ),
}


def _post(client, url, org, name, data, options):
    body = {"organization": org.slug, "file": SimpleUploadedFile(name, data)}
    if options.get("date_order"):
        body["date_order"] = options["date_order"]
    if options.get("column_map"):
        body["column_map"] = json.dumps(options["column_map"])
    return client.post(url, body, format="multipart")


@pytest.mark.parametrize("case", list(CASES))
def test_a_real_spreadsheet_is_previewed_issued_reported_and_zipped(
    case, org, issuer, django_capture_on_commit_callbacks
):
    data, options, dates, bad_date_message = CASES[case]
    client = auth_client(issuer)
    name = "cohort.xlsx" if case == "xlsx" else "cohort.csv"

    preview = _post(client, "/api/v1/certificates/bulk-preview/", org, name, data, options)
    assert preview.status_code == 200, preview.json()
    body = preview.json()
    assert body["mapping_error"] is None
    assert body["summary"] == {"rows": 6, "ready": 3, "with_errors": 3, "already_issued": 0}
    printed = [row["printed"] for row in body["rows"][:3]]
    assert [p["recipient_name"] for p in printed] == [g[0] for g in GOOD]
    assert [p["issue_date"] for p in printed] == [
        d.isoformat() for d in dates
    ]  # the default layout prints ISO
    errors = {row["row"]: row for row in body["error_rows"]}
    assert sorted(errors) == [5, 6, 7]
    assert bad_date_message in errors[5]["errors"][0]["message"]
    assert errors[6]["errors"][0]["column"] == "recipient_name"
    assert BAD_EMAIL in errors[7]["data"].values()
    assert not IssuanceBatch.objects.exists() and not Certificate.objects.exists()  # a preview stores nothing

    with django_capture_on_commit_callbacks(execute=True):
        started = _post(client, "/api/v1/certificates/bulk/", org, name, data, options)
    assert started.status_code == 202, started.json()
    batch = client.get(f"/api/v1/issuance-batches/{started.json()['id']}/").json()
    assert (batch["status"], batch["issued_count"], batch["failed_count"]) == ("completed", 3, 3)
    issued = Certificate.objects.order_by("external_id")
    assert [(c.recipient_name, c.issue_date) for c in issued] == [
        (g[0], d) for g, d in zip(GOOD, dates, strict=True)
    ]

    assert batch["error_report_url"].startswith(settings.SITE_URL + "/api/v1/")
    report = list(csv.reader(io.StringIO(client.get(batch["error_report_url"]).content.decode())))
    assert report[0][:3] == ["row", "column", "message"] and len(report[0]) > 5  # then the file's columns
    assert [line[0] for line in report[1:]] == ["5", "6", "7"]
    assert "Bad Date" in report[1] and BAD_EMAIL in report[3]  # each error carries its row's data

    with django_capture_on_commit_callbacks(execute=True):
        requested = client.post(batch["archive_url"])
    assert requested.status_code == 202
    assert client.get(f"/api/v1/issuance-batches/{batch['id']}/").json()["archive_status"] == "ready"
    download = client.get(batch["archive_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert sorted(archive.namelist()) == sorted(f"{c.credential_id}.pdf" for c in issued)
    assert all(archive.read(n).startswith(b"%PDF") for n in archive.namelist())


def test_headers_that_name_no_field_are_a_mapping_step_not_a_dead_end(org, issuer):
    data = b"Name,Course,Date\nAda Lovelace,Engines,2026-06-30\n"
    client = auth_client(issuer)
    preview = _post(client, "/api/v1/certificates/bulk-preview/", org, "c.csv", data, {}).json()
    assert "issue_date" in preview["mapping_error"]["message"]
    assert [c["field"] for c in preview["columns"]] == ["recipient_name", "title", "issue_date"]  # suggested
    refused = _post(client, "/api/v1/certificates/bulk/", org, "c.csv", data, {})
    assert (
        refused.status_code == 400
        and "'Name' looks like recipient_name" in refused.json()["error"]["message"]
    )
    mapped = {"column_map": {"Name": "recipient_name", "Course": "title", "Date": "issue_date"}}
    assert (
        _post(client, "/api/v1/certificates/bulk-preview/", org, "c.csv", data, mapped).json()["summary"][
            "ready"
        ]
        == 1
    )
    wrong = {"column_map": {"Name": "recipient"}}
    answer = _post(client, "/api/v1/certificates/bulk-preview/", org, "c.csv", data, wrong)
    assert answer.status_code == 200 and answer.json()["mapping_error"]["field"] == "column_map"


def test_the_archive_cannot_be_fetched_before_it_is_built(org, issuer, django_capture_on_commit_callbacks):
    client = auth_client(issuer)
    with django_capture_on_commit_callbacks(execute=True):
        batch = _post(
            client,
            "/api/v1/certificates/bulk/",
            org,
            "c.csv",
            b"recipient_name,title,issue_date\nA,B,2026-01-02\n",
            {},
        ).json()
    early = client.get(batch["archive_url"])
    assert early.status_code == 409 and early.json()["error"]["code"] == "archive_not_ready"


@pytest.mark.parametrize(
    "value, order, expected",
    [
        ("2026-06-30", "", dt.date(2026, 6, 30)),
        ("30/06/2026", "", dt.date(2026, 6, 30)),
        ("06/30/2026", "", dt.date(2026, 6, 30)),
        ("05.05.2026", "", dt.date(2026, 5, 5)),
        ("03/04/2026", DMY, dt.date(2026, 4, 3)),
        ("03/04/2026", MDY, dt.date(2026, 3, 4)),
        ("46203", "", dt.date(2026, 6, 30)),
        ("30 June 2026", "", dt.date(2026, 6, 30)),
        ("Sept 1st, 2026", "", dt.date(2026, 9, 1)),
    ],
)
def test_dates_in_the_forms_people_type(value, order, expected):
    assert DateReader(order).parse(value) == expected


def test_an_ambiguous_or_mixed_date_is_refused_without_a_chosen_order():
    with pytest.raises(DateProblem, match="3 April 2026 or 4 March 2026"):
        DateReader().parse("03/04/2026")
    mixed = DateReader.for_values("", ["13/01/2026", "01/13/2026"])
    with pytest.raises(DateProblem, match="both"):
        mixed.parse("13/01/2026")


def test_a_workbook_that_unpacks_past_the_cap_is_refused_before_it_is_opened():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("xl/worksheets/sheet1.xml", b"\0" * (MAX_XLSX_UNCOMPRESSED + 1))
    with pytest.raises(CertificateError) as refused:
        read_table(out.getvalue())
    assert refused.value.code == "file_too_large" and refused.value.field == "file"
