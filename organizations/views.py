"""Portal pages for the organization: dashboard, members, invitations, API keys, audit log, settings.

Every page works in `request.portal.organization` (see organizations/portal.py); objects are
looked up inside it, so another organization's object is a 404. Writes call the same services as
the API, which enforce the role rules; the templates only hide what the role cannot do.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.portal import apply_domain_error, paginate, safe_next_url

from . import forms, identity, selectors, services
from .access import client_ip
from .models import Invitation
from .portal import DashboardSection, dashboard_sections, forbidden, portal_view, set_current_organization
from .roles import Role

API_KEY_SECRETS_SESSION_KEY = "portal_new_api_key_secrets"
AUDIT_PAGE_SIZE = 50
MEMBERS_PAGE_SIZE = 50
ACTION_LABELS = {
    "api_key.created": "API key created",
    "api_key.revoked": "API key revoked",
    "auth.2fa_enabled": "Two-factor turned on",
    "auth.2fa_disabled": "Two-factor turned off",
}


def action_label(action: str) -> str:
    """A readable name for an audit action code, e.g. "membership.role_changed" → "Membership role changed"."""
    return ACTION_LABELS.get(action) or action.replace(".", " ").replace("_", " ").capitalize()


def _with_labels(events):
    events = list(events)
    for event in events:
        event.label = action_label(event.action)
    return events


# --- Dashboard --------------------------------------------------------------------------------------


def organization_stats(portal) -> list[dict]:
    """The organization's summary tiles; each links to its page when the role may open it."""
    organization = portal.organization
    pending = organization.invitations.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    tiles = [
        ("Members", organization.memberships.count(), "portal:members", Role.VIEWER),
        (
            "Active API keys",
            organization.api_keys.filter(revoked_at__isnull=True).count(),
            "portal:api-keys",
            Role.ADMIN,
        ),
        ("Pending invitations", pending.count(), "portal:invitations", Role.ADMIN),
    ]
    return [
        {"label": label, "value": value, "url": reverse(url_name) if portal.has_role(minimum) else ""}
        for label, value, url_name, minimum in tiles
    ]


def getting_started(request, stats: list[dict]) -> list[dict]:
    """Getting-started items; the dashboard shows them, crossed out when done, until all are done."""
    portal, organization = request.portal, request.portal.organization
    values = {s["label"]: s["value"] for s in stats}
    items = []
    if portal.can_admin:  # the domain proof form is for admins (settings page, "Verified identity")
        items.append(
            {
                "key": "prove-domain",
                "text": "Prove your organization’s web domain",
                "help": "Publish a token in DNS or on your website; until then your certificates say "
                "“Identity not verified” and can be at best inconclusive.",
                "done": organization.is_verified,
                "url": reverse("portal:organization-settings") + "#identity-title",
            }
        )
    rows = [
        ("Turn on two-factor authentication for your account", request.user.totp_enabled, "portal:security"),
        (
            "Add your organization’s country and website",
            bool(organization.country and organization.website),
            "portal:organization-settings",
        ),
    ]
    if portal.can_admin:
        rows += [
            (
                "Invite a colleague",
                values["Members"] > 1 or values["Pending invitations"] > 0,
                "portal:invitations",
            ),
            ("Create an API key for your student system", values["Active API keys"] > 0, "portal:api-keys"),
        ]
    return items + [{"text": text, "done": done, "url": reverse(url_name)} for text, done, url_name in rows]


def organization_dashboard(request) -> DashboardSection:
    stats = organization_stats(request.portal)
    return DashboardSection(
        stats=stats,
        checklist=getting_started(request, stats),
        context={
            "recent_events": _with_labels(
                selectors.audit_events_for_organization(request.portal.organization)[:8]
            )
        },
    )


