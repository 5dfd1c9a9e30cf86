"""Webhook pages of the portal (admins): endpoints and their secret shown once, test events against a
real local receiver, deliveries with request and response, redelivery, rotation, disabling."""

import pytest

from organizations.access import Actor
from organizations.models import AuditEvent
from tests.webhooks.conftest import Reply, start_receiver
from webhooks import services
from webhooks.models import Delivery, Endpoint

from .conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    receiver = start_receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def admin_client(admin_user):
    return signed_in(admin_user)


@pytest.fixture
def endpoint(org, admin_user, receiver):
    endpoint, _secret = services.endpoint_create(
        actor=Actor(user=admin_user),
        organization=org,
        url=receiver.url(),
        event_types=["certificate.revoked"],
    )
    return endpoint


def test_admin_adds_an_endpoint_and_sees_its_secret_once(admin_client, org, receiver):
    response = admin_client.post(
        "/portal/webhooks/",
        {
            "url": receiver.url(),
            "description": "HR system",
            "event_types": ["certificate.issued", "certificate.revoked"],
        },
    )
    endpoint = Endpoint.objects.get(organization=org)
    assert response.status_code == 302 and response["Location"] == f"/portal/webhooks/{endpoint.pk}/secret/"
    page = admin_client.get(response["Location"]).content.decode()
    secret = page.split('id="webhook-secret">')[1].split("<")[0]
    assert secret.startswith("whsec_") and len(secret) > 30
    again = admin_client.get(f"/portal/webhooks/{endpoint.pk}/secret/", follow=True).content.decode()
    assert secret not in again and "shown only once" in again
    assert endpoint.event_types == ["certificate.issued", "certificate.revoked"]
    assert receiver.url() in admin_client.get("/portal/webhooks/").content.decode()


@pytest.mark.parametrize(
    "url, message",
    [
        ("ftp://example.com/hook", "http"),
        ("http://169.254.169.254/latest/meta-data/", ""),
    ],
)
def test_unsafe_urls_are_refused_on_the_url_field(admin_client, org, url, message):
    response = admin_client.post("/portal/webhooks/", {"url": url, "event_types": ["certificate.issued"]})
    body = response.content.decode()
    assert response.status_code == 400 and 'id="id_url_error"' in body and message in body
    assert not Endpoint.objects.filter(organization=org).exists()


def test_an_endpoint_needs_at_least_one_event(admin_client, receiver):
    response = admin_client.post("/portal/webhooks/", {"url": receiver.url()})
    assert response.status_code == 400 and "Choose at least one event." in response.content.decode()


def test_issuers_and_viewers_cannot_manage_webhooks(viewer_client, issuer, endpoint):
    assert viewer_client.get("/portal/webhooks/").status_code == 403
    issuer_client = signed_in(issuer)
    assert issuer_client.get(f"/portal/webhooks/{endpoint.pk}/").status_code == 403
    assert issuer_client.post(f"/portal/webhooks/{endpoint.pk}/rotate-secret/").status_code == 403


def test_outsider_gets_404_for_every_endpoint_page(outsider_client, endpoint):
    assert outsider_client.get(f"/portal/webhooks/{endpoint.pk}/").status_code == 404
    for action in ["rotate-secret", "test", "toggle", "delete"]:
        assert outsider_client.post(f"/portal/webhooks/{endpoint.pk}/{action}/").status_code == 404
    assert Endpoint.objects.filter(pk=endpoint.pk, is_active=True).exists()


def test_send_a_test_event_and_read_request_and_response(
    admin_client, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.reply(Reply(status=202, body=b'{"received": true}'))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/portal/webhooks/{endpoint.pk}/test/")
    assert response.status_code == 302
    assert receiver.requests and receiver.requests[0].headers["webhook-signature"].startswith("v1,")
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.status == "succeeded" and delivery.response_status_code == 202
    page = admin_client.get(f"/portal/webhooks/{endpoint.pk}/").content.decode()
    assert "webhook.test" in page and "HTTP 202" in page and "{&quot;received&quot;: true}" in page
    assert delivery.event.message_id in page and "This is a test event from CertVerify." in page


def test_redeliver_sends_the_same_event_again(
    admin_client, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.reply(500)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/portal/webhooks/{endpoint.pk}/test/")
    first = Delivery.objects.get(endpoint=endpoint, attempt_number=1)
    assert "HTTP 500" in admin_client.get(f"/portal/webhooks/{endpoint.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/portal/webhooks/{endpoint.pk}/deliveries/{first.pk}/redeliver/")
    assert response.status_code == 302
    manual = Delivery.objects.get(endpoint=endpoint, trigger="manual")
    assert manual.event_id == first.event_id and manual.status == "succeeded"
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert ids == {first.event.message_id}


def test_disable_and_enable(admin_client, endpoint):
    admin_client.post(f"/portal/webhooks/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    page = admin_client.get(f"/portal/webhooks/{endpoint.pk}/").content.decode()
    assert "This endpoint is disabled" in page
    response = admin_client.post(f"/portal/webhooks/{endpoint.pk}/test/", follow=True)
    assert "disabled; enable it first" in response.content.decode()
    admin_client.post(f"/portal/webhooks/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_edit_the_endpoint(admin_client, endpoint, receiver):
    response = admin_client.post(
        f"/portal/webhooks/{endpoint.pk}/",
        {
            "url": receiver.url("/other"),
            "description": "Renamed",
            "event_types": ["verification.flagged"],
        },
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url.endswith("/other") and endpoint.event_types == ["verification.flagged"]


def test_rotating_the_secret_shows_the_new_one_once(admin_client, endpoint, org):
    response = admin_client.post(f"/portal/webhooks/{endpoint.pk}/rotate-secret/")
    assert response["Location"] == f"/portal/webhooks/{endpoint.pk}/secret/"
    page = admin_client.get(response["Location"]).content.decode()
    assert "whsec_" in page and "keeps signing alongside it" in page
    assert AuditEvent.objects.filter(action="webhook.secret_rotated", organization=org).exists()


def test_delete(admin_client, endpoint):
    response = admin_client.post(f"/portal/webhooks/{endpoint.pk}/delete/")
    assert response["Location"] == "/portal/webhooks/"
    assert not Endpoint.objects.filter(pk=endpoint.pk).exists()


def test_empty_list_explains_what_webhooks_are_for(owner_client):
    assert "No endpoints yet" in owner_client.get("/portal/webhooks/").content.decode()
