"""Endpoint management, test events, delivery log and redelivery, through the HTTP API."""

import base64

import pytest
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook

from organizations.access import Actor
from organizations.models import APIKey, AuditEvent
from organizations.roles import Role
from organizations.services import api_key_create
from tests.conftest import auth_client
from tests.factories import MembershipFactory
from webhooks import events, services
from webhooks.models import Delivery, Endpoint

from .conftest import make_endpoint

pytestmark = pytest.mark.django_db


def create(client, org, url, types=("certificate.issued",), **extra):
    body = {"organization": org.slug, "url": url, "events": list(types), **extra}
    return client.post("/api/v1/webhooks/", body, format="json")


def test_an_admin_registers_an_endpoint_and_sees_its_secret_once(org, admin_user, receiver):
    client = auth_client(admin_user)
    response = create(
        client, org, receiver.url(), ["certificate.revoked", "certificate.issued"], description="HR"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["organization"] == org.slug
    assert body["events"] == ["certificate.issued", "certificate.revoked"]
    assert body["is_active"] is True and body["description"] == "HR"
    assert body["secret"].startswith("whsec_") and len(base64.b64decode(body["secret"][6:])) == 32
    detail = client.get(f"/api/v1/webhooks/{body['id']}/").json()
    assert "secret" not in detail and body["secret"] not in str(detail)
    endpoint = Endpoint.objects.get(pk=body["id"])
    assert body["secret"] not in endpoint.secret_encrypted
    assert endpoint.created_by == admin_user
    assert AuditEvent.objects.filter(action="webhook.created", organization=org, actor=admin_user).exists()


def test_unknown_or_missing_event_types_are_field_errors(org, owner, receiver):
    client = auth_client(owner)

    unknown = create(client, org, receiver.url(), ["certificate.exploded"])
    empty = create(client, org, receiver.url(), [])

    assert unknown.status_code == 400 and "events.0" in unknown.json()["error"]["fields"]
    assert empty.status_code == 400 and "events" in empty.json()["error"]["fields"]


def test_organization_is_required_and_not_writable_later(org, other_org, owner, hook, receiver):
    client = auth_client(owner)
    response = client.post("/api/v1/webhooks/", {"url": receiver.url(), "events": ["certificate.issued"]})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"organization": ["This field is required."]}

    client.patch(f"/api/v1/webhooks/{hook.pk}/", {"organization": other_org.slug, "disabled_reason": "x"})
    hook.refresh_from_db()
    assert hook.organization == org and hook.disabled_reason == ""


def test_admin_updates_an_endpoint_with_the_same_url_checks(org, owner, hook, fake_dns):
    fake_dns["intranet.customer.test"] = "10.1.1.1"
    client = auth_client(owner)

    ok = client.patch(f"/api/v1/webhooks/{hook.pk}/", {"events": ["batch.completed"], "description": "new"})
    bad = client.patch(f"/api/v1/webhooks/{hook.pk}/", {"url": "http://intranet.customer.test/"})

    assert ok.status_code == 200 and ok.json()["events"] == ["batch.completed"]
    assert bad.status_code == 400 and "url" in bad.json()["error"]["fields"]
    hook.refresh_from_db()
    assert hook.event_types == ["batch.completed"] and hook.url.startswith("http://127.0.0.1")
    audit = AuditEvent.objects.get(action="webhook.updated")
    assert audit.details == {"fields": ["description", "event_types"]}


def test_disabling_an_endpoint_by_hand_cancels_its_waiting_attempts(org, owner, hook):
    services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={})

    response = auth_client(owner).patch(f"/api/v1/webhooks/{hook.pk}/", {"is_active": False})

    assert response.status_code == 200 and response.json()["is_active"] is False
    assert Delivery.objects.get(endpoint=hook).status == Delivery.Status.CANCELLED


def test_admin_deletes_an_endpoint(org, owner, hook):
    response = auth_client(owner).delete(f"/api/v1/webhooks/{hook.pk}/")

    assert response.status_code == 204
    assert not Endpoint.objects.exists()
    assert AuditEvent.objects.get(action="webhook.deleted").details == {"url": hook.url}


def test_rotating_the_secret_returns_a_new_one_and_keeps_the_old_one_for_a_day(
    org, owner, hook, receiver, django_capture_on_commit_callbacks
):
    client = auth_client(owner)
    response = client.post(f"/api/v1/webhooks/{hook.pk}/rotate-secret/")

    assert response.status_code == 200
    new_secret = response.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != hook.secret
    assert response.json()["previous_secret_expires_at"] is not None
    assert AuditEvent.objects.filter(action="webhook.secret_rotated", actor=owner).exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/webhooks/{hook.pk}/test/")
    [request] = receiver.requests
    assert Webhook(new_secret).verify(request.body, request.headers)
    assert Webhook(hook.secret).verify(request.body, request.headers)


