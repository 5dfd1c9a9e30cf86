"""The one client for Google Gemini (google-genai SDK), used by stage 1 to read a document.

`read_document` sends the page as PNG with a response schema and returns validated fields and
visible signs of manipulation. Every failure is a `GeminiError` with a short `reason`
("budget", "timeout", "rate_limited", "server", "malformed", "unavailable", "config",
"rejected"), so the caller can fall back to local OCR and say why. Retries: 429 and 5xx only,
a few attempts with short exponential backoff; a timeout is not retried (the budget of a
verification is better spent on the local fallback). Calls are counted per organization per
day in the Django cache (`GEMINI_DAILY_BUDGET_PER_ORG`).

Settings are read at call time and every one of them can be passed explicitly.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

import httpx
from pydantic import BaseModel, Field, ValidationError

logger = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 4.0

PROMPT = """You are checking a certificate or diploma image for a verification service.
Read the fields exactly as printed (do not guess or correct them):
issuer (the organization that issued it), recipient_name, title (course, programme or award),
issue_date and expiry_date (as YYYY-MM-DD), grade, credential_id (e.g. CV-7KQ2-M9XD-4HPA-T3BN-G).
Use null for a field that is not printed. Put all the text you can read in visible_text.
Then list visible signs of digital manipulation, if any: text in a different font, size, colour,
sharpness or alignment than its surroundings; a background patch that differs around some text;
cloned or smudged areas; an overlaid or misaligned seal, signature or QR code.
For each sign give a short description and box_2d = [ymin, xmin, ymax, xmax] normalised to 0-1000.
Return an empty list when you see none. Do not report normal printing or photo artefacts."""


class ManipulationSign(BaseModel):
    description: str
    box_2d: list[int] | None = Field(default=None, description="[ymin, xmin, ymax, xmax], 0-1000")


class DocumentReading(BaseModel):
    issuer: str | None = None
    recipient_name: str | None = None
    title: str | None = None
    issue_date: str | None = None
    expiry_date: str | None = None
    grade: str | None = None
    credential_id: str | None = None
    visible_text: str = ""
    manipulation_signs: list[ManipulationSign] = Field(default_factory=list)


FIELDS = ("issuer", "recipient_name", "title", "issue_date", "expiry_date", "grade", "credential_id")
# What the model reads is steered by the document, so its answer is cut to the size of a
# certificate's text before anything parses or compares it (and before it is stored).
MAX_FIELD_CHARS = 500
MAX_TEXT_CHARS = 20_000


class GeminiError(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class GeminiReading:
    fields: dict[str, str | None]
    # {"description": str, "box": [ymin, xmin, ymax, xmax] in 0-1000 or None}
    manipulation_signs: list[dict] = field(default_factory=list)
    text: str = ""
    model: str = ""
    attempts: int = 1


def read_document(
    image_png: bytes,
    *,
    organization_key: str | None,
    api_key: str | None = None,
    base_url: str | None = None,
    model: str | None = None,
    timeout_seconds: float | None = None,
    daily_budget: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> GeminiReading:
    """Ask Gemini to read the document; raises GeminiError on any failure."""
    config = _config(api_key, base_url, model, timeout_seconds, daily_budget)
    if not config["api_key"]:
        raise GeminiError("config", "GEMINI_API_KEY is not set")
    _spend_budget(organization_key, config["daily_budget"])
    client = _client(config["api_key"], config["base_url"], int(config["timeout"] * 1000))
    response, attempts = _generate_with_retries(client, config["model"], image_png, sleep)
    reading = parse_response_text(getattr(response, "text", None))
    reading.model, reading.attempts = config["model"], attempts
    return reading


def warm_up() -> None:
    """Import the SDK now: its first import costs ~3 s, better paid at worker start."""
    from google import genai  # noqa: F401
    from google.genai import errors, types  # noqa: F401


def _config(api_key, base_url, model, timeout_seconds, daily_budget) -> dict:
    from django.conf import settings

    def pick(value, name, default):
        return value if value is not None else getattr(settings, name, default)

    return {
        "api_key": pick(api_key, "GEMINI_API_KEY", ""),
        "base_url": pick(base_url, "GEMINI_BASE_URL", "") or None,
        "model": pick(model, "GEMINI_MODEL", "gemini-2.5-flash"),
        "timeout": float(pick(timeout_seconds, "GEMINI_TIMEOUT_SECONDS", 20.0)),
        "daily_budget": int(pick(daily_budget, "GEMINI_DAILY_BUDGET_PER_ORG", 500)),
    }


@lru_cache(maxsize=8)
def _client(api_key: str, base_url: str | None, timeout_ms: int):
    """One SDK client per configuration and process: it keeps a pooled HTTP connection."""
    from google import genai
    from google.genai import types

    return genai.Client(
        api_key=api_key, http_options=types.HttpOptions(base_url=base_url, timeout=timeout_ms)
    )


def _spend_budget(organization_key: str | None, daily_budget: int) -> None:
    """Count this call against the organization's calls today; over the budget -> GeminiError."""
    from django.core.cache import cache

    key = f"gemini:calls:{organization_key or 'public'}:{datetime.now(UTC).date().isoformat()}"
    cache.add(key, 0, timeout=2 * 24 * 3600)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=2 * 24 * 3600)
        used = 1
    if used > daily_budget:
        raise GeminiError("budget", f"{organization_key or 'public'} used {daily_budget} Gemini calls today")


