"""The Unicode Bidirectional Algorithm (UAX #9), the part a certificate line needs.

A line that mixes scripts ("رقم الشهادة: CV-2026-0042") is drawn in several runs, one per font, and
libraqm shapes each run alone, so the order of the runs on the line is ours to decide. This module
resolves each character's embedding level (paragraph direction from the first strong character,
rules W1–W7 for numbers and separators, N1–N2 for neutrals, I1–I2, L1 for trailing spaces) and
reorders runs by level (L2). Explicit embeddings, overrides and isolates are not honoured: a field
of a certificate is one plain paragraph, and their control characters count as neutrals.
"""

from __future__ import annotations

import unicodedata

_NEUTRAL = {"B", "S", "WS", "ON"}
_EXPLICIT = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI", "BN"}


def paragraph_level(text: str) -> int:
    """0 (left to right) or 1 (right to left), from the first strong character (P2, P3)."""
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind == "L":
            return 0
        if kind in ("R", "AL"):
            return 1
    return 0


def _types(text: str, sos: str) -> list[str]:
    """The bidi classes after W1–W3: marks take their base's class, numbers after Arabic letters are
    Arabic numbers, and Arabic letters are right-to-left letters."""
    types = ["ON" if kind in _EXPLICIT else kind or "L" for kind in map(unicodedata.bidirectional, text)]
    previous, last_strong = sos, sos
    for i, kind in enumerate(types):
        if kind == "NSM":
            types[i] = kind = previous
        if kind in ("L", "R", "AL"):
            last_strong = kind
        elif kind == "EN" and last_strong == "AL":
            types[i] = kind = "AN"
        previous = kind
    return ["R" if kind == "AL" else kind for kind in types]


def _spans(types: list[str], wanted: set[str]):
    """(start, end) of each maximal stretch of types in `wanted`."""
    i = 0
    while i < len(types):
        if types[i] not in wanted:
            i += 1
            continue
        end = i
        while end < len(types) and types[end] in wanted:
            end += 1
        yield i, end
        i = end


def _weak(types: list[str], sos: str) -> list[str]:
    """W4–W7: separators inside numbers, currency and percent signs next to numbers, European
    numbers after left-to-right text."""
    for i in range(1, len(types) - 1):
        before, after = types[i - 1], types[i + 1]
        if before == after and (
            (types[i] == "ES" and before == "EN") or (types[i] == "CS" and before in ("EN", "AN"))
        ):
            types[i] = before
    for start, end in list(_spans(types, {"ET"})):
        if (start > 0 and types[start - 1] == "EN") or (end < len(types) and types[end] == "EN"):
            types[start:end] = ["EN"] * (end - start)
    types = ["ON" if kind in ("ES", "ET", "CS") else kind for kind in types]
    last_strong = sos
    for i, kind in enumerate(types):
        if kind in ("L", "R"):
            last_strong = kind
        elif kind == "EN" and last_strong == "L":
            types[i] = "L"
    return types


def _neutrals(types: list[str], direction: str) -> list[str]:
    """N1–N2: neutrals between two runs of one direction take it (numbers count as right to left),
    other neutrals take the paragraph's."""

    def strong(kind: str) -> str:
        return "L" if kind == "L" else "R"

    for start, end in list(_spans(types, _NEUTRAL)):
        before = direction if start == 0 else strong(types[start - 1])
        after = direction if end == len(types) else strong(types[end])
        types[start:end] = [before if before == after else direction] * (end - start)
    return types


def embedding_levels(text: str) -> list[int]:
    """The resolved embedding level of each character of a one-paragraph text."""
    level = paragraph_level(text)
    direction = "R" if level else "L"
    types = _neutrals(_weak(_types(text, direction), direction), direction)
    if level:
        levels = [level + (kind != "R") for kind in types]
    else:
        levels = [{"R": 1, "AN": 2, "EN": 2}.get(kind, 0) for kind in types]
    for i in reversed(range(len(text))):  # L1: trailing whitespace goes back to the paragraph level
        if unicodedata.bidirectional(text[i]) not in ("WS", *_EXPLICIT):
            break
        levels[i] = level
    return levels


def visual_order(levels: list[int]) -> list[int]:
    """L2: the indices of runs (or characters) at these levels, left to right on the line: from the
    highest level down to the lowest odd one, every stretch at that level or above is reversed."""
    order = list(range(len(levels)))
    odd = [level for level in levels if level % 2]
    if not odd:
        return order
    for floor in range(max(levels), min(odd) - 1, -1):
        at = [levels[i] >= floor for i in order]
        i = 0
        while i < len(order):
            if not at[i]:
                i += 1
                continue
            end = i
            while end < len(order) and at[end]:
                end += 1
            order[i:end] = reversed(order[i:end])
            i = end
    return order
