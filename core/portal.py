"""App-neutral helpers of the staff portal's pages: pagination, service errors on forms, `next` URLs.

The organization side of the portal (`portal_view`, `request.portal`, navigation, dashboard
sections) is in organizations.portal, since it needs organizations and core imports no app.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from core.errors import DomainError


def paginate(request, queryset, *, per_page: int = 25) -> Page:
    """The requested page (`?page=`), clamped to the valid range; costs a count and a slice."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def apply_domain_error(form, error: DomainError, field_map: dict[str, str] | None = None) -> None:
    """Show a service's error next to the field it names, or above the form."""
    name = (field_map or {}).get(error.field or "", error.field)
    form.add_error(name if name in form.fields else None, error.message)


def safe_next_url(request, fallback: str = "portal:dashboard") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(fallback)