@portal_view()
@require_GET
def dashboard_view(request):
    """Tiles, panels and lists contributed by each app (settings.PORTAL_DASHBOARD_SECTIONS)."""
    sections = dashboard_sections(request)
    context = {"organization": request.portal.organization}
    for section in sections:
        context.update(section.context)
    checklist = [item for section in sections for item in section.checklist]
    context.update(
        stats=[tile for section in sections for tile in section.stats],
        dashboard_panels=[template for section in sections for template in section.panels],
        dashboard_main=[template for section in sections for template in section.main],
        dashboard_aside=[template for section in sections for template in section.aside],
        checklist=checklist if not all(item["done"] for item in checklist) else [],
    )
    return render(request, "portal/dashboard.html", context)


# The first steps of a new organization, in order; each app's dashboard section gives its item (with
# this key) and whether it is done, from the organization's real state.
ONBOARDING_STEPS = ("prove-domain", "pick-design", "first-certificate")


@portal_view()
@require_GET
def getting_started_view(request):
    """The steps after sign-up (prove the domain, pick a design, issue a first certificate), then
    the dashboard's other getting-started items."""
    items = [item for section in dashboard_sections(request) for item in section.checklist]
    by_key = {item.get("key"): item for item in items}
    steps = [by_key[key] for key in ONBOARDING_STEPS if key in by_key]
    more = [item for item in items if item.get("key") not in ONBOARDING_STEPS]
    context = {
        "organization": request.portal.organization,
        "steps": steps,
        "more": more,
        "all_done": bool(steps) and all(item["done"] for item in steps),
    }
    return render(request, "portal/organizations/getting_started.html", context)


# --- Organizations: create, switch, settings ----------------------------------------------------------


@portal_view(organization_required=False)
@require_http_methods(["GET", "POST"])
def organization_create_view(request):
    form = forms.OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(actor=request.portal.actor, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)  # e.g. a slug confusable with a verified organization's
        else:
            set_current_organization(request, organization)
            messages.success(request, f"{organization.name} is ready. You are its owner.")
            return redirect("portal:getting-started")
    status = 400 if form.errors else 200
    return render(request, "portal/organizations/create.html", {"form": form}, status=status)


@portal_view(organization_required=False)
@require_POST
def organization_switch_view(request):
    slug = request.POST.get("organization", "")
    organization = next((o for o in request.portal.organizations if o.slug == slug), None)
    if organization is None:
        raise Http404("No such organization.")
    set_current_organization(request, organization)
    return redirect(safe_next_url(request))


@portal_view()
@require_http_methods(["GET", "POST"])
def organization_settings_view(request):
    portal = request.portal
    organization = portal.organization
    initial = {f: getattr(organization, f) for f in ("name", "country", "website", "domain")}
    form = forms.OrganizationForm(request.POST or None, initial=initial)
    if request.method == "POST" and "domain_proof" in request.POST:
        return _domain_proof_post(request)
    if request.method == "POST":
        if not portal.can_admin:
            return forbidden(request, Role.ADMIN)
        if form.is_valid():
            try:
                services.organization_update(
                    actor=portal.actor, organization=organization, **form.cleaned_data
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, "The organization's details have been saved.")
                return redirect("portal:organization-settings")
    if not portal.can_admin:
        for field in form.fields.values():
            field.disabled = True
    context = {
        "form": form,
        "organization": organization,
        "deactivate_form": forms.DeactivateOrganizationForm(organization=organization),
        "identity": identity.organization_identity(organization),
        "downgrade_on": identity.domain_downgrade_on(organization),
        "domain_proof": identity.domain_proof_instructions(organization) if portal.can_admin else None,
    }
    return render(request, "portal/organizations/settings.html", context)


