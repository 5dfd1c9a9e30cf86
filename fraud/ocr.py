"""Local OCR (RapidOCR on onnxruntime; its models ship inside the wheel) and a field parser.

`ocr_text` returns the page's text lines with boxes; `parse_certificate_fields` turns them into
the fields a certificate prints (recipient, title, dates, grade, credential id, issuer). The
engine is loaded once per process on first use, and calls are serialized: two concurrent OCR
runs on a 2-core worker only slow each other down and double the memory.
"""

from __future__ import annotations

import re
import threading
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

MAX_WIDTH = 1600  # the page the recognizer crops lines from: wide enough for 9-pt text on A4
# The detector only has to find the lines, and its memory and time grow with the area it sees: at
# 960 px it needs half the CPU and ~300 MiB less than at 1600, and finds the same lines (the text
# of a certificate is at least ~15 px high there).
DET_MAX_SIDE = 960
OcrLine = tuple[str, tuple[int, int, int, int], float]  # text, (x, y, w, h) in input pixels, confidence

_engine: Any = None
_engine_lock = threading.Lock()
_run_lock = threading.Lock()


def _get_engine():
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                from rapidocr import RapidOCR

                _engine = RapidOCR(
                    params={
                        "Global.log_level": "warning",
                        # Only used to draw results; any path stops RapidOCR downloading a font.
                        "Global.font_path": _font_path(),
                        "Global.use_cls": False,  # pages are upright; saves a model pass
                        "Det.limit_type": "max",
                        "Det.limit_side_len": MAX_WIDTH,
                        # One thread: ~40 % less CPU than two spinning ones, and a 2-core worker
                        # runs other tasks beside it.
                        "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                    }
                )
                _limit_detector(_engine.text_det)
    return _engine


def _limit_detector(detector) -> None:
    """Make the detector downscale to DET_MAX_SIDE. RapidOCR's "max" mode picks its own limit
    (960, 1500 or 2000 by the input's size) and ignores Det.limit_side_len, so set it here."""
    from rapidocr.ch_ppocr_det.utils import DetPreProcess

    detector.get_preprocess = lambda max_side: DetPreProcess(DET_MAX_SIDE, "max", detector.mean, detector.std)


def warm_up() -> None:
    """Load the OCR models now (about 1-2 s) rather than in the first verification."""
    _get_engine()


def _font_path() -> str:
    for candidate in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    ):
        if Path(candidate).exists():
            return candidate
    return str(Path(__file__).with_name("unused-ocr-font.ttf"))


