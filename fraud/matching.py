"""Rules for comparing a field printed on a document with the issuer's record.

Each `compare_*` function returns a `FieldMatch` whose message a non-expert can read. The rules
are deliberately asymmetric in strictness: names, ids, grades and dates decide whether a
certificate was altered, so they forgive only what reading a document can get wrong (accents,
case, spacing, word order, a misread letter inside a long word); titles are compared leniently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, Literal

from anyascii import anyascii
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

# "misread": read differently from a page whose pixels match the original (fraud/layers/registry.py)
MatchStatus = Literal["match", "mismatch", "unreadable", "misread"]

FIELD_LABELS = {
    "recipient_name": "name",
    "title": "title",
    "issue_date": "issue date",
    "expiry_date": "expiry date",
    "credential_id": "credential id",
    "grade": "grade",
    "issuer": "issuer",
}

# Name tokens longer than these get that many edits forgiven (a letter misread by OCR); shorter
# tokens must agree exactly, so "Maria"/"Mario" and "John"/"Jane" stay different people.
NAME_EDIT_BUDGET = ((14, 2), (8, 1))
# Titles: token-sorted similarity (0-100) at or above this is the same title.
TITLE_MATCH_SCORE = 85.0
# Titles: a printed title may drop words (a wrapped line) if it keeps this share of the record's.
TITLE_SUBSET_COVERAGE = 0.7
# Values are compared up to this length. Printed values come from OCR, Gemini and a QR code, all
# steered by the uploader; name pairing is quadratic in words, fuzzy ratios in characters.
MAX_COMPARED_CHARS = 500


@dataclass(frozen=True)
class FieldMatch:
    field: str
    status: MatchStatus
    printed: str | None
    registry: str | None
    score: float  # 0-100, how alike the two values are (informational)
    message: str

    @property
    def matched(self) -> bool:
        return self.status == "match"

    @property
    def mismatched(self) -> bool:
        return self.status == "mismatch"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _label(field: str) -> str:
    return FIELD_LABELS.get(field, field.replace("_", " "))


def _is_blank(value: object) -> bool:
    return value is None or not str(value).strip()


def _bounded(value):
    return value[:MAX_COMPARED_CHARS] if isinstance(value, str) else value


def _unreadable(field: str, printed: str | None, registry: str | None) -> FieldMatch:
    message = f"The {_label(field)} could not be read from the document, so it was not compared."
    return FieldMatch(field, "unreadable", printed, registry, 0.0, message)


def _missing_in_record(field: str, printed: str) -> str:
    label = _label(field)
    return f"The document gives the {label} as '{printed}', but the issuer's record has no {label}."


def _verdict(field: str, ok: bool, printed: str, registry: str, score: float) -> FieldMatch:
    label = _label(field)
    if ok:
        message = f"The {label} on the document, '{printed}', matches the issuer's record."
    else:
        message = (
            f"The {label} on the document, '{printed}', does not match the issuer's record, '{registry}'."
        )
    return FieldMatch(field, "match" if ok else "mismatch", printed, registry, round(score, 1), message)


_LABEL = re.compile(r"^\s*[A-Za-z][A-Za-z. ]{0,24}:\s*(?=\S)")


def _without_label(printed: str, registry: str) -> str:
    """'Grade: A' -> 'A': a reader may keep the printed label (unless the value itself has one)."""
    return printed if ":" in registry else _LABEL.sub("", printed)


# --- names -------------------------------------------------------------------------------------

_GERMAN_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
# Digits never occur in names; when they do, OCR misread a letter of the same shape.
_OCR_DIGITS = str.maketrans({"0": "o", "1": "l", "|": "l", "5": "s", "8": "b", "2": "z", "6": "b", "9": "g"})
_HONORIFICS = frozenset(
    # Not "ma"/"ba": Ma is a common surname.
    "mr mrs ms mx miss dr prof professor sir dame phd dphil msc bsc mba llb llm".split()
)
_NON_WORD = re.compile(r"[^a-z]+")


def _name_tokens(text: str, *, expand_umlauts: bool) -> list[str]:
    """Lower-case ASCII tokens of a name, honorifics dropped."""
    text = unicodedata.normalize("NFC", text)
    if expand_umlauts:
        text = text.translate(_GERMAN_UMLAUTS)
    text = anyascii(text).translate(_OCR_DIGITS).lower()
    # Glyph pairs OCR confuses; applied to both sides, so equal names stay equal.
    text = text.replace("rn", "m").replace("vv", "w")
    # Apostrophes join ("O'Brien" = "OBrien"); every other separator splits.
    text = re.sub(r"['`\u2019]", "", text)
    return [t for t in _NON_WORD.split(text) if t and t not in _HONORIFICS]


def _name_variants(text: str) -> list[list[str]]:
    # "Müller" is written "Muller" or "Mueller" without the umlaut; accept either spelling.
    variants = [_name_tokens(text, expand_umlauts=False), _name_tokens(text, expand_umlauts=True)]
    return [v for i, v in enumerate(variants) if v and v not in variants[:i]]


def _edit_budget(a: str, b: str) -> int:
    longest = max(len(a), len(b))
    return next((edits for length, edits in NAME_EDIT_BUDGET if longest >= length), 0)


def _tokens_agree(a: str, b: str) -> bool:
    """Same name word, allowing a few interior misreads in long words.

    An edit at the first or last letter is never forgiven: that is where names differ
    (Francesco/Francesca, Mark/Park), not where OCR tends to slip.
    """
    if a == b:
        return True
    budget = _edit_budget(a, b)
    if budget == 0 or a[0] != b[0] or a[-1] != b[-1]:
        return False
    return Levenshtein.distance(a, b, score_cutoff=budget) <= budget


def _pair_tokens(printed: list[str], registry: list[str]) -> tuple[list[str], list[str]]:
    """Match each registry word to a printed word; return the unpaired printed and registry words."""
    left = list(printed)
    missing = []
    for word in registry:
        exact = word if word in left else None
        partner = exact or next((p for p in left if _tokens_agree(p, word)), None)
        if partner is None:
            missing.append(word)
        else:
            left.remove(partner)
    return left, missing


def _names_agree(printed: list[str], registry: list[str]) -> bool:
    # Spacing differences ("McDonald"/"Mc Donald", "WangXiaoMing"/"Wang Xiao Ming").
    if "".join(printed) == "".join(registry) or "".join(sorted(printed)) == "".join(sorted(registry)):
        return True
    extra, missing = _pair_tokens(printed, registry)
    # A stray or dropped initial ("John A. Smith") is not a different person; a whole word is.
    return all(len(word) == 1 for word in extra + missing)


def compare_names(printed: str | None, registry: str, *, field: str = "recipient_name") -> FieldMatch:
    """Fuzzy name comparison: accents, case, punctuation, word order and OCR slips forgiven."""
    printed, registry = _bounded(printed), _bounded(registry)
    if _is_blank(printed):
        return _unreadable(field, printed, registry)
    printed_variants = _name_variants(_without_label(printed, registry))
    registry_variants = _name_variants(registry)
    if not printed_variants:
        return _unreadable(field, printed, registry)
    pairs = [(p, r) for p in printed_variants for r in registry_variants]
    ok = any(_names_agree(p, r) for p, r in pairs)
    score = max(
        max(fuzz.token_sort_ratio(" ".join(p), " ".join(r)), fuzz.ratio("".join(p), "".join(r)))
        for p, r in pairs
    )
    return _verdict(field, ok, printed.strip(), registry, score)


# --- titles ------------------------------------------------------------------------------------

_TITLE_STOPWORDS = frozenset(
    "of in on the and for a an to with certificate certification course program programme award".split()
)
_TITLE_ABBREVIATIONS = {
    "bsc": "bachelor science",
    "ba": "bachelor arts",
    "beng": "bachelor engineering",
    "msc": "master science",
    "ma": "master arts",
    "meng": "master engineering",
    "mba": "master business administration",
    "phd": "doctor philosophy",
    "dphil": "doctor philosophy",
    "cert": "",
    "intro": "introduction",
    "mgmt": "management",
}


def _title_words(text: str) -> list[str]:
    words = _NON_WORD.split(anyascii(unicodedata.normalize("NFC", text)).lower().replace("&", " and "))
    expanded = " ".join(_TITLE_ABBREVIATIONS.get(w, w) for w in words if w)
    return [w for w in expanded.split() if w not in _TITLE_STOPWORDS]


def _is_covering_subset(short: list[str], long: list[str]) -> bool:
    """Every printed word is in the record's title and covers most of it (a title cut at a line)."""
    if not short or not set(short) <= set(long):
        return False
    return sum(map(len, short)) >= TITLE_SUBSET_COVERAGE * sum(map(len, long))


