"""One error shape for the whole API, and the base class of each app's domain error.

Every error response body is::

    {"error": {"code": "validation_error", "message": "...", "fields": {"email": ["..."]}},
     "request_id": "..."}

`fields` is present for validation errors and maps field names (dotted for nested
fields, `non_field_errors` for the whole object) to lists of messages.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)
DATABASE_RETRY_AFTER = 5  # seconds; a restart or failover of PostgreSQL takes about this long


# What a domain error means, in the domain's words; the one place that turns that into HTTP.
HTTP_STATUS_BY_KIND = {
    "invalid": status.HTTP_400_BAD_REQUEST,
    "unauthenticated": status.HTTP_401_UNAUTHORIZED,
    "forbidden": status.HTTP_403_FORBIDDEN,
    "not_found": status.HTTP_404_NOT_FOUND,
    "conflict": status.HTTP_409_CONFLICT,
    "payment_required": status.HTTP_402_PAYMENT_REQUIRED,  # a plan's limit (billing/usage.py)
    "throttled": status.HTTP_429_TOO_MANY_REQUESTS,
}
# Codes whose kind is not "invalid", wherever they are raised.
KIND_BY_CODE = {
    "permission_denied": "forbidden",
    "person_required": "forbidden",
    "role_forbidden": "forbidden",
    "invitation_email_mismatch": "forbidden",
    "email_unverified": "forbidden",
    "account_exists": "conflict",
    "endpoint_disabled": "conflict",
    "certificate_immutable": "conflict",
    "not_member": "not_found",
}


class DomainError(Exception):
    """A business-rule violation raised by a service; the API maps its kind to a 4xx.

    Services say what went wrong (a ``code``, and a ``kind`` when the code alone does not say
    it); they never name an HTTP status.
    """

    kind = "invalid"
    code = "invalid"
    extra: dict | None = None  # more of the error's own facts, added to the body's "error" object

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        kind: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
        self.kind = kind or KIND_BY_CODE.get(self.code, type(self).kind)

    @property
    def status_code(self) -> int:
        return HTTP_STATUS_BY_KIND[self.kind]

    def as_fields(self) -> dict[str, list[str]]:
        return {self.field or "non_field_errors": [self.message]}


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into {"a.b": [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def error_body(
    code: str, message: str, request=None, fields: dict | None = None, extra: dict | None = None
) -> dict:
    body: dict = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    if extra:
        body["error"].update(extra)
    if request is not None:
        body["request_id"] = getattr(request, "request_id", None)
    return body


def api_exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database is unreachable or restarting: a retryable 503, not a 500 (docs/operations.md).
        logger.error("database unavailable", exc_info=exc)
        message = "The service is briefly unavailable; try again in a few seconds."
        response = Response(error_body("service_unavailable", message, request), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response
    if isinstance(exc, DomainError):
        body = error_body(exc.code, exc.message, request, exc.as_fields(), exc.extra)
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        response.data = error_body("validation_error", "Some fields are invalid.", request, fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        message = detail if isinstance(detail, str) else str(detail)
        if isinstance(detail, dict):  # e.g. simplejwt's {"detail": ..., "code": ...}
            message = str(detail.get("detail", detail))
            code = str(detail.get("code", code))
        response.data = error_body(code, message, request)
    return response


def not_found_view(request, exception=None):
    """handler404: an API path nothing routes (`/api/v1/certificates/0.5/`) answers in the one error
    shape, like every other API 404; other paths get Django's page."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "Not found.", request), status=404)
    return page_not_found(request, exception)