def _domain_proof_post(request):
    """The settings page's domain proof: start (a token for a domain) or check; the API's services."""
    portal = request.portal
    if not portal.can_admin:
        return forbidden(request, Role.ADMIN)
    try:
        if request.POST["domain_proof"] == "check":
            identity.domain_proof_check(actor=portal.actor, organization=portal.organization)
            messages.success(request, "The domain is verified.")
        else:
            domain = request.POST.get("domain", "")
            identity.domain_proof_start(actor=portal.actor, organization=portal.organization, domain=domain)
            messages.success(request, "Publish the token in one of the two ways below, then check.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("portal:organization-settings")


@portal_view(Role.OWNER)
@require_POST
def organization_deactivate_view(request):
    organization = request.portal.organization
    form = forms.DeactivateOrganizationForm(request.POST, organization=organization)
    if not form.is_valid():
        messages.error(request, form.errors["confirm_slug"][0])
        return redirect("portal:organization-settings")
    services.organization_deactivate(actor=request.portal.actor, organization=organization)
    messages.success(request, f"{organization.name} has been deactivated. Its certificates stay verifiable.")
    return redirect("portal:dashboard")


# --- Members ---------------------------------------------------------------------------------------------


def _can_manage(portal, membership) -> bool:
    """Admins manage everyone below owner; owners manage everyone (the service has the last word)."""
    if membership.role == Role.OWNER:
        return portal.is_owner
    return portal.can_admin


@portal_view()
@require_GET
def members_view(request):
    portal = request.portal
    page = paginate(
        request, selectors.memberships_for_organization(portal.organization), per_page=MEMBERS_PAGE_SIZE
    )
    rows = [
        {"membership": m, "can_manage": _can_manage(portal, m), "is_self": m.user_id == request.user.pk}
        for m in page
    ]
    context = {"page": page, "rows": rows, "role_choices": forms.grantable_roles(portal.role)}
    return render(request, "portal/members/list.html", context)


def _membership(request, pk: int):
    return get_object_or_404(selectors.memberships_for_organization(request.portal.organization), pk=pk)


@portal_view(Role.ADMIN)
@require_POST
def member_role_view(request, pk: int):
    membership = _membership(request, pk)
    form = forms.MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles in the list.")
        return redirect("portal:members")
    try:
        services.membership_change_role(
            actor=request.portal.actor, membership=membership, role=form.cleaned_data["role"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{membership.user.email} is now {membership.get_role_display().lower()}.")
    return redirect("portal:members")


@portal_view()
@require_POST
def member_remove_view(request, pk: int):
    """Admins remove members; anyone may leave (the service decides which applies)."""
    membership = _membership(request, pk)
    leaving = membership.user_id == request.user.pk
    try:
        services.membership_remove(actor=request.portal.actor, membership=membership)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal:members")
    if leaving:
        messages.success(request, f"You have left {membership.organization.name}.")
        return redirect("portal:dashboard")
    messages.success(request, f"{membership.user.email} has been removed.")
    return redirect("portal:members")


# --- Invitations -----------------------------------------------------------------------------------------


@portal_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def invitations_view(request):
    portal = request.portal
    form = forms.InvitationForm(request.POST or None, actor_role=portal.role)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=portal.actor, organization=portal.organization, **form.cleaned_data
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("portal:invitations")
    page = paginate(request, selectors.invitations_for_organization(portal.organization))
    return render(request, "portal/invitations/list.html", {"form": form, "page": page})


@portal_view(Role.ADMIN)
@require_POST
def invitation_revoke_view(request, pk: int):
    invitation = get_object_or_404(selectors.invitations_for_organization(request.portal.organization), pk=pk)
    try:
        services.invitation_revoke(actor=request.portal.actor, invitation=invitation)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The invitation for {invitation.email} has been revoked.")
    return redirect("portal:invitations")


def _invitation_for_token(token: str) -> Invitation | None:
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    invitation = (
        Invitation.objects.select_related("organization", "invited_by").filter(token_hash=token_hash).first()
    )
    if invitation is None or invitation.status != "pending" or not invitation.organization.is_active:
        return None
    return invitation


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept_view(request, token: str):
    """The e-mailed link: a signed-in invitee accepts; a new person creates an account."""
    invitation = _invitation_for_token(token)
    if invitation is None:
        return render(request, "portal/invitations/invalid.html", status=404)
    if request.user.is_authenticated:
        return _accept_as_signed_in(request, invitation, token)
    form = forms.InvitationRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.invitation_register(
                token=token,
                password=form.cleaned_data["new_password1"],
                full_name=form.cleaned_data["full_name"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            apply_domain_error(form, exc, {"password": "new_password1"})
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            return _welcome(request, membership)
    context = {"invitation": invitation, "form": form}
    return render(request, "portal/invitations/accept.html", context)


def _accept_as_signed_in(request, invitation: Invitation, token: str):
    email_matches = invitation.email.lower() == request.user.email.lower()
    error = ""
    if request.method == "POST" and email_matches:
        try:
            membership = services.invitation_accept(user=request.user, token=token, ip=client_ip(request))
        except DomainError as exc:
            error = exc.message
        else:
            return _welcome(request, membership)
    context = {"invitation": invitation, "email_matches": email_matches, "error": error}
    return render(request, "portal/invitations/accept.html", context)


def _welcome(request, membership):
    set_current_organization(request, membership.organization)
    messages.success(
        request,
        f"Welcome to {membership.organization.name}. You joined as {membership.get_role_display().lower()}.",
    )
    return redirect("portal:dashboard")


# --- API keys ----------------------------------------------------------------------------------------------


@portal_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def api_keys_view(request):
    portal = request.portal
    form = forms.APIKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key, secret = services.api_key_create(
                actor=portal.actor, organization=portal.organization, **form.cleaned_data
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            # Held only until the next page shows it once (a reload must not create another key).
            secrets_to_show = request.session.get(API_KEY_SECRETS_SESSION_KEY, {})
            secrets_to_show[str(key.pk)] = secret
            request.session[API_KEY_SECRETS_SESSION_KEY] = secrets_to_show
            return redirect("portal:api-key-created", pk=key.pk)
    page = paginate(request, selectors.api_keys_for_organization(portal.organization))
    return render(request, "portal/api_keys/list.html", {"form": form, "page": page})


@portal_view(Role.ADMIN)
@never_cache
@require_GET
def api_key_created_view(request, pk: int):
    key = get_object_or_404(selectors.api_keys_for_organization(request.portal.organization), pk=pk)
    secrets_to_show = request.session.get(API_KEY_SECRETS_SESSION_KEY, {})
    secret = secrets_to_show.pop(str(key.pk), None)
    request.session[API_KEY_SECRETS_SESSION_KEY] = secrets_to_show
    if secret is None:
        messages.info(request, "A key's secret is shown only once. Create a new key if you lost it.")
        return redirect("portal:api-keys")
    return render(request, "portal/api_keys/created.html", {"key": key, "secret": secret})


@portal_view(Role.ADMIN)
@require_POST
def api_key_revoke_view(request, pk: int):
    key = get_object_or_404(selectors.api_keys_for_organization(request.portal.organization), pk=pk)
    services.api_key_revoke(actor=request.portal.actor, api_key=key)
    messages.success(request, f"The key “{key.name}” has been revoked; requests using it now fail.")
    return redirect("portal:api-keys")


# --- Audit log ----------------------------------------------------------------------------------------------


@portal_view()
@require_GET
def audit_log_view(request):
    events = selectors.audit_events_for_organization(request.portal.organization)
    actions = list(events.order_by("action").values_list("action", flat=True).distinct())
    form = forms.AuditFilterForm(request.GET or None, actions=actions)
    if form.is_valid() and form.cleaned_data["action"]:
        events = events.filter(action=form.cleaned_data["action"])
    page = paginate(request, events, per_page=AUDIT_PAGE_SIZE)
    page.object_list = _with_labels(page.object_list)
    return render(request, "portal/audit/list.html", {"form": form, "page": page})
