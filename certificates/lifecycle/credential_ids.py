"""Public credential ids: unguessable, easy to read aloud and type, with a typo-catching check character.

Format (canonical form, 24 characters)::

    CV-XXXX-XXXX-XXXX-XXXX-C        e.g. CV-7KQ2-M9XD-4HPA-T3BN-R

    ^CV-[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}-[0-9A-HJKMNP-TV-Z]$

* ``CV-`` is a fixed prefix so the id is recognisable on paper and in OCR text.
* Sixteen symbols of Crockford's base32 alphabet (``0-9`` and ``A-Z`` without ``I L O U``) carry
  16 x 5 = **80 bits** from :mod:`secrets`; guessing a valid id is hopeless (2^-80 per try, and the
  public endpoints are rate limited on top).
* The last symbol is a check character from the same alphabet, so an id never contains punctuation
  that is awkward to type or read out. We deliberately do not use Crockford's mod-37 check symbol:
  five of its 37 values are ``* ~ $ = U``, which are hard to dictate and look odd in URLs.

Check character: the 16 data symbols ``d0..d15`` (values 0..31) are the coefficients of a weighted
sum over the finite field GF(32) (polynomial x^5 + x^2 + 1) with weight ``a = x``, evaluated by
Horner's rule: ``acc = a*acc + d`` (``+`` is XOR). The check symbol is chosen so that running the same
rule over all 17 symbols ends at 0. Because ``a != 0`` and ``a + 1 != 0`` in GF(32), this detects
**every** single substituted symbol and **every** transposition of two adjacent (or two-apart) symbols;
the unit tests check that exhaustively for sample ids.

Input normalization (:func:`normalize_credential_id`) follows Crockford: case-insensitive, ``I``
and ``L`` read as ``1``, ``O`` as ``0``; spaces, dashes and the ``CV`` prefix are optional.
``U`` is not part of the alphabet and makes an id malformed.

Misreads (:func:`credential_id_repairs`): a reader that confuses look-alike glyphs (``8``/``B``,
``0``/``D``, ``5``/``S``, ``2``/``Z``, ``6``/``G``; ``O``, ``I`` and ``L`` are already aliases) fails
the check, because every single substitution is detected. The repairs are the ids one such
substitution away that pass it; a failed check is a misreading, never proof of a forgery.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "CV"
GROUPS = 4
GROUP_SIZE = 4
DATA_LENGTH = GROUPS * GROUP_SIZE  # 16 symbols = 80 bits

_SYMBOL = "[0-9A-HJKMNP-TV-Z]"
#: The canonical form without anchors, e.g. for a Django path converter.
CREDENTIAL_ID_PATTERN = rf"{PREFIX}-{_SYMBOL}{{4}}(?:-{_SYMBOL}{{4}}){{3}}-{_SYMBOL}"
CREDENTIAL_ID_RE = re.compile(rf"^{CREDENTIAL_ID_PATTERN}$")

_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
# Crockford's decoding aliases for symbols people (and OCR) confuse.
_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-_.]+")
# Glyphs a reader confuses, after the aliases above: each symbol -> its look-alikes in ALPHABET.
_CONFUSABLE = {
    "8": "B", "B": "8", "0": "D", "D": "0", "5": "S", "S": "5", "2": "Z", "Z": "2", "6": "G", "G": "6",
}  # fmt: skip
_GF32_MODULUS = 0b100101  # x^5 + x^2 + 1, irreducible over GF(2)


def _times_x(value: int) -> int:
    """Multiply a GF(32) element by x (the check weight)."""
    value <<= 1
    if value & 0b100000:
        value ^= _GF32_MODULUS
    return value


def _horner(symbols: str) -> int:
    acc = 0
    for symbol in symbols:
        acc = _times_x(acc) ^ _VALUE[symbol]
    return acc


def check_symbol(data: str) -> str:
    """The check character for 16 canonical data symbols (no prefix, no dashes)."""
    # Chosen so that x*acc + check == 0; in characteristic 2, -v == v.
    return ALPHABET[_times_x(_horner(data))]


def _format(data: str, check: str) -> str:
    groups = [data[i : i + GROUP_SIZE] for i in range(0, DATA_LENGTH, GROUP_SIZE)]
    return "-".join([PREFIX, *groups, check])


def new_credential_id() -> str:
    """A fresh random credential id in canonical form (80 bits from :mod:`secrets`)."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return _format(data, check_symbol(data))


def normalize_credential_id(text: str | None) -> str | None:
    """The canonical form of a typed, pasted or OCR-read id, or None if it is not shaped like one.

    Only the shape is checked here (alphabet and length); use :func:`is_valid_credential_id` to also
    verify the check character, so callers can tell "not an id" from "an id with a typo".
    """
    if not isinstance(text, str):
        return None
    compact = _SEPARATORS.sub("", text).upper()
    if len(compact) == DATA_LENGTH + 1 + len(PREFIX) and compact.startswith(PREFIX):
        compact = compact[len(PREFIX) :]
    if len(compact) != DATA_LENGTH + 1:
        return None
    compact = compact.translate(_ALIASES)
    if any(symbol not in _VALUE for symbol in compact):
        return None
    return _format(compact[:DATA_LENGTH], compact[DATA_LENGTH])


def is_valid_credential_id(text: str | None) -> bool:
    """True when ``text`` normalizes to a credential id whose check character verifies."""
    canonical = normalize_credential_id(text)
    if canonical is None:
        return False
    symbols = canonical.replace("-", "")[len(PREFIX) :]
    return _horner(symbols) == 0


def credential_id_repairs(text: str | None) -> list[str]:
    """The ids one confusable-glyph substitution away from ``text`` whose check character verifies.

    Empty when ``text`` is not shaped like an id or already verifies (nothing to repair). Several
    candidates are possible in principle; the caller decides which, if any, the issuer knows.
    """
    canonical = normalize_credential_id(text)
    if canonical is None or is_valid_credential_id(canonical):
        return []
    symbols = canonical.replace("-", "")[len(PREFIX) :]
    repairs = []
    for index, symbol in enumerate(symbols):
        for alternative in _CONFUSABLE.get(symbol, ""):
            candidate = symbols[:index] + alternative + symbols[index + 1 :]
            if _horner(candidate) == 0:
                repairs.append(_format(candidate[:DATA_LENGTH], candidate[DATA_LENGTH]))
    return repairs
