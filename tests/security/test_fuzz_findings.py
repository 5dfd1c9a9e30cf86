"""Server errors schemathesis found (tests/security/test_schemathesis.py), pinned as plain tests so
the fast suite catches a regression without fuzzing."""

import pytest

from tests.conftest import auth_client

pytestmark = pytest.mark.django_db


def test_an_invitation_without_a_role_invites_a_viewer(org, admin_user):
    # Was a 500: the serializer made `role` optional but the service required it.
    response = auth_client(admin_user).post(
        f"/api/v1/organizations/{org.slug}/invitations/", {"email": "someone@example.com"}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert response.json()["role"] == "viewer"


@pytest.mark.parametrize("body", [[None, None], "all", 42, None])
def test_logout_with_a_body_that_is_not_an_object_is_a_client_error(user, body):
    # Was a 500: the view called .get() on whatever JSON it was sent.
    response = auth_client(user).post("/api/v1/auth/logout/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/certificates/?q=ab%00cd",
        "/api/v1/certificates/?title=%00",
        "/api/v1/certificates/?recipient_email=a%00b@example.com",
        "/api/v1/certificates/?organization=%00",
        "/api/v1/certificates/export/?q=%00",
        "/api/v1/verifications/?status=%00",
        "/api/v1/webhooks/?organization=%00",
        "/api/v1/organizations/%00/",
        "/api/v1/public/certificates/CV-%00/",
        "/api/v1/public/organizations/a%00b/keys/",
    ],
)
def test_nul_bytes_in_query_and_path_parameters_are_not_server_errors(owner, path):
    # PostgreSQL refuses NUL in text; each of these must end in a 4xx or an empty result.
    response = auth_client(owner).get(path)
    assert response.status_code < 500, (path, response.status_code)


@pytest.mark.parametrize("layout", ["null", "[]", '""', "0"])
def test_a_template_layout_that_is_not_an_object_is_a_field_error(org, admin_user, layout):
    # Was a 500 for null (NOT NULL constraint); [] and "" were stored and broke rendering later.
    response = auth_client(admin_user).post(
        "/api/v1/templates/", {"organization": org.slug, "name": "T", "layout": layout}, format="multipart"
    )
    assert response.status_code == 400, response.content
    assert "layout" in response.json()["error"]["fields"]
