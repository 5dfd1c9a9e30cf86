"""Organization-scoped full-text search on PostgreSQL: the index is asked for the words and the
organization at once, and the organization's lexeme cannot be searched for."""

import datetime as dt

import pytest
from django.db import connection

from certificates.lifecycle.services import certificate_issue
from organizations.access import Actor
from organizations.models import Membership
from organizations.roles import Role
from tests.conftest import auth_client
from tests.factories import OrganizationFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's"),
]


def issue(actor, org, name: str):
    return certificate_issue(
        actor=actor, organization=org, recipient_name=name, title="BSc", issue_date=dt.date(2026, 1, 5)
    )


def test_search_finds_only_the_callers_organization_and_the_index_skips_other_organizations(org, issuer):
    other = OrganizationFactory()
    other_issuer = Membership.objects.create(organization=other, user=issuer, role=Role.ISSUER).user
    mine = issue(Actor(user=issuer), org, "Maria Garcia")
    for n in range(5):
        issue(Actor(user=other_issuer), other, f"Luis Garcia {n}")
    Membership.objects.filter(organization=other, user=issuer).delete()  # no longer a member there

    client = auth_client(issuer)
    body = client.get("/api/v1/certificates/?q=garc").json()
    assert [row["credential_id"] for row in body["results"]] == [mine.credential_id]
    with connection.cursor() as cursor:  # the organization is in the document, as the query expects
        cursor.execute(
            "SELECT count(*) FROM certificates_certificate WHERE search_document @@ %s::tsquery",
            [f"'#org{org.pk}' & 'garcia'"],
        )
        assert cursor.fetchone()[0] == 1


def test_the_organization_lexeme_cannot_be_searched_for(org, issuer):
    issue(Actor(user=issuer), org, "Ada Lovelace")

    body = auth_client(issuer).get(f"/api/v1/certificates/?q=%23org{org.pk}").json()

    assert body["results"] == []
