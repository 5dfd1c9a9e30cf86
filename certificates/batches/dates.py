"""Dates as people type them in a spreadsheet.

Accepted: ISO ``2026-06-30``; ``30/06/2026`` or ``06/30/2026`` (also with ``.`` or ``-``) read in
the order the batch chose; Excel serial dates (``46203``, what a date column holds when its format
is lost); and month names in English (``30 June 2026``, ``June 30, 2026``, ``30 Jun 2026``).

Without a chosen order a slashed date is read only when it cannot be misread (``13/06/2026``,
``06/13/2026``, ``05/05/2026``); ``03/04/2026`` is refused as ambiguous, and so is a file whose
slashed dates point both ways. Guessing would silently print the wrong date on a certificate.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

DMY, MDY, AUTO = "dmy", "mdy", ""
DATE_ORDERS = {AUTO: "Not chosen (refuse ambiguous dates)", DMY: "DD/MM/YYYY", MDY: "MM/DD/YYYY"}

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00)?)?$")
_SLASHED = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$")
_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})$", re.I)
_MONTH_DAY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$", re.I)
_MONTHS = "january february march april may june july august september october november december".split()
MONTH_NUMBERS = {name: i for i, name in enumerate(_MONTHS, start=1)} | {
    name[:3]: i for i, name in enumerate(_MONTHS, start=1)
}
MONTH_NUMBERS["sept"] = 9
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug folded in)
SERIAL_RANGE = range(20_000, 80_000)  # 1954 to 2119: a five-digit number outside it is no date

HELP = (
    "Use YYYY-MM-DD, DD/MM/YYYY or MM/DD/YYYY (choose which for the batch), “30 June 2026” or an Excel date."
)


class DateProblem(ValueError):
    pass


def slashed_order(value: str) -> str | None:
    """DMY or MDY when a slashed date can only be read one way; None when ambiguous or not slashed."""
    match = _SLASHED.match(value.strip())
    if not match:
        return None
    first, second = int(match[1]), int(match[3])
    if first > 12 >= second:
        return DMY
    if second > 12 >= first:
        return MDY
    return None


@dataclass(frozen=True)
class DateReader:
    """Reads the dates of one batch with its chosen order (or none) and what the file showed."""

    order: str = AUTO
    conflict: str = ""  # set when, without a chosen order, the file's dates point both ways

    @classmethod
    def for_values(cls, order: str, values) -> DateReader:
        if order:
            return cls(order)
        seen: dict[str, str] = {}
        for value in values:
            found = slashed_order(value or "")
            if found:
                seen.setdefault(found, value)
        if len(seen) == 2:
            return cls(AUTO, f"the file has both {seen[DMY]} (DD/MM/YYYY) and {seen[MDY]} (MM/DD/YYYY)")
        return cls(AUTO)

    def parse(self, value: str) -> dt.date:
        value = value.strip()
        for reader in (_iso, self._slashed, _serial, _named):
            result = reader(value)
            if result is not None:
                return result
        raise DateProblem(f"'{value}' is not a date. {HELP}")

    def _slashed(self, value: str) -> dt.date | None:
        match = _SLASHED.match(value)
        if not match:
            return None
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        order = self.order
        if not order:
            if self.conflict:
                raise DateProblem(f"Choose DD/MM/YYYY or MM/DD/YYYY for this batch: {self.conflict}.")
            order = slashed_order(value) or (DMY if first == second else "")
            if not order:
                raise DateProblem(
                    f"'{value}' could be {_spoken(first, second, year)} or {_spoken(second, first, year)}: "
                    "choose DD/MM/YYYY or MM/DD/YYYY for this batch."
                )
        day, month = (first, second) if order == DMY else (second, first)
        return _date(year, month, day, value, DATE_ORDERS[order])


def _spoken(day: int, month: int, year: int) -> str:
    return f"{day} {_MONTHS[month - 1].capitalize()} {year}" if 1 <= month <= 12 else "?"


def _date(year: int, month: int, day: int, value: str, form: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise DateProblem(f"'{value}' is not a real date in the form {form}.") from exc


def _iso(value: str) -> dt.date | None:
    match = _ISO.match(value)
    return _date(int(match[1]), int(match[2]), int(match[3]), value, "YYYY-MM-DD") if match else None


def _serial(value: str) -> dt.date | None:
    match = _SERIAL.match(value)
    if not match or int(match[1]) not in SERIAL_RANGE:
        return None
    return EXCEL_EPOCH + dt.timedelta(days=int(match[1]))


def _named(value: str) -> dt.date | None:
    match = _DAY_MONTH.match(value)
    if match:
        day, name, year = match[1], match[2], match[3]
    else:
        match = _MONTH_DAY.match(value)
        if not match:
            return None
        name, day, year = match[1], match[2], match[3]
    month = MONTH_NUMBERS.get(name.lower())
    if month is None:
        raise DateProblem(f"'{value}': '{name}' is not a month name in English. {HELP}")
    return _date(int(year), month, int(day), value, "30 June 2026")
