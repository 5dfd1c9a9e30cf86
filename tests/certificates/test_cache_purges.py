"""A change to the public status reaches the public lookup even when the cache missed the invalidation."""

import datetime as dt
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.utils import timezone
from rest_framework.test import APIClient

from certificates.anchoring.chain import get_chain_client, reset_chain_client
from certificates.anchoring.services import anchor_confirm, anchor_pending, anchor_submit
from certificates.batches.services import batch_start
from certificates.lifecycle.credential_ids import new_credential_id
from certificates.lifecycle.services import certificate_issue, certificate_revoke
from certificates.models import PublicStatusPurge
from certificates.public_status.purges import RETRY_AFTER, retry_pending
from certificates.public_status.tasks import retry_public_status_purges
from organizations.access import Actor
from organizations.services import organization_update

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "purges"}}
# A cache that takes no writes: what an unreachable Redis is with IGNORE_EXCEPTIONS.
UNREACHABLE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
BATCH_CSV = "recipient_name,title,issue_date\nGrace Hopper,BSc Mathematics,2026-06-30\n"


@pytest.fixture
def certificate(org, issuer, settings, django_capture_on_commit_callbacks):
    settings.CACHES = LOCMEM
    with django_capture_on_commit_callbacks(execute=True):  # issuing's own purge is applied
        certificate = certificate_issue(
            actor=Actor(user=issuer),
            organization=org,
            recipient_name="Ada Lovelace",
            title="MSc",
            issue_date=dt.date(2026, 6, 30),
        )
    caches["default"].clear()  # issued a while ago: its tombstone has run out
    return certificate


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


# Issuing, anchoring and an issuer's rename go through the same outbox as a revocation.


@pytest.fixture
def chain(settings):
    """A fresh embedded chain, so every transaction on it is this test's."""
    settings.CHAIN_RPC_URL = ""
    settings.CHAIN_RPC_URL_SECONDARY = ""
    settings.CHAIN_CONFIRMATIONS = 1
    reset_chain_client()
    yield get_chain_client()
    reset_chain_client()


def test_an_anchor_confirmed_while_the_cache_is_unreachable_reaches_the_public_lookup(
    chain, certificate, settings, django_capture_on_commit_callbacks
):
    lookup = f"/api/v1/public/certificates/{certificate.credential_id}/"
    assert APIClient().get(lookup).json()["anchor"] == {"status": "pending"}  # cached
    settings.CACHES = UNREACHABLE

    with django_capture_on_commit_callbacks(execute=True):
        anchor_confirm(anchor_submit(anchor_pending().pk).pk)

    settings.CACHES = LOCMEM  # the cache is back, still holding the unanchored status
    assert APIClient().get(lookup).json()["anchor"] == {"status": "pending"}
    assert retry_pending(now=timezone.now() + RETRY_AFTER) == 1
    assert APIClient().get(lookup).json()["anchor"]["status"] == "confirmed"
    assert not PublicStatusPurge.objects.exists()


def test_a_batch_issued_while_the_cache_is_unreachable_drops_the_cached_404s(
    org, issuer, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CACHES = LOCMEM
    credential_id = new_credential_id()
    lookup = f"/api/v1/public/certificates/{credential_id}/"
    assert APIClient().get(lookup).status_code == 404  # cached as missing
    monkeypatch.setattr("certificates.lifecycle.services.new_credential_id", lambda: credential_id)
    settings.CACHES = UNREACHABLE

    with django_capture_on_commit_callbacks(execute=True):  # the batch runs (eager) after commit
        batch_start(actor=Actor(user=issuer), organization=org, data=BATCH_CSV.encode())

    settings.CACHES = LOCMEM
    assert APIClient().get(lookup).status_code == 404  # the cache still says it does not exist
    assert retry_pending(now=timezone.now() + RETRY_AFTER) == 1
    assert public_status(credential_id) == "valid"


def test_an_issuer_renamed_while_the_cache_is_unreachable_reaches_the_public_lookup(
    certificate, org, owner, settings, django_capture_on_commit_callbacks
):
    lookup = f"/api/v1/public/certificates/{certificate.credential_id}/"
    assert APIClient().get(lookup).json()["issuer"]["name"] == org.name  # cached
    settings.CACHES = UNREACHABLE

    with django_capture_on_commit_callbacks(execute=True):
        organization_update(actor=Actor(user=owner), organization=org, name="Renamed University")

    assert PublicStatusPurge.objects.get().organization_id == org.pk  # one row, not one per certificate
    settings.CACHES = LOCMEM
    assert APIClient().get(lookup).json()["issuer"]["name"] != "Renamed University"
    PublicStatusPurge.objects.update(created_at=timezone.now() - 2 * RETRY_AFTER)
    retry_public_status_purges()  # the beat task queues the issuer's purge (eager here)
    assert APIClient().get(lookup).json()["issuer"]["name"] == "Renamed University"
    assert not PublicStatusPurge.objects.exists()
