"""Portal page for the organization's QR signing keys (admins): the list and rotation.

Rotation calls the same service as the API. A retired key stays published with its validity
window, so QR codes it signed keep verifying.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from certificates.signing import selectors as signing_selectors
from certificates.signing import services as signing_services
from core.errors import DomainError
from core.portal import paginate
from organizations.portal import portal_view
from organizations.roles import Role


@portal_view(Role.ADMIN)
@require_GET
def signing_keys_view(request):
    keys = signing_selectors.signing_keys_for_organization(request.portal.organization)
    return render(request, "portal/signing_keys/list.html", {"page": paginate(request, keys)})


@portal_view(Role.ADMIN)
@require_POST
def signing_key_rotate_view(request):
    portal = request.portal
    try:
        key = signing_services.signing_key_rotate(actor=portal.actor, organization=portal.organization)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Key {key.key_id} now signs new certificates; QR codes signed with earlier keys keep verifying.",
        )
    return redirect("portal:signing-keys")
