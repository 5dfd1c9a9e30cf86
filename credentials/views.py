"""The organizations' public documents: DID document, Open Badges profile, status lists.

Served outside /api/ because did:web fixes the DID document's path; all are public and cacheable.
"""

from __future__ import annotations

import hashlib
import json

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_GET

from . import did_web, open_badges, selectors
from .models import StatusList


def _json(request, document: dict, *, content_type: str, max_age: int) -> HttpResponse:
    body = json.dumps(document, ensure_ascii=False, indent=2).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Access-Control-Allow-Origin"] = "*"  # wallets and browser verifiers fetch these
    return response


@require_GET
def did_document_view(request, slug):
    organization = selectors.organization_public_get(slug)
    return _json(
        request, did_web.did_document(organization), content_type="application/did+json", max_age=300
    )


@require_GET
def profile_view(request, slug):
    organization = selectors.organization_public_get(slug)
    return _json(
        request, open_badges.profile_document(organization), content_type="application/ld+json", max_age=300
    )


@require_GET
def status_list_view(request, slug, purpose, number):
    if purpose not in StatusList.Purpose.values:
        raise Http404("No such status list.")
    credential = selectors.status_list_credential(slug, purpose, number)
    # Short: a revocation must reach verifiers that cache the list within a minute.
    return _json(request, credential, content_type="application/vc+ld+json", max_age=60)