def test_send_test_event_delivers_a_signed_webhook_test(
    org, owner, hook, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client(owner).post(f"/api/v1/webhooks/{hook.pk}/test/")

    assert response.status_code == 202
    assert response.json()["event_type"] == "webhook.test"
    [request] = receiver.requests
    payload = Webhook(hook.secret).verify(request.body, request.headers)
    assert payload["type"] == "webhook.test" and payload["data"]["endpoint_id"] == hook.pk
    assert request.headers["webhook-id"] == response.json()["event_id"]


def test_delivery_log_lists_attempts_with_outcomes_newest_first(
    org, owner, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.reply(500)
    with django_capture_on_commit_callbacks(execute=True):
        event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={})

    response = auth_client(owner).get(f"/api/v1/webhooks/{hook.pk}/deliveries/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and {"next", "previous"} <= set(body)
    scheduled, first = body["results"]
    assert (
        scheduled["status"] == "pending" and scheduled["attempt_number"] == 2 and scheduled["next_attempt_at"]
    )
    assert (
        first["status"] == "failed"
        and first["response_status_code"] == 500
        and first["response_excerpt"] == "ok"
    )
    assert first["event_id"] == event.message_id and first["event_type"] == "certificate.issued"
    assert first["duration_ms"] is not None and first["error"] and first["trigger"] == "scheduled"
    failed = auth_client(owner).get(f"/api/v1/webhooks/{hook.pk}/deliveries/?status=failed").json()
    assert [d["attempt_number"] for d in failed["results"]] == [1]


def test_delivery_log_has_no_n_plus_one(org, owner, hook, django_assert_max_num_queries):
    for _ in range(5):
        services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={})
    client = auth_client(owner)
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/v1/webhooks/{hook.pk}/deliveries/").json()["count"] == 5


def test_redelivery_sends_the_same_event_again_with_the_same_webhook_id(
    org, owner, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.reply(500)
    with django_capture_on_commit_callbacks(execute=True):
        event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={})
    first = Delivery.objects.get(event=event, attempt_number=1)

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client(owner).post(f"/api/v1/webhooks/{hook.pk}/deliveries/{first.pk}/redeliver/")

    assert response.status_code == 202
    assert response.json()["trigger"] == "manual" and response.json()["attempt_number"] == 3
    assert [r.headers["webhook-id"] for r in receiver.requests] == [event.message_id, event.message_id]
    assert Delivery.objects.get(pk=response.json()["id"]).status == Delivery.Status.SUCCEEDED
    assert AuditEvent.objects.filter(action="webhook.redelivered", actor=owner).exists()


def test_redelivery_to_a_disabled_endpoint_is_refused(org, owner, hook):
    event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={})
    services.endpoint_disable(endpoint=hook, reason="test")
    delivery = Delivery.objects.get(event=event)

    response = auth_client(owner).post(f"/api/v1/webhooks/{hook.pk}/deliveries/{delivery.pk}/redeliver/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "endpoint_disabled"


def test_outsiders_cannot_see_or_touch_another_organizations_endpoints_or_deliveries(
    org, owner, hook, outsider
):
    event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={})
    delivery = Delivery.objects.get(event=event)
    client = auth_client(outsider)
    base = f"/api/v1/webhooks/{hook.pk}/"

    assert client.get("/api/v1/webhooks/").json()["results"] == []
    assert client.get(base).status_code == 404
    assert client.patch(base, {"description": "pwned"}).status_code == 404
    assert client.delete(base).status_code == 404
    assert client.post(base + "rotate-secret/").status_code == 404
    assert client.post(base + "test/").status_code == 404
    assert client.get(base + "deliveries/").status_code == 404
    assert client.post(base + f"deliveries/{delivery.pk}/redeliver/").status_code == 404
    assert create(client, org, "http://127.0.0.1:9/hook").status_code == 404
    hook.refresh_from_db()
    assert hook.description == "" and Delivery.objects.count() == 1


def test_a_delivery_of_another_endpoint_is_not_found_under_this_one(org, owner, hook, receiver):
    other, _ = make_endpoint(org, owner, receiver.url("/other"))
    event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={})
    delivery = Delivery.objects.get(event=event, endpoint=other)

    response = auth_client(owner).post(f"/api/v1/webhooks/{hook.pk}/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 404
    assert (
        auth_client(owner).post(f"/api/v1/webhooks/{hook.pk}/deliveries/not-a-uuid/redeliver/").status_code
        == 404
    )


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ISSUER])
def test_members_below_admin_cannot_manage_or_see_webhooks(org, hook, role, receiver, request):
    member = request.getfixturevalue({Role.VIEWER: "viewer", Role.ISSUER: "issuer"}[role])
    client = auth_client(member)

    assert create(client, org, receiver.url()).status_code == 403
    assert client.get("/api/v1/webhooks/").json()["results"] == []
    assert client.get(f"/api/v1/webhooks/{hook.pk}/").status_code == 404
    assert Endpoint.objects.count() == 1


def test_an_admin_api_key_manages_its_organizations_webhooks(org, owner, hook, receiver):
    _, key = api_key_create(actor=Actor(user=owner), organization=org, name="ci", role=Role.ADMIN)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")

    listed = client.get("/api/v1/webhooks/").json()["results"]
    created = client.post("/api/v1/webhooks/", {"url": receiver.url("/k"), "events": ["batch.completed"]})

    assert [e["id"] for e in listed] == [hook.pk]
    assert created.status_code == 201 and created.json()["organization"] == org.slug
    assert AuditEvent.objects.filter(action="webhook.created", actor_api_key=APIKey.objects.get()).exists()


def test_the_list_can_be_narrowed_to_one_organization(org, other_org, owner, hook, receiver):
    MembershipFactory(user=owner, organization=other_org, role=Role.ADMIN)
    theirs, _ = make_endpoint(other_org, owner, receiver.url("/theirs"))
    client = auth_client(owner)

    everything = client.get("/api/v1/webhooks/").json()["results"]
    narrowed = client.get(f"/api/v1/webhooks/?organization={other_org.slug}").json()["results"]

    assert {e["id"] for e in everything} == {hook.pk, theirs.pk}
    assert [e["id"] for e in narrowed] == [theirs.pk]
