"""Reading an uploaded spreadsheet into a header and raw rows: CSV in any common dialect, or XLSX.

CSV: the encoding is told by its byte-order mark (UTF-8, UTF-16 as Excel's "Unicode text" writes
it), else UTF-8, else Windows-1252 (what Excel's plain "CSV" writes in Western Europe); the
delimiter is sniffed among , ; tab | (European Excel writes semicolons). XLSX is an untrusted zip:
its members' declared sizes are capped before openpyxl opens it (zipfile never inflates a member
past its declared size), and it is read in openpyxl's read-only mode, first sheet, bounded by the
same row and column caps as a CSV.

Values come back as stripped strings; an XLSX date cell becomes ISO ``YYYY-MM-DD`` and a number its
plain digits (a date column holding numbers is read as Excel serial dates by dates.py).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings

from certificates.errors import CertificateError

MAX_COLUMNS = 1_000  # a header of more names is not a list of certificates
MAX_XLSX_UNCOMPRESSED = 64 * 1024 * 1024  # declared sizes of all members together
MAX_XLSX_MEMBERS = 2_000
DELIMITERS = ",;\t|"
SNIFF_BYTES = 16 * 1024


@dataclass
class Row:
    number: int  # as the spreadsheet numbers it: the header is row 1
    data: dict[str, str]  # original header -> value, as uploaded


@dataclass
class Table:
    kind: str  # "csv" or "xlsx"
    header: list[str]
    rows: list[Row]
    encoding: str = ""
    delimiter: str = ""
    notes: list[str] = field(default_factory=list)


def _refuse(message: str, code: str = "invalid_csv") -> CertificateError:
    return CertificateError(message, field="file", code=code)


def read_table(data: bytes) -> Table:
    """The header and up to CSV_MAX_ROWS + 1 rows (the caller refuses the extra one)."""
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    text, encoding = decode_text(data)
    return _read_csv(text, encoding)


# --- CSV ------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a CSV file."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise _refuse(f"The file starts as {encoding} but is not valid {encoding}.") from exc
    head = data[:2048]
    if head and head.count(0) > len(head) // 4:  # UTF-16 without a mark: every other byte is 0
        encoding = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            raise _refuse("The file looks like UTF-16 text but is not valid UTF-16.") from exc
    for encoding in ("utf-8", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text, encoding
    raise _refuse(
        "The file is not text in UTF-8, UTF-16 or Windows-1252. Save the spreadsheet as "
        "CSV UTF-8 or as an Excel workbook (.xlsx)."
    )


def sniff_delimiter(text: str) -> str:
    """csv.Sniffer over the first lines, checked against the header; else the header's commonest."""
    sample = text[:SNIFF_BYTES]
    first_line = sample.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = ""
    if delimiter and delimiter in first_line:
        return delimiter
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _records(reader: Iterable[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """(record number, cells) for each non-blank record; the header is record 1."""
    for number, cells in enumerate(reader, start=1):
        if any(cell.strip() for cell in cells):
            yield number, cells


def _read_csv(text: str, encoding: str) -> Table:
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table("csv", _records(reader), encoding=encoding, delimiter=delimiter)
    except csv.Error as exc:
        raise _refuse(f"The CSV could not be read: {exc}.") from exc


def _table(kind: str, records: Iterator[tuple[int, list[str]]], **info) -> Table:
    first = next(records, None)
    if first is None:
        raise _refuse("The file is empty.", code="empty_csv")
    raw_header = first[1]
    if len(raw_header) > MAX_COLUMNS:
        raise _refuse(f"At most {MAX_COLUMNS} columns.", code="too_many_columns")
    header = [name.strip() for name in raw_header]
    seen: set[str] = set()
    for name in header:
        if name and name.lower() in seen:
            raise _refuse(f"The column '{name}' appears twice in the header.", code="duplicate_columns")
        seen.add(name.lower())
    rows = [
        Row(
            number,
            {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header) if name},
        )
        for number, cells in itertools.islice(records, settings.CSV_MAX_ROWS + 1)
    ]
    return Table(kind, [name for name in header if name], rows, **info)


# --- XLSX -----------------------------------------------------------------------------------------


def _check_zip(data: bytes) -> None:
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _refuse("The file is not a readable Excel workbook (.xlsx).", code="invalid_xlsx") from exc
    if len(members) > MAX_XLSX_MEMBERS or sum(m.file_size for m in members) > MAX_XLSX_UNCOMPRESSED:
        raise _refuse(
            f"The workbook unpacks to more than {MAX_XLSX_UNCOMPRESSED // 2**20} MB; "
            "keep only the sheet with the certificates.",
            code="file_too_large",
        )


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _trimmed(cells: list[str]) -> list[str]:
    """Without the empty cells read-only mode pads each row with up to max_col."""
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _read_xlsx(data: bytes) -> Table:
    import openpyxl  # only a workbook upload pays for the import

    _check_zip(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise _refuse("The file is not a readable Excel workbook (.xlsx).", code="invalid_xlsx") from exc
    try:
        sheet = workbook.worksheets[0]
        cells = sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True)
        records = (
            (number, _trimmed([cell_text(v) for v in row])) for number, row in enumerate(cells, start=1)
        )
        blank_free = ((n, c) for n, c in records if any(c))
        return _table("xlsx", blank_free, notes=[f"sheet “{sheet.title}”"])
    except CertificateError:
        raise
    except Exception as exc:
        raise _refuse(f"The workbook could not be read: {exc}.", code="invalid_xlsx") from exc
    finally:
        workbook.close()
