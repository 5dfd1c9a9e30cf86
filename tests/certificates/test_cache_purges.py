"""A status change reaches the public lookup even when the cache missed the invalidation."""

import datetime as dt
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.utils import timezone
from rest_framework.test import APIClient

from certificates.lifecycle.services import certificate_issue, certificate_revoke
from certificates.models import PublicStatusPurge
from certificates.public_status.purges import RETRY_AFTER, retry_pending
from organizations.access import Actor

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "purges"}}
# A cache that takes no writes: what an unreachable Redis is with IGNORE_EXCEPTIONS.
UNREACHABLE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.fixture
def certificate(org, issuer, settings):
    settings.CACHES = LOCMEM
    caches["default"].clear()
    return certificate_issue(
        actor=Actor(user=issuer),
        organization=org,
        recipient_name="Ada Lovelace",
        title="MSc",
        issue_date=dt.date(2026, 6, 30),
    )


def public_status(credential_id: str) -> str:
    return APIClient().get(f"/api/v1/public/certificates/{credential_id}/").json()["status"]


def revoke(issuer, certificate, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(actor=Actor(user=issuer), certificate=certificate, reason="Issued in error")


def test_a_purge_the_cache_took_leaves_nothing_pending(
    certificate, issuer, django_capture_on_commit_callbacks
):
    assert public_status(certificate.credential_id) == "valid"

    revoke(issuer, certificate, django_capture_on_commit_callbacks)

    assert not PublicStatusPurge.objects.exists()
    assert public_status(certificate.credential_id) == "revoked"


def test_a_purge_the_cache_missed_stays_recorded_and_the_retry_applies_it(
    certificate, issuer, settings, django_capture_on_commit_callbacks
):
    assert public_status(certificate.credential_id) == "valid"  # cached
    settings.CACHES = UNREACHABLE

    revoke(issuer, certificate, django_capture_on_commit_callbacks)

    assert list(PublicStatusPurge.objects.values_list("credential_id", flat=True)) == [
        certificate.credential_id
    ]
    settings.CACHES = LOCMEM  # the cache is back, still holding the old status
    assert public_status(certificate.credential_id) == "valid"

    assert retry_pending(now=timezone.now() + RETRY_AFTER) == 1

    assert not PublicStatusPurge.objects.exists()
    assert public_status(certificate.credential_id) == "revoked"


def test_the_retry_leaves_fresh_rows_to_their_own_after_commit_purge(certificate):
    PublicStatusPurge.objects.create(credential_id=certificate.credential_id)

    assert retry_pending() == 0
    assert PublicStatusPurge.objects.count() == 1
    assert retry_pending(now=timezone.now() + RETRY_AFTER + timedelta(seconds=1)) == 1
    assert not PublicStatusPurge.objects.exists()


def test_the_retry_keeps_rows_while_the_cache_is_still_unreachable(certificate, settings):
    PublicStatusPurge.objects.create(
        credential_id=certificate.credential_id, created_at=timezone.now() - 2 * RETRY_AFTER
    )
    settings.CACHES = UNREACHABLE

    assert retry_pending() == 0
    assert PublicStatusPurge.objects.count() == 1
