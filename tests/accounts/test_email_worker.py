"""Account e-mails go out from a worker, over real SMTP, after the request has been answered."""

import os
import re

import pytest
from rest_framework.test import APIClient

from tests.celery_worker import running_worker
from tests.factories import UserFactory
from tests.smtp_standin import SmtpStandIn

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (a real broker)"
    ),
]


def test_a_password_reset_is_answered_before_the_slow_mail_server_has_the_message(settings):
    user = UserFactory(email="reset-me@example.com")
    with SmtpStandIn(delay=5.0) as smtp, running_worker(settings.MEDIA_ROOT, {"EMAIL_URL": smtp.url}):
        response = APIClient().post("/api/v1/auth/password/reset/", {"email": user.email})

        assert response.status_code == 202, response.content
        assert smtp.messages == []  # answered while the worker still waits on the mail server
        message = smtp.wait_for_message()

    assert message.recipients == ["reset-me@example.com"]
    # The link was made by the worker and works: it sets a new password through the API.
    uid, token = re.search(
        r"/portal/password-reset/([^/\s]+)/([^/\s]+)/", message.data.replace("=\n", "")
    ).groups()
    confirm = APIClient().post(
        "/api/v1/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": "a-Fresh-passw0rd!"},
    )
    assert confirm.status_code == 200, confirm.content
    user.refresh_from_db()
    assert user.check_password("a-Fresh-passw0rd!")
