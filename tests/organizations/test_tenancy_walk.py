"""Walk every API route as a member of another organization.

Routes come from drf-spectacular's endpoint enumerator (the same source as the OpenAPI
schema), so a new route is covered without touching this file. For each route and method the
outsider — an owner of their own organization — must get 404 (403 for collection-level
actions) and the database must be unchanged. Routes with no path parameters are collections
of the caller's own data: their responses must not mention the victim organization's data.

Adding a model that a route exposes by id means adding one victim instance to
`tests/tenancy.py`; the walk fails with a message saying so until then.
"""

import hashlib
import json

import pytest
from django.apps import apps
from drf_spectacular.generators import EndpointEnumerator

from tests.conftest import auth_client
from tests.tenancy import (
    OPEN_ACTIONS,
    PUBLIC_OR_PERSONAL_ROUTES,
    PUBLIC_PREFIXES,
    build_victim_world,
    path_values,
)

pytestmark = pytest.mark.django_db

OUR_APPS = ("accounts", "organizations", "billing", "certificates", "verification", "fraud", "webhooks")


def database_fingerprint() -> dict[str, str]:
    fingerprint = {}
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        rows = list(model.objects.order_by("pk").values_list())
        fingerprint[model._meta.label] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return fingerprint


def _body_text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json())
    return response.content.decode(errors="replace")


def api_endpoints():
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        if path.startswith("/api/v1/"):
            yield path, method, callback


def write_payload(world) -> dict:
    """Everything a mass-assignment or cross-tenant write might try to smuggle in."""
    return {
        "organization": world.org.slug,
        "slug": world.org.slug,
        "name": "pwned",
        "role": "owner",
        "email": "attacker@example.com",
        "status": "revoked",
        "reason": "pwned",
        "url": "https://example.com/h",
        "recipient_name": "Mallory",
        "title": "Forged",
        "issue_date": "2026-01-01",
        "credential_id": world.markers.get("credential_id", ""),
        "events": ["certificate.issued"],
    }


def test_outsider_gets_404_on_every_route_and_changes_nothing(outsider):
    world = build_victim_world()
    client = auth_client(outsider)
    checked = 0
    for path, method, callback in api_endpoints():
        if (
            path in PUBLIC_OR_PERSONAL_ROUTES
            or path.startswith(PUBLIC_PREFIXES)
            or (method, path) in OPEN_ACTIONS
        ):
            continue
        url = path.format(**path_values(path, callback, world))
        before = database_fingerprint()
        payload = None if method == "GET" else write_payload(world)
        response = getattr(client, method.lower())(url, payload, format="json")
        after = database_fingerprint()
        changed = [label for label in before if before[label] != after[label]]
        assert not changed, f"{method} {url} as an outsider changed {changed}"
        if "{" in path:
            assert response.status_code in (404, 405), f"{method} {url} gave {response.status_code}, not 404"
        elif method == "GET":
            assert response.status_code == 200, f"{method} {url} gave {response.status_code}"
            body = _body_text(response)
            for name, marker in world.markers.items():
                assert marker not in body, f"GET {url} leaked the victim's {name}"
        else:
            assert response.status_code in (400, 403, 404, 405), f"{method} {url} gave {response.status_code}"
        checked += 1
    assert checked >= 20, "the walk found suspiciously few routes"
