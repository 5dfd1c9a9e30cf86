import datetime as dt

import pytest

from certificates.lifecycle.services import certificate_issue
from organizations.access import Actor


@pytest.fixture
def issue_certificate(org, issuer, django_capture_on_commit_callbacks):
    def _issue(**extra):
        fields = {
            "recipient_name": "Ada Lovelace",
            "recipient_email": "ada@example.com",
            "title": "MSc Computer Science",
            "issue_date": dt.date(2026, 6, 30),
            "grade": "A",
            **extra,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return certificate_issue(actor=Actor(user=issuer), organization=org, **fields)

    return _issue
