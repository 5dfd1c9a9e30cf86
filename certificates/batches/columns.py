"""Which uploaded column feeds which certificate field: the column-mapping step.

A header that already names a field (any case, spaces or underscores: ``Recipient Name``) maps by
itself, and so does ``meta_<key>``. Other headers need a mapping, sent with the upload as
``{"<header as in the file>": "<field>"}``; the field may be ``meta_<key>`` (stored, not printed)
or ``""`` (ignore the column). :func:`suggest` proposes a mapping from common names ("Name",
"Course", "Date of issue") for the portal's mapping step; it is never applied unasked.
"""

from __future__ import annotations

import re

from certificates.errors import CertificateError

REQUIRED = ("recipient_name", "title", "issue_date")
OPTIONAL = ("recipient_email", "expiry_date", "grade", "external_id")
FIELDS = REQUIRED + OPTIONAL
DATE_FIELDS = ("issue_date", "expiry_date")
IGNORE = ""
_META = re.compile(r"^meta_[a-z0-9_]{1,50}$")

SYNONYMS = {
    "recipient_name": (
        "name",
        "full_name",
        "fullname",
        "recipient",
        "student",
        "student_name",
        "participant",
        "participant_name",
        "holder",
        "nom",
        "nombre",
    ),
    "title": ("course", "course_name", "programme", "program", "certificate", "qualification", "degree"),
    "issue_date": ("date", "issued", "issued_on", "date_of_issue", "issue", "completion_date", "awarded"),
    "expiry_date": ("expiry", "expires", "expires_on", "valid_until", "expiration_date", "expiration"),
    "recipient_email": ("email", "e_mail", "mail", "email_address"),
    "grade": ("result", "score", "classification", "mark", "marks"),
    "external_id": ("id", "reference", "ref", "student_id", "roll_number", "roll_no", "enrolment_number"),
}
_BY_SYNONYM = {alias: name for name, aliases in SYNONYMS.items() for alias in aliases}


def normalize(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def own_field(header: str) -> str | None:
    """The field a header names by itself, or None."""
    key = normalize(header)
    return key if key in FIELDS or _META.match(key) else None


def suggest(header: list[str]) -> dict[str, str | None]:
    """Each header's proposed field (None: no guess); a field is proposed at most once."""
    taken = {own_field(h) for h in header} - {None}
    proposal: dict[str, str | None] = {}
    for name in header:
        target = own_field(name)
        if target is None:
            guess = _BY_SYNONYM.get(normalize(name))
            target = guess if guess and guess not in taken else None
            taken.add(target)
        proposal[name] = target
    return proposal


def _bad_target(target: str) -> bool:
    return target != IGNORE and target not in FIELDS and not _META.match(target)


def resolve(header: list[str], column_map: dict[str, str] | None) -> dict[str, str]:
    """original header -> field for every used column; raises a field error naming what is wrong."""
    column_map = {k.strip(): (v or "").strip() for k, v in (column_map or {}).items()}
    stray = [k for k in column_map if k not in header]
    if stray:
        raise CertificateError(
            f"The mapping names column(s) not in the file: {', '.join(stray)}.",
            field="column_map",
            code="invalid_mapping",
        )
    bad = [v for v in column_map.values() if _bad_target(v)]
    if bad:
        raise CertificateError(
            f"Unknown field(s) in the mapping: {', '.join(bad)}. Map to {', '.join(FIELDS)}, "
            "meta_<name> or '' to ignore a column.",
            field="column_map",
            code="invalid_mapping",
        )
    mapping: dict[str, str] = {}
    unknown = []
    for name in header:
        target = column_map[name] if name in column_map else own_field(name)
        if target is None:
            unknown.append(name)
        elif target != IGNORE:
            mapping[name] = target
    _check_complete(header, mapping, unknown)
    return mapping


def _check_complete(header: list[str], mapping: dict[str, str], unknown: list[str]) -> None:
    targets = list(mapping.values())
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        raise CertificateError(
            f"Several columns map to {', '.join(twice)}; keep one.",
            field="column_map",
            code="invalid_mapping",
        )
    missing = [c for c in REQUIRED if c not in targets]
    hints = suggest(header)
    if missing:
        guesses = [f"'{h}' looks like {hints[h]}" for h in unknown if hints.get(h)]
        hint = f" Map your columns ({'; '.join(guesses)})." if guesses else ""
        raise CertificateError(
            f"Missing required column(s): {', '.join(missing)}.{hint}", field="file", code="missing_columns"
        )
    if unknown:
        raise CertificateError(
            f"Unknown column(s): {', '.join(unknown)}. Map each to a field, to meta_<name> "
            "(stored, not printed) or ignore it.",
            field="file",
            code="unknown_columns",
        )