def _generate_with_retries(client, model: str, image_png: bytes, sleep):
    from google.genai import errors, types

    config = types.GenerateContentConfig(
        temperature=0.0, response_mime_type="application/json", response_schema=DocumentReading
    )
    contents = [types.Part.from_bytes(data=image_png, mime_type="image/png"), PROMPT]
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return client.models.generate_content(model=model, contents=contents, config=config), attempt
        except httpx.TimeoutException as exc:
            raise GeminiError("timeout", str(exc) or "no answer in time") from exc
        except httpx.TransportError as exc:
            raise GeminiError("unavailable", str(exc)) from exc
        except errors.APIError as exc:
            if exc.code not in RETRY_STATUSES:
                raise GeminiError("rejected", f"HTTP {exc.code}: {exc.message}") from exc
            if attempt == MAX_ATTEMPTS:
                reason = "rate_limited" if exc.code == 429 else "server"
                raise GeminiError(reason, f"HTTP {exc.code} after {attempt} attempts") from exc
            delay = _retry_delay(exc, attempt)
            logger.info("gemini %s, retrying in %.1fs (attempt %d)", exc.code, delay, attempt)
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _retry_delay(exc, attempt: int) -> float:
    delay = BACKOFF_SECONDS * 2 ** (attempt - 1)
    response = getattr(exc, "response", None)
    retry_after = response.headers.get("retry-after") if response is not None else None
    if retry_after and retry_after.strip().isdigit():
        delay = max(delay, float(retry_after))
    return min(delay, MAX_BACKOFF_SECONDS)


def parse_response_text(text: str | None) -> GeminiReading:
    """Validate the model's JSON against the schema; anything else is GeminiError("malformed")."""
    if not text or not text.strip():
        raise GeminiError("malformed", "empty response")
    try:
        parsed = DocumentReading.model_validate_json(text)
    except ValidationError as exc:
        raise GeminiError("malformed", _short(exc)) from exc
    fields = {name: _clean(getattr(parsed, name)) for name in FIELDS}
    signs = [
        {"description": sign.description.strip()[:MAX_FIELD_CHARS], "box": _valid_box(sign.box_2d)}
        for sign in parsed.manipulation_signs[:10]
        if sign.description.strip()
    ]
    text = parsed.visible_text.strip()[:MAX_TEXT_CHARS]
    return GeminiReading(fields=fields, manipulation_signs=signs, text=text)


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()[:MAX_FIELD_CHARS].strip()
    return None if value.lower() in ("", "null", "none", "n/a") else value


def _valid_box(box: list[int] | None) -> list[int] | None:
    if not box or len(box) != 4:
        return None
    ymin, xmin, ymax, xmax = (max(0, min(1000, int(v))) for v in box)
    return [ymin, xmin, ymax, xmax] if ymax > ymin and xmax > xmin else None


def _short(exc: ValidationError) -> str:
    try:
        return json.dumps(exc.errors(include_url=False)[:2], default=str)[:300]
    except TypeError:  # pragma: no cover
        return str(exc)[:300]
