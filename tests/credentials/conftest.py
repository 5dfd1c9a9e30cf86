import datetime as dt

import pytest

from certificates.lifecycle.services import certificate_issue
from organizations.access import Actor


@pytest.fixture
def issue_certificate(org, issuer):
    """Issues without running its after-commit work (rendering): these tests need no image."""

    def _issue(**extra):
        fields = {
            "recipient_name": "Ada Lovelace",
            "recipient_email": "ada@example.com",
            "title": "MSc Computer Science",
            "issue_date": dt.date(2026, 6, 30),
            "grade": "A",
            **extra,
        }
        return certificate_issue(actor=Actor(user=issuer), organization=org, **fields)

    return _issue