def ocr_text(image: Image.Image) -> list[OcrLine]:
    """Text lines in reading order, boxes in the pixels of `image`."""
    page = image if image.mode == "RGB" else image.convert("RGB")
    scale = 1.0
    if page.width > MAX_WIDTH:
        scale = MAX_WIDTH / page.width
        # reducing_gap: a cheap box reduction first, then LANCZOS on an image near the target size.
        size = (MAX_WIDTH, max(1, round(page.height * scale)))
        page = page.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    engine = _get_engine()
    with _run_lock:
        out = engine(np.asarray(page), return_word_box=True, return_single_char_box=True)
    if out.boxes is None or not out.txts:
        return []
    words = (
        out.word_results
        if out.word_results and len(out.word_results) == len(out.txts)
        else [None] * len(out.txts)
    )
    lines = [
        (_restore_spaces(text, chars), _box(points, scale), float(score))
        for points, text, score, chars in zip(out.boxes, out.txts, out.scores, words, strict=True)
    ]
    return sorted(_merge_same_row(lines), key=lambda line: (line[1][1] + line[1][3] // 2, line[1][0]))


def _merge_same_row(lines: list[OcrLine]) -> list[OcrLine]:
    """Join the boxes of one printed row that the detector split.

    Large display text (a recipient's name at 100 pt) often comes back as one box per word, with
    centres a few pixels apart; read as separate lines, "Frances Allen" becomes "Allen" then
    "Frances". Words of about the same height that overlap vertically and sit close are one row.
    """
    merged: list[OcrLine] = []
    for line in sorted(lines, key=lambda item: item[1][0]):  # left to right
        for i, row in enumerate(merged):
            if _continues_row(row[1], line[1]):
                merged[i] = (f"{row[0]} {line[0]}", _union(row[1], line[1]), min(row[2], line[2]))
                break
        else:
            merged.append(line)
    return merged


def _continues_row(left: tuple[int, int, int, int], right: tuple[int, int, int, int]) -> bool:
    lx, ly, lw, lh = left
    rx, ry, rw, rh = right
    if min(lh, rh) < 0.6 * max(lh, rh):  # a caption beside a heading is not the same row
        return False
    overlap = min(ly + lh, ry + rh) - max(ly, ry)
    gap = rx - (lx + lw)  # negative when the boxes overlap (italic or tightly kerned words)
    return overlap >= 0.5 * min(lh, rh) and -0.5 * min(lw, rw) <= gap <= max(lh, rh)


def _union(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return x0, y0, x1 - x0, y1 - y0


def _box(points, scale: float) -> tuple[int, int, int, int]:
    pts = np.asarray(points, dtype=np.float32) / scale
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


def _restore_spaces(text: str, chars) -> str:
    """The recognizer often drops spaces in Latin text; put them back where characters leave a gap.

    Character boxes come from the recognizer's frame positions, so ordinary gaps are noisy; a
    word break is a gap well above the line's typical gap and over half a character high.
    """
    if not chars or len(chars) != len(text.replace(" ", "")) or len(chars) < 3:
        return text
    boxes = [np.asarray(c[2], dtype=np.float32) for c in chars]
    gaps = np.array([cur[:, 0].min() - prev[:, 0].max() for prev, cur in zip(boxes, boxes[1:], strict=False)])
    height = float(np.median([b[:, 1].max() - b[:, 1].min() for b in boxes]))
    positive = gaps[gaps > 0]
    threshold = max(2.0 * float(np.median(positive)) if positive.size else 0.0, 0.55 * height)
    out = [chars[0][0]]
    for gap, ch in zip(gaps, chars[1:], strict=True):
        if gap > threshold:
            out.append(" ")
        out.append(ch[0])
    rebuilt = "".join(out)
    return rebuilt if rebuilt.count(" ") >= text.count(" ") else text


# -- field parsing ----------------------------------------------------------------------------


def loose(*phrases: str) -> re.Pattern:
    """Match phrases whatever spaces OCR kept or dropped ("Issue date", "Issuedate", "Iss ue date")."""
    alternatives = ["\\s*".join(re.escape(ch) for ch in phrase.replace(" ", "")) for phrase in phrases]
    return re.compile("(" + "|".join(alternatives) + ")", re.I)


# A printed line is at most a few hundred characters (1600 px wide); Gemini's fields and
# whatever else reaches the parser are cut to this, and a page to this many lines.
MAX_LINE_CHARS = 1_000
MAX_LINES = 2_000
SEP = r"[-–—_.]?"
# CV-XXXX-XXXX-XXXX-XXXX-C (certificates/credential_ids.py); OCR may drop or change the dashes.
CREDENTIAL_ID = re.compile(rf"CV{SEP}" + rf"([0-9A-Z]{{4}}){SEP}" * 4 + r"([0-9A-Z])(?![0-9A-Z])")
CROCKFORD_FIXES = str.maketrans({"O": "0", "I": "1", "L": "1"})
MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}  # fmt: skip
# At most "tember" after "sep": an unbounded [a-z]* made "janjanjan..." quadratic (every "jan" a
# start that ran to the end of the word).
MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?"
DATE_PATTERNS = (
    (re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"), "ymd"),
    (re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s*)?{MONTH},?\s*(\d{{4}})", re.I), "dmy_name"),
    (re.compile(rf"{MONTH}\s*(\d{{1,2}})(?:st|nd|rd|th)?,?\s*(\d{{4}})", re.I), "mdy_name"),
    (re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"), "numeric"),
)
EXPIRY_LABEL = loose("expir", "valid until", "valid through", "valid to", "renew by")
ISSUE_LABEL = loose("issue", "awarded", "conferred", "granted", "completed on", "date")
NAME_INTRO = loose(
    "certify that", "certifies that", "awarded to", "presented to", "conferred upon", "conferred on",
    "granted to", "issued to",
)  # fmt: skip
TITLE_INTRO = loose(
    "successfully completed the course", "successfully completed the programme", "successfully completed",
    "has completed", "completion of", "for completing", "in recognition of", "the degree of", "achievement in",
)  # fmt: skip
TITLE_PREFIX = re.compile(
    r"^(certificate|diploma|bachelor|master|doctor|award|professional)\b.*\b(in|of)\b", re.I
)
ISSUER_WORDS = re.compile(
    r"universit|institut|college|academy|school|board|association|society|council|foundation|centre|"
    r"center|\bltd\b|\binc\b|\bllc\b|gmbh|corporation|organi[sz]ation|agency|polytechnic|faculty",
    re.I,
)
HEADINGS = re.compile(
    r"^(certificate|diploma)\s*(of|in)?\s*(completion|achievement|participation|award|excellence)?$", re.I
)
GRADE_LABEL = loose("grade", "classification", "result", "gpa", "score")
GRADE_WORDS = (
    r"(distinction|merit|honou?rs|credit|pass|first\s*class|second\s*class|"
    r"summa\s*cum\s*laude|magna\s*cum\s*laude|cum\s*laude)"
)


def parse_certificate_fields(lines: list[OcrLine] | list[str]) -> dict[str, str | None]:
    """Fields printed on a certificate, from OCR lines in reading order. Dates as YYYY-MM-DD."""
    lines = lines[:MAX_LINES]
    texts = [_clean((line if isinstance(line, str) else line[0])[:MAX_LINE_CHARS]) for line in lines]
    heights = [0 if isinstance(line, str) else line[1][3] for line in lines]
    texts_heights = [(t, h) for t, h in zip(texts, heights, strict=True) if t]
    texts = [t for t, _ in texts_heights]
    issue, expiry = _dates(texts)
    return {
        "issuer": _issuer(texts),
        "recipient_name": _recipient(texts_heights),
        "title": _title(texts),
        "issue_date": issue,
        "expiry_date": expiry,
        "grade": _grade(texts),
        "credential_id": next(filter(None, map(find_credential_id, texts)), None)
        or find_credential_id("|".join(texts)),
    }


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def find_credential_id(text: str) -> str | None:
    match = CREDENTIAL_ID.search(re.sub(r"\s+", "", text.upper()))
    if not match:
        return None
    groups = [g.translate(CROCKFORD_FIXES) for g in match.groups()]
    return "CV-" + "-".join(groups)


def parse_date(text: str) -> str | None:
    """The first date in `text` as YYYY-MM-DD, or None."""
    text = text[:MAX_LINE_CHARS]
    text = re.sub(r"(?<=[\d/.-])\s+(?=[\d/.-])", "", text)  # OCR splits digit runs: "20 25-06-1 4"
    for pattern, kind in DATE_PATTERNS:
        match = pattern.search(text)
        if match:
            value = _to_date(match.groups(), kind)
            if value:
                return value.isoformat()
    return None


def _to_date(groups, kind: str) -> date | None:
    try:
        if kind == "ymd":
            y, m, d = (int(g) for g in groups)
        elif kind == "dmy_name":
            d, m, y = int(groups[0]), MONTHS[groups[1][:3].lower()], int(groups[2])
        elif kind == "mdy_name":
            m, d, y = MONTHS[groups[0][:3].lower()], int(groups[1]), int(groups[2])
        else:
            a, b, y = (int(g) for g in groups)
            d, m = (b, a) if b > 12 >= a else (a, b)  # day first unless that is impossible
        return date(y, m, d)
    except (ValueError, KeyError):
        return None


def _dates(texts: list[str]) -> tuple[str | None, str | None]:
    issue = expiry = None
    unlabeled = []
    for text in texts:
        found = parse_date(text)
        if not found:
            continue
        if EXPIRY_LABEL.search(text):
            expiry = expiry or found
        elif ISSUE_LABEL.search(text):
            issue = issue or found
        else:
            unlabeled.append(found)
    return issue or (unlabeled[0] if unlabeled else None), expiry


def _after_intro(texts: list[str], pattern: re.Pattern) -> str | None:
    for i, text in enumerate(texts):
        match = pattern.search(text)
        if not match:
            continue
        rest = text[match.end() :].strip(" :,-")
        if len(rest) > 2:
            return rest
        if i + 1 < len(texts):
            return texts[i + 1]
    return None


# Words that turn a run of capitalised words into a title ("MSc Astronomy and Mathematics").
NOT_IN_NAMES = {"and", "of", "in", "for", "the", "with", "to", "on", "at", "&"}


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return (
        1 <= len(words) <= 6
        and all(re.fullmatch(r"[A-Za-zÀ-ÖØ-öø-ÿ'’.\-]+", w) for w in words)
        and not NOT_IN_NAMES.intersection(w.lower() for w in words)
        and not HEADINGS.match(text)
        and not ISSUER_WORDS.search(text)
        and not NAME_INTRO.search(text)
    )


def _recipient(texts_heights: list[tuple[str, int]]) -> str | None:
    texts = [t for t, _ in texts_heights]
    candidate = _after_intro(texts, NAME_INTRO)
    if candidate and _looks_like_name(candidate):
        return candidate
    names = [(h, t) for t, h in texts_heights if _looks_like_name(t) and len(t.split()) >= 2]
    return max(names)[1] if names else None


def _title(texts: list[str]) -> str | None:
    candidate = _after_intro(texts, TITLE_INTRO)
    if candidate and not HEADINGS.match(candidate) and not parse_date(candidate):
        return candidate
    for text in texts:
        if TITLE_PREFIX.match(text) and not HEADINGS.match(text):
            return text
    return None


def _grade(texts: list[str]) -> str | None:
    for text in texts:
        match = GRADE_LABEL.match(text)
        if match and len(text[match.end() :].strip(" :.")) > 0:
            return text[match.end() :].strip(" :.")
    for text in texts:
        match = re.search(rf"\bwith\s+{GRADE_WORDS}", text, re.I)
        if match:
            return match.group(1).title()
    return None


def _issuer(texts: list[str]) -> str | None:
    for text in texts:
        if ISSUER_WORDS.search(text) and not NAME_INTRO.search(text) and not parse_date(text):
            return text
    return None
