"""Cross-cutting HTTP middleware: request ids, body size limits, security headers and the public
pages' language."""

import re
import uuid

from django.conf import settings
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from .errors import error_body
from .logging import request_id_var

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

# The portal and public pages load only same-origin assets (everything is vendored).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)


class RequestIDMiddleware:
    """Accept X-Request-ID from the client (if well-formed) or generate one; echo it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestSizeLimitMiddleware:
    """Refuse a body larger than the app accepts with 413, before anything reads it.

    Django applies DATA_UPLOAD_MAX_MEMORY_SIZE only when a form or `request.body` is read; DRF's
    JSON parser reads the stream itself, so without this a JSON body of any size is parsed.
    Multipart bodies may carry one upload (UPLOAD_MAX_BYTES) plus the form around it.
    """

    FORM_ALLOWANCE = 1024 * 1024

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = self._limit(request)
        if limit is not None and length > limit:
            message = f"The request body is larger than {limit // 1024} KiB."
            return JsonResponse(error_body("request_too_large", message, request), status=413)
        return self.get_response(request)

    def _limit(self, request) -> int | None:
        if request.content_type == "multipart/form-data":
            return settings.UPLOAD_MAX_BYTES + self.FORM_ALLOWANCE
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class SecurityHeadersMiddleware:
    """Content Security Policy and Permissions-Policy on every response that lacks one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(("/api/docs", "/admin/")):
            response.headers.setdefault(
                "Content-Security-Policy",
                getattr(settings, "CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY),
            )
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


# The pages that speak the visitor's language: the landing page, the public verify pages, the holder
# pages and shared reports. Everything else (portal, admin, API, e-mails) stays in English.
PUBLIC_PAGE_PREFIXES = ("/verify/", "/c/", "/holder/", "/r/", "/i18n/")


def is_public_page(path: str) -> bool:
    return path == "/" or path.startswith(PUBLIC_PAGE_PREFIXES)


class PublicLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (language cookie, then Accept-Language, then LANGUAGE_CODE) on the
    public pages only; elsewhere the language is English whatever the browser asks, so API error
    messages and staff pages never change language."""

    def process_request(self, request):
        if is_public_page(request.path_info):
            return super().process_request(request)
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return None

    def process_response(self, request, response):
        if not is_public_page(request.path_info):
            return response
        response = super().process_response(request, response)
        # The response is rendered: leave the thread in English for what runs next on it outside a
        # request (a Celery task, a test), so no message is translated by accident.
        translation.deactivate()
        return response