def compare_titles(printed: str | None, registry: str, *, field: str = "title") -> FieldMatch:
    """Lenient title comparison: filler words, abbreviations (BSc, MBA) and word order ignored."""
    printed, registry = _bounded(printed), _bounded(registry)
    if _is_blank(printed):
        return _unreadable(field, printed, registry)
    mine, theirs = _title_words(printed), _title_words(registry)
    if not mine:
        return _unreadable(field, printed, registry)
    score = fuzz.token_sort_ratio(" ".join(mine), " ".join(theirs))
    ok = score >= TITLE_MATCH_SCORE or _is_covering_subset(mine, theirs)
    return _verdict(field, ok, printed.strip(), registry, score)


# --- dates -------------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})")
# A month is a whole word of 3 to 9 letters ("may" to "september"). Unanchored, `([a-z]+)` tried
# every letter of a long word as a start and ran to its end: quadratic in the word's length.
_MONTH_WORD = r"(?<![a-z])([a-z]{3,9})"
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?[\s\-/.]+([a-z]{3,9})\.?,?[\s\-/.]+(\d{4})")
_MONTH_DAY_YEAR = re.compile(_MONTH_WORD + r"\.?[\s\-]+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")
_MONTH_YEAR = re.compile(_MONTH_WORD + r"\.?,?\s+(\d{4})")


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _full_year(year: str) -> int:
    # Two-digit years on certificates are this century's.
    return int(year) + 2000 if len(year) == 2 else int(year)


