"""DESIGN §9: no N+1 queries in any list endpoint. Each API list is read with a few rows and then
with more; the number of SQL queries must not grow with the rows on the page."""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certificates.designs.services import template_create
from certificates.lifecycle.services import certificate_issue
from certificates.models import IssuanceBatch
from certificates.signing.services import signing_key_rotate
from organizations.access import Actor
from organizations.roles import Role
from organizations.services import api_key_create, invitation_create
from tests.conftest import auth_client
from tests.factories import MembershipFactory, OrganizationFactory
from verification.services import verification_create
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db
serial = itertools.count()


def certificates(org, owner):
    certificate_issue(
        actor=Actor(user=owner), organization=org, recipient_name=f"Recipient {next(serial)}",
        title="MSc", issue_date=dt.date(2026, 6, 30),
    )  # fmt: skip


def batches(org, owner):
    IssuanceBatch.objects.create(
        organization=org,
        created_by=owner,
        file=f"batches/{next(serial)}.csv",
        file_sha256=f"{next(serial):064x}",
    )


def templates(org, owner):
    template_create(actor=Actor(user=owner), organization=org, name=f"Design {next(serial)}", layout={})


def verifications(org, owner):
    certificate = certificate_issue(
        actor=Actor(user=owner), organization=org, recipient_name=f"Checked {next(serial)}",
        title="MSc", issue_date=dt.date(2026, 6, 30),
    )  # fmt: skip
    verification_create(actor=Actor(user=owner), credential_id=certificate.credential_id)


def organizations(org, owner):
    MembershipFactory(user=owner, organization=OrganizationFactory(), role=Role.VIEWER)


def members(org, owner):
    MembershipFactory(organization=org, role=Role.ISSUER)


def invitations(org, owner):
    invitation_create(
        actor=Actor(user=owner), organization=org, email=f"new{next(serial)}@example.com", role=Role.VIEWER
    )


def api_keys(org, owner):
    api_key_create(actor=Actor(user=owner), organization=org, name=f"key {next(serial)}", role=Role.VIEWER)


def signing_keys(org, owner):
    signing_key_rotate(actor=Actor(user=owner), organization=org)


def webhooks(org, owner):
    endpoint_create(
        actor=Actor(user=owner), organization=org, url=f"http://127.0.0.1:9/hook/{next(serial)}",
        event_types=["certificate.issued"],
    )  # fmt: skip


LISTS = {
    "/api/v1/certificates/": certificates,
    "/api/v1/issuance-batches/": batches,
    "/api/v1/templates/": templates,
    "/api/v1/verifications/": verifications,
    "/api/v1/organizations/": organizations,
    "/api/v1/organizations/{slug}/members/": members,
    "/api/v1/organizations/{slug}/invitations/": invitations,
    "/api/v1/organizations/{slug}/api-keys/": api_keys,
    "/api/v1/organizations/{slug}/audit-events/": invitations,  # each invitation is audited
    "/api/v1/organizations/{slug}/signing-keys/": signing_keys,
    "/api/v1/webhooks/?organization={slug}": webhooks,
}


def read(client, path) -> tuple[int, int]:
    """(queries, rows on the page) of one list request."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize("template", LISTS, ids=[p.split("?")[0].replace("{slug}", "org") for p in LISTS])
def test_list_queries_do_not_grow_with_its_rows(template, org, owner):
    add = LISTS[template]
    path = template.format(slug=org.slug)
    client = auth_client(owner)
    for _ in range(2):
        add(org, owner)
    read(client, path)  # refills the principal cache, which a new membership drops
    few, rows_few = read(client, path)
    for _ in range(5):
        add(org, owner)
    read(client, path)
    many, rows_many = read(client, path)

    assert rows_many >= rows_few + 5
    assert many == few, f"{few} queries for {rows_few} rows, {many} for {rows_many}"
