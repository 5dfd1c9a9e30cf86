"""The staff portal's organization plumbing: the current organization, role checks, nav, dashboard.

Every portal page is a plain function view wrapped in `portal_view`, which signs the person in,
resolves the organization they are working in (kept in the session, changed with the switcher)
and attaches a `PortalContext` as `request.portal`. Templates read `request.portal` directly, so
no context processor is needed. App-neutral helpers (pagination, form errors) are in core.portal.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from . import selectors
from .access import Actor, client_ip
from .models import Organization
from .roles import Role, role_at_least

SESSION_ORGANIZATION_KEY = "portal_organization_id"


@dataclass
class PortalContext:
    """Who is acting, in which organization, with which role; plus the switcher's choices."""

    actor: Actor
    organizations: list[Organization]
    organization: Organization | None
    role: str | None
    view_name: str = ""

    def has_role(self, minimum: str) -> bool:
        return role_at_least(self.role, minimum)

    @property
    def can_issue(self) -> bool:
        return self.has_role(Role.ISSUER)

    @property
    def can_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    @property
    def is_owner(self) -> bool:
        return self.has_role(Role.OWNER)

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else ""

    @functools.cached_property
    def navigation(self) -> list[dict]:
        return navigation_for(self)


def portal_context(request) -> PortalContext:
    """Resolve (once per request) the organizations of the signed-in person and the current one."""
    cached = getattr(request, "_portal_context", None)
    if cached is not None:
        return cached
    actor = Actor(user=request.user, ip=client_ip(request))
    organizations = list(selectors.organizations_for_actor(actor).order_by("name"))
    wanted = request.session.get(SESSION_ORGANIZATION_KEY)
    current = next((o for o in organizations if o.pk == wanted), None) or next(iter(organizations), None)
    if current is not None and current.pk != wanted:
        request.session[SESSION_ORGANIZATION_KEY] = current.pk
    context = PortalContext(
        actor=actor,
        organizations=organizations,
        organization=current,
        role=actor.role_in(current) if current else None,
        view_name=request.resolver_match.view_name if request.resolver_match else "",
    )
    request._portal_context = context
    request.portal = context
    return context


def set_current_organization(request, organization: Organization) -> None:
    """Make `organization` the one the person works in (the caller has checked membership)."""
    request.session[SESSION_ORGANIZATION_KEY] = organization.pk
    request.__dict__.pop("_portal_context", None)
    request.__dict__.pop("portal", None)


def portal_view(minimum: str = Role.VIEWER, *, organization_required: bool = True) -> Callable:
    """Decorate a portal view: sign-in required, then an organization with at least `minimum`.

    People without any organization are sent to create one. A role below `minimum` renders a
    403 page that explains which role is needed; objects of other organizations are the
    view's job (look them up within `request.portal.organization`, so they are a 404).
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            context = portal_context(request)
            if organization_required and context.organization is None:
                return redirect("portal:organization-create")
            if organization_required and not context.has_role(minimum):
                return forbidden(request, minimum)
            return view(request, *args, **kwargs)

        wrapped.portal_minimum_role = minimum
        return wrapped

    return decorator


def forbidden(request, minimum: str):
    context = {"minimum_label": Role(minimum).label}
    return render(request, "portal/forbidden.html", context, status=403)


# --- Dashboard sections ------------------------------------------------------------------------------
# The dashboard view lives here, below the apps that add to it, so it cannot import them. Each app
# names its section function in settings.PORTAL_DASHBOARD_SECTIONS (in display order) instead.


@dataclass
class DashboardSection:
    """What one app adds to the dashboard for the current organization."""

    stats: list[dict] = field(default_factory=list)  # tiles: {"label", "value", "url", "hint"}
    panels: list[str] = field(default_factory=list)  # full-width templates under the tiles (charts)
    main: list[str] = field(default_factory=list)  # templates in the wide column, above the activity
    aside: list[str] = field(default_factory=list)  # templates in the narrow column
    checklist: list[dict] = field(default_factory=list)  # {"text", "done", "url"} getting-started items
    context: dict = field(default_factory=dict)  # extra template variables for those templates


def dashboard_sections(request) -> list[DashboardSection]:
    """Call each `func(request) -> DashboardSection | None` named in PORTAL_DASHBOARD_SECTIONS."""
    functions = (import_string(path) for path in settings.PORTAL_DASHBOARD_SECTIONS)
    sections = (func(request) for func in functions)
    return [section for section in sections if section is not None]


# --- Navigation ----------------------------------------------------------------------------------
# Entries whose URL name does not resolve yet are left out, so a section appears as soon as its
# app registers the view under that name in config/portal_urls.py.


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    minimum: str = Role.VIEWER
    # Other URL names (prefixes) under which this entry is shown as the current section.
    matches: tuple[str, ...] = field(default_factory=tuple)


NAVIGATION: list[tuple[str, list[NavItem]]] = [
    ("Overview", [NavItem("Dashboard", "portal:dashboard", "home")]),
    (
        "Credentials",
        [
            NavItem("Certificates", "portal:certificates", "award", matches=("portal:certificate",)),
            NavItem("Bulk issue", "portal:bulk-issue", "upload", Role.ISSUER, matches=("portal:batch",)),
            NavItem("Verifications", "portal:verifications", "search", matches=("portal:verification",)),
            NavItem("Delivery", "portal:delivery", "mail", matches=("portal:delivery",)),
            NavItem("Templates", "portal:templates", "layout", Role.ADMIN, matches=("portal:template",)),
        ],
    ),
    (
        "Organization",
        [
            NavItem("Members", "portal:members", "users", matches=("portal:member",)),
            NavItem("Invitations", "portal:invitations", "mail", Role.ADMIN, matches=("portal:invitation-",)),
            NavItem("API keys", "portal:api-keys", "key", Role.ADMIN, matches=("portal:api-key",)),
            NavItem(
                "Signing keys", "portal:signing-keys", "lock", Role.ADMIN, matches=("portal:signing-key",)
            ),
            NavItem("Webhooks", "portal:webhooks", "webhook", Role.ADMIN, matches=("portal:webhook",)),
            NavItem("Audit log", "portal:audit-log", "list"),
            NavItem("Usage and plan", "portal:billing-usage", "activity", matches=("portal:billing-",)),
            NavItem("Settings", "portal:organization-settings", "settings"),
        ],
    ),
]


def _reverse_or_none(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def navigation_for(context: PortalContext) -> list[dict]:
    """The side navigation for this person's role, with the current section marked."""
    current = context.view_name
    groups = []
    for title, items in NAVIGATION:
        links = []
        for item in items:
            url = _reverse_or_none(item.url_name)
            if url is None or not context.has_role(item.minimum):
                continue
            active = current == item.url_name or any(current.startswith(m) for m in item.matches)
            links.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
        if links:
            groups.append({"title": title, "links": links})
    return groups
