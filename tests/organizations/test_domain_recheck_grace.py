"""The periodic domain re-check's grace period: a passing DNS or web failure does not downgrade.

The first failed re-check e-mails the admins the date of the downgrade; the level drops only when
the proof has been missing for DOMAIN_RECHECK_GRACE; a proof found again in between ends it.
Time passing is the database's clock moved back (`domain_failing_since`), checked by the beat task.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from organizations.models import AuditEvent, Organization, VerificationLevel
from organizations.tasks import recheck_domains
from tests.conftest import auth_client
from tests.factories import OrganizationFactory
from tests.organizations.test_identity import StandInDNS, check_proof, start_proof

pytestmark = pytest.mark.django_db
RECORD = "_certverify.uni.example"


@pytest.fixture
def org(db):
    return OrganizationFactory(verification_level="unverified")


@pytest.fixture
def dns_server(settings):
    server = StandInDNS()
    settings.DOMAIN_PROOF_NAMESERVER = f"127.0.0.1:{server.port}"
    settings.DOMAIN_PROOF_TIMEOUT = 2.0
    settings.DOMAIN_PROOF_REQUIRE_HTTPS = True  # nothing serves https://uni.example: DNS is the proof
    yield server
    server.close()


@pytest.fixture
def proved(org, owner, admin_user, dns_server, settings):
    """A domain-level organization whose TXT record is published, due for its re-check."""
    settings.DOMAIN_PROOF_REQUIRE_HTTPS = False
    client = auth_client(owner)
    token = start_proof(client, org, "uni.example").json()["token"]
    dns_server.records[RECORD] = [f"certverify-verification={token}"]
    assert check_proof(client, org).status_code == 200
    settings.DOMAIN_PROOF_REQUIRE_HTTPS = True
    due()
    mail.outbox.clear()
    return org


def due(**fields):
    Organization.objects.update(domain_checked_at=None, **fields)


def recheck(capture) -> str:
    with capture(execute=True):
        return recheck_domains()


def test_a_first_failure_keeps_the_level_and_emails_the_downgrade_date(
    proved, owner, admin_user, dns_server, settings, django_capture_on_commit_callbacks
):
    settings.DOMAIN_RECHECK_GRACE = timedelta(hours=72)
    del dns_server.records[RECORD]

    assert recheck(django_capture_on_commit_callbacks) == "1 checked, 0 downgraded, 1 in their grace period"

    proved.refresh_from_db()
    assert proved.verification_level == VerificationLevel.DOMAIN and proved.verified_domain == "uni.example"
    assert proved.domain_failing_since is not None
    failed = AuditEvent.objects.get(organization=proved, action="organization.domain_recheck_failed")
    downgrade_on = proved.domain_failing_since + timedelta(hours=72)
    assert failed.details["downgrade_on"] == downgrade_on.isoformat()
    [message] = mail.outbox
    assert set(message.to) == {owner.email, admin_user.email}
    assert (
        f'will be downgraded to "Identity not verified" on {downgrade_on:%d %B %Y, %H:%M} UTC' in message.body
    )
    assert f"No TXT record at {RECORD}" in message.body and "/portal/settings/" in message.body

    portal = Client()
    portal.force_login(owner)
    warning = re.search(r'id="domain-failing">(.*?)</div>', portal.get("/portal/settings/").content.decode())
    assert warning and f"still missing on {downgrade_on:%-d %B %Y, %H:%M} UTC" in warning.group(1)

    # A second failure inside the grace period changes nothing and sends nothing more.
    due()
    mail.outbox.clear()
    assert recheck(django_capture_on_commit_callbacks).endswith("0 downgraded, 1 in their grace period")
    assert Organization.objects.get(pk=proved.pk).verification_level == VerificationLevel.DOMAIN
    assert not mail.outbox


def test_the_level_drops_when_the_proof_is_still_missing_after_the_grace_period(
    proved, owner, dns_server, settings, django_capture_on_commit_callbacks
):
    settings.DOMAIN_RECHECK_GRACE = timedelta(hours=72)
    del dns_server.records[RECORD]
    recheck(django_capture_on_commit_callbacks)
    since = Organization.objects.get(pk=proved.pk).domain_failing_since
    mail.outbox.clear()

    due(domain_failing_since=since - timedelta(hours=72))  # three days of failed re-checks later
    assert recheck(django_capture_on_commit_callbacks) == "1 checked, 1 downgraded, 0 in their grace period"

    proved.refresh_from_db()
    assert proved.verification_level == VerificationLevel.UNVERIFIED and proved.verified_domain == ""
    assert proved.domain_failing_since is None
    assert AuditEvent.objects.filter(organization=proved, action="organization.domain_lost").count() == 1
    [message] = mail.outbox
    assert "no longer a verified domain" in message.subject and owner.email in message.to
    assert "/portal/settings/" in message.body


def test_a_proof_found_again_within_the_grace_period_ends_it(
    proved, dns_server, settings, django_capture_on_commit_callbacks
):
    settings.DOMAIN_RECHECK_GRACE = timedelta(hours=72)
    published = dns_server.records.pop(RECORD)
    recheck(django_capture_on_commit_callbacks)

    dns_server.records[RECORD] = published
    due()
    assert recheck(django_capture_on_commit_callbacks) == "1 checked, 0 downgraded, 0 in their grace period"

    proved.refresh_from_db()
    assert proved.verification_level == VerificationLevel.DOMAIN and proved.domain_failing_since is None
    assert AuditEvent.objects.filter(
        organization=proved, action="organization.domain_recheck_recovered"
    ).exists()

    # The next failure starts a new grace period (and a new warning), not the old one's end.
    del dns_server.records[RECORD]
    due()
    mail.outbox.clear()
    assert recheck(django_capture_on_commit_callbacks).endswith("0 downgraded, 1 in their grace period")
    assert len(mail.outbox) == 1


def test_no_grace_downgrades_at_the_first_failure(
    proved, dns_server, settings, django_capture_on_commit_callbacks
):
    settings.DOMAIN_RECHECK_GRACE = timedelta(0)
    del dns_server.records[RECORD]

    assert recheck(django_capture_on_commit_callbacks) == "1 checked, 1 downgraded, 0 in their grace period"
    assert Organization.objects.get(pk=proved.pk).verification_level == VerificationLevel.UNVERIFIED
