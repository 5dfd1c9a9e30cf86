"""A free organization meets its plan's limits as a documented 402, with nothing half-done; an
anonymous verification is never limited by any plan."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from billing.models import Plan, UsageCounter
from certificates.designs.services import template_create
from certificates.models import Certificate, IssuanceBatch
from organizations.access import Actor
from organizations.models import APIKey, Invitation
from organizations.services import api_key_create
from tests.conftest import auth_client
from verification.models import VerificationRequest
from verification.services import verification_create

pytestmark = pytest.mark.django_db

ISSUE = {"recipient_name": "Ada Lovelace", "title": "MSc", "issue_date": "2026-06-30"}


def csv_of(rows: int) -> bytes:
    lines = ["recipient_name,title,issue_date,external_id"]
    lines += [f"Student {n},Course,2026-01-10,s-{n}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def bulk(client, org, rows: int, capture):
    upload = SimpleUploadedFile("list.csv", csv_of(rows), content_type="text/csv")
    with capture(execute=True):
        return client.post(
            "/api/v1/certificates/bulk/", {"organization": org.slug, "file": upload}, format="multipart"
        )


def used(org, metric: str) -> int:
    row = UsageCounter.objects.filter(organization=org, metric=metric).first()
    return row.used if row else 0


def test_the_fourth_certificate_on_a_three_a_month_plan_is_a_402_with_limit_use_and_upgrade(on_free, issuer):
    client = auth_client(issuer)
    for n in range(3):
        response = client.post(
            "/api/v1/certificates/", {**ISSUE, "organization": on_free.slug, "external_id": f"c{n}"}
        )
        assert response.status_code == 201
    response = client.post(
        "/api/v1/certificates/", {**ISSUE, "organization": on_free.slug, "external_id": "c3"}
    )
    assert response.status_code == 402
    error = response.json()["error"]
    assert error["code"] == "plan_limit_reached"
    assert error["limit"] == {
        "metric": "certificates",
        "limit": 3,
        "used": 3,
        "requested": 1,
        "plan": "Free",
        "upgrade_url": "http://127.0.0.1:8000/portal/billing/plans/",
    }
    assert (
        Certificate.objects.filter(organization=on_free).count() == 3 and used(on_free, "certificates") == 3
    )
    # Re-sending an issued external_id returns it without counting again.
    again = client.post("/api/v1/certificates/", {**ISSUE, "organization": on_free.slug, "external_id": "c0"})
    assert again.status_code in (200, 201) and used(on_free, "certificates") == 3


def test_a_batch_over_the_limit_is_refused_before_any_row_is_issued(
    on_free, issuer, django_capture_on_commit_callbacks
):
    client = auth_client(issuer)
    response = bulk(client, on_free, 4, django_capture_on_commit_callbacks)
    assert response.status_code == 402
    assert response.json()["error"]["limit"]["requested"] == 4
    assert not IssuanceBatch.objects.exists() and not Certificate.objects.exists()
    assert used(on_free, "certificates") == 0
    ok = bulk(client, on_free, 3, django_capture_on_commit_callbacks)
    assert ok.status_code == 202 and Certificate.objects.count() == 3 and used(on_free, "certificates") == 3


def test_a_batch_under_the_partial_policy_issues_up_to_the_limit_and_reports_the_rest(
    on_free, free_plan, issuer, django_capture_on_commit_callbacks
):
    free_plan.over_limit = Plan.OverLimit.PARTIAL
    free_plan.save()
    response = bulk(auth_client(issuer), on_free, 5, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    batch = IssuanceBatch.objects.get()
    assert (batch.issued_count, batch.failed_count) == (3, 2)
    assert [e["row"] for e in batch.errors] == [5, 6]
    assert "monthly certificate limit" in batch.errors[0]["message"]
    assert Certificate.objects.count() == 3 and used(on_free, "certificates") == 3


def test_a_batch_larger_than_the_plan_allows_is_a_402_naming_the_feature(
    on_free, issuer, django_capture_on_commit_callbacks
):
    response = bulk(auth_client(issuer), on_free, 11, django_capture_on_commit_callbacks)
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "plan_feature_missing"
    assert not IssuanceBatch.objects.exists()


def test_the_portal_issue_form_shows_the_limit_as_a_form_error(on_free, issuer, client):
    client.force_login(issuer)
    for n in range(4):
        response = client.post(
            "/portal/certificates/new/",
            {**ISSUE, "external_id": f"p{n}"},
        )
    assert Certificate.objects.count() == 3
    assert response.status_code == 200 and "allows 3 certificates issued a month" in response.content.decode()


def test_api_keys_invitations_and_webhooks_stop_at_their_limits(on_free, owner):
    client = auth_client(owner)
    base = f"/api/v1/organizations/{on_free.slug}"
    assert client.post(f"{base}/api-keys/", {"name": "ci", "role": "issuer"}).status_code == 201
    refused = client.post(f"{base}/api-keys/", {"name": "ci2", "role": "issuer"})
    assert refused.status_code == 402 and refused.json()["error"]["limit"]["metric"] == "api_keys"
    assert APIKey.objects.filter(organization=on_free).count() == 1
    assert (
        client.post(f"{base}/invitations/", {"email": "a@example.com", "role": "viewer"}).status_code == 201
    )
    assert (
        client.post(f"{base}/invitations/", {"email": "b@example.com", "role": "viewer"}).status_code == 402
    )
    assert Invitation.objects.filter(organization=on_free).count() == 1
    hook = {"url": "http://127.0.0.1:9/hook", "events": ["certificate.issued"], "organization": on_free.slug}
    assert client.post("/api/v1/webhooks/", hook, format="json").status_code == 201
    assert client.post("/api/v1/webhooks/", hook, format="json").status_code == 402


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buffer, "PNG")
    return SimpleUploadedFile("cert.png", buffer.getvalue(), content_type="image/png")


def test_verifications_count_on_the_account_but_anonymous_ones_are_never_limited(on_free, owner):
    _key, _secret = api_key_create(actor=Actor(user=owner), organization=on_free, name="k", role="viewer")
    key = APIKey.objects.get(organization=on_free)
    verification_create(actor=Actor(api_key=key, ip="127.0.0.1"), upload=png())
    with pytest.raises(Exception) as refused:
        verification_create(actor=Actor(api_key=key, ip="127.0.0.1"), upload=png())
    assert refused.value.status_code == 402
    for _ in range(3):  # anonymous: over every limit, still accepted and not counted
        verification_create(actor=Actor(ip="203.0.113.9"), upload=png())
    assert VerificationRequest.objects.count() == 4 and used(on_free, "verifications") == 1


def test_plan_features_gate_designer_images_and_domain_proof(on_free, free_plan, owner):
    free_plan.designer_images = False
    free_plan.custom_domain = False
    free_plan.save()
    client = auth_client(owner)
    response = client.post(
        f"/api/v1/organizations/{on_free.slug}/domain-verification/", {"domain": "northwind.example"}
    )
    assert response.status_code == 402 and response.json()["error"]["code"] == "plan_feature_missing"
    on_free.refresh_from_db()
    assert on_free.domain_proof_token == ""
    with pytest.raises(Exception) as refused:
        template_create(actor=Actor(user=owner), organization=on_free, name="T", layout={}, background=b"x")
    assert refused.value.status_code == 402 and refused.value.field == "designer_images"
