"""The Django admin shows webhooks without secrets and acts through the services."""

import pytest
from django.core import mail

from tests.factories import UserFactory
from webhooks import events, services
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_changelists_and_detail_pages_render_without_secrets(admin_client, org, hook):
    event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={"n": 1})
    delivery = Delivery.objects.get(event=event)
    pages = [
        "/admin/webhooks/endpoint/",
        f"/admin/webhooks/endpoint/{hook.pk}/change/",
        "/admin/webhooks/event/",
        f"/admin/webhooks/event/{event.pk}/change/",
        "/admin/webhooks/delivery/",
        f"/admin/webhooks/delivery/{delivery.pk}/change/",
        "/admin/webhooks/endpoint/?is_active__exact=1&q=127.0.0.1",
        f"/admin/webhooks/delivery/?status__exact=pending&q={event.message_id}",
    ]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
        body = response.content.decode()
        assert hook.secret not in body and hook.secret_encrypted not in body, page


def test_admin_action_disables_an_endpoint_and_emails_its_admins(
    admin_client, org, owner, hook, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/webhooks/endpoint/", {"action": "disable_endpoints", "_selected_action": [hook.pk]}
        )

    assert response.status_code == 302
    hook.refresh_from_db()
    assert not hook.is_active and hook.disabled_reason == "Disabled by a platform administrator."
    assert [m.to for m in mail.outbox] == [[owner.email]]


def test_admin_action_redelivers(admin_client, org, hook, receiver, django_capture_on_commit_callbacks):
    event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={})
    delivery = Delivery.objects.get(event=event)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/webhooks/delivery/", {"action": "redeliver", "_selected_action": [str(delivery.pk)]}
        )

    assert [r.headers["webhook-id"] for r in receiver.requests] == [event.message_id]
    assert Delivery.objects.filter(event=event, trigger="manual", status="succeeded").exists()
