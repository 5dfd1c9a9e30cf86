"""Is this name or slug made to pass for a verified organization's?

Both sides are reduced to a key: each character to its confusable skeleton (Unicode TR39 data
from confusable_homoglyphs, so a Cyrillic "е" is an "e"), then the words that say nothing about
who an organization is ("the", "official", "university of") are dropped and the rest sorted.
Equal keys, or keys a fuzzy ratio puts close together, are confusable.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii
from confusable_homoglyphs.confusables import confusables_data
from rapidfuzz.fuzz import ratio

from .models import VERIFIED_LEVELS, Organization

# rapidfuzz ratios (0..100): the distinctive words alone are compared more loosely than the whole
# name, whose generic words ("university") would make any two names look close.
DISTINCT_THRESHOLD, DISTINCT_MIN_LENGTH = 85, 3
WHOLE_THRESHOLD, WHOLE_MIN_LENGTH = 90, 6
NOISE_WORDS = frozenset(
    "the of official real original genuine university univ college institute school academy "
    "foundation inc ltd llc gmbh ev and".split()
)
# TR39 maps these within ASCII too; applied after lower-casing, to both sides alike.
ASCII_SKELETON = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("0", "o"), ("1", "l"), ("i", "l"), ("|", "l"))


def _char_skeleton(char: str) -> str:
    if char.isascii():
        return char
    for glyph in confusables_data.get(char, ()):
        if glyph["c"].isascii() and glyph["c"].isalnum():
            return glyph["c"]
    return anyascii(char)


def skeleton(text: str) -> str:
    """Lower-case ASCII standing for what `text` looks like."""
    text = "".join(_char_skeleton(c) for c in unicodedata.normalize("NFKC", text)).lower()
    for look, same in ASCII_SKELETON:
        text = text.replace(look, same)
    return text


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", skeleton(text))


def identity_keys(text: str) -> tuple[str, str]:
    """(the distinctive words, all words), each sorted and joined."""
    words = _words(text)
    distinct = [w for w in words if w not in NOISE_KEYS] or words
    return "".join(sorted(distinct)), "".join(sorted(words))


def _close(a: str, b: str, threshold: int, min_length: int) -> bool:
    return a == b or (min(len(a), len(b)) >= min_length and ratio(a, b) >= threshold)


def confusable(a: str, b: str) -> bool:
    (distinct_a, whole_a), (distinct_b, whole_b) = identity_keys(a), identity_keys(b)
    if not distinct_a or not distinct_b:
        return False
    return _close(distinct_a, distinct_b, DISTINCT_THRESHOLD, DISTINCT_MIN_LENGTH) or _close(
        whole_a, whole_b, WHOLE_THRESHOLD, WHOLE_MIN_LENGTH
    )


NOISE_KEYS = frozenset(skeleton(word) for word in NOISE_WORDS)


def _verified_others(exclude_pk: int | None):
    verified = Organization.objects.filter(verification_level__in=VERIFIED_LEVELS).exclude(pk=exclude_pk)
    return verified.only("id", "name", "slug", "verified_domain", "website").order_by("pk")


def verified_lookalike_of_name(name: str, *, exclude_pk: int | None = None) -> Organization | None:
    """The verified organization whose name (or slug) `name` could pass for, if any."""
    for other in _verified_others(exclude_pk).iterator():
        if confusable(name, other.name) or confusable(name, other.slug):
            return other
    return None


def verified_lookalike_of_slug(slug: str, *, exclude_pk: int | None = None) -> Organization | None:
    for other in _verified_others(exclude_pk).iterator():
        if confusable(slug, other.slug) or confusable(slug, other.name):
            return other
    return None
