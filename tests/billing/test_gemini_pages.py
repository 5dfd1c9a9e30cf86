"""Gemini pages are metered on the account's plan (issue Q.1): a page is counted before the work,
and once the month's pages are used up the document is read by local OCR, saying why. Public
(anonymous) checks are never limited by a plan."""

import pytest

from billing.models import UsageCounter
from organizations.access import Actor
from organizations.models import APIKey
from organizations.services import api_key_create
from tests.billing.test_limits import png
from tests.fraud.gemini_standin import GeminiStandIn, reply_json
from verification.models import VerificationRequest
from verification.services import verification_create

pytestmark = pytest.mark.django_db

READING = {"issuer": "Northwind University", "recipient_name": "Ada Lovelace", "title": "MSc"}


@pytest.fixture
def gemini(settings):
    with GeminiStandIn([reply_json(READING)]) as server:
        settings.GEMINI_API_KEY, settings.GEMINI_BASE_URL = "test-key", server.url
        settings.GEMINI_DAILY_BUDGET_PER_ORG = 100
        yield server


def reading_of(verification: VerificationRequest) -> dict:
    verification.refresh_from_db()
    return verification.extracted["vision"]


def test_the_month_s_last_gemini_page_then_local_ocr_saying_why(
    on_free, free_plan, owner, gemini, django_capture_on_commit_callbacks
):
    free_plan.verifications_per_month = 10
    free_plan.gemini_pages_per_month = 1
    free_plan.save()
    api_key_create(actor=Actor(user=owner), organization=on_free, name="k", role="viewer")
    account = Actor(api_key=APIKey.objects.get(organization=on_free), ip="127.0.0.1")

    with django_capture_on_commit_callbacks(execute=True):
        first = verification_create(actor=account, upload=png())
    with django_capture_on_commit_callbacks(execute=True):
        second = verification_create(actor=account, upload=png())
    with django_capture_on_commit_callbacks(execute=True):
        anonymous = verification_create(actor=Actor(ip="203.0.113.9"), upload=png())

    assert reading_of(first)["path"] == "gemini"
    assert reading_of(second)["path"] != "gemini"
    assert "Gemini pages for this month are used up" in reading_of(second)["note"]
    assert reading_of(anonymous)["path"] == "gemini"  # the public is not limited by a plan
    assert len(gemini.requests) == 2
    assert UsageCounter.objects.get(organization=on_free, metric="gemini_pages").used == 1