def _numeric_candidates(text: str) -> set[date]:
    match = _NUMERIC.search(text)
    if not match:
        return set()
    first, sep, second, year = int(match[1]), match[2], int(match[3]), _full_year(match[4])
    # Dots are the European day.month.year; slashes and dashes may be either order, so an
    # ambiguous 01/03/2026 stands for both 1 March and 3 January.
    orders = [(second, first)] if sep == "." else [(second, first), (first, second)]
    return {d for month, day in orders if (d := _safe_date(year, month, day))}


def _named_month_candidates(text: str) -> set[date]:
    for pattern, day_at, month_at in ((_DAY_MONTH_YEAR, 1, 2), (_MONTH_DAY_YEAR, 2, 1)):
        for match in pattern.finditer(text):
            month = _MONTHS.get(match[month_at])
            if month and (d := _safe_date(int(match[3]), month, int(match[day_at]))):
                return {d}
    return set()


def parse_printed_date(text: str) -> tuple[set[date], bool]:
    """Dates a printed text may mean, and whether it names only a month ("March 2026")."""
    text = anyascii(text[:MAX_COMPARED_CHARS]).lower().strip()
    if match := _ISO.search(text):
        found = _safe_date(int(match[1]), int(match[2]), int(match[3]))
        return ({found} if found else set()), False
    candidates = _numeric_candidates(text) or _named_month_candidates(text)
    if candidates:
        return candidates, False
    for match in _MONTH_YEAR.finditer(text):
        if month := _MONTHS.get(match[1]):
            return {date(int(match[2]), month, 1)}, True
    return set(), False


def _as_date(value: date | datetime | str) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    candidates, _ = parse_printed_date(value)
    return next(iter(candidates)) if len(candidates) == 1 else None


def _format_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def compare_dates(
    printed: str | date | None, registry_date: date | datetime | str | None, *, field: str = "issue_date"
) -> FieldMatch:
    """Same calendar day after reading the printed date in any common format.

    An ambiguous numeric date (01/03/2026) matches if either reading equals the record; a
    printed month and year ("March 2026") matches a record date in that month.
    """
    printed = _bounded(printed)
    registry = _as_date(registry_date) if registry_date is not None else None
    registry_text = _format_date(registry) if registry else None
    if _is_blank(printed):
        return _unreadable(field, None, registry_text)
    if isinstance(printed, date):
        candidates, month_only, printed_text = {_as_date(printed)}, False, printed.isoformat()
    else:
        printed_text = str(printed).strip()
        candidates, month_only = parse_printed_date(printed_text)
    if not candidates:
        return _unreadable(field, printed_text, registry_text)
    if registry is None:
        message = _missing_in_record(field, printed_text)
        return FieldMatch(field, "mismatch", printed_text, None, 0.0, message)
    if month_only:
        ok = any((d.year, d.month) == (registry.year, registry.month) for d in candidates)
    else:
        ok = registry in candidates
    return _verdict(field, ok, printed_text, registry_text, 100.0 if ok else 0.0)


# --- exact fields ------------------------------------------------------------------------------

# Crockford base32 reads I and L as 1 and O as 0, so a retyped or OCR'd id still matches.
_CROCKFORD = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-_.\u2010-\u2015]+")


def normalize_exact(value: str) -> str:
    """Canonical form of an id or grade: upper case, no separators, Crockford look-alikes folded."""
    text = anyascii(unicodedata.normalize("NFKC", value)).upper()
    return _SEPARATORS.sub("", text).translate(_CROCKFORD)


def _canonical(value: str, optional_prefix: str) -> str:
    text = normalize_exact(value)
    return text[len(optional_prefix) :] if optional_prefix and text.startswith(optional_prefix) else text


def compare_exact(
    printed: str | None, registry: str | None, *, field: str = "credential_id", optional_prefix: str = ""
) -> FieldMatch:
    """Exact comparison after normalization (credential id, grade).

    `optional_prefix` may be present on one side only (credential ids: "CV-").
    """
    printed, registry = _bounded(printed), _bounded(registry)
    if _is_blank(printed):
        return _unreadable(field, printed, registry)
    printed_text = str(printed).strip()
    if _is_blank(registry):
        # The document shows a value the issuer never recorded: that was added.
        message = _missing_in_record(field, printed_text)
        return FieldMatch(field, "mismatch", printed_text, registry, 0.0, message)
    mine = _canonical(_without_label(printed_text, registry), optional_prefix)
    theirs = _canonical(registry, optional_prefix)
    score = fuzz.ratio(mine, theirs)
    return _verdict(field, mine == theirs, printed_text, registry, score)
