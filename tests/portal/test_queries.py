"""List pages cost a bounded number of queries, however long the list."""

import pytest

from organizations.access import Actor
from organizations.audit import audit_record
from organizations.roles import Role
from organizations.services import api_key_create, invitation_create
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# Session, user, memberships/organizations, the page's own queries (count + rows), a little slack.
MAX_QUERIES = 12
# The dashboard adds the recipients' panel (holders): delivery counts, engagement totals and the
# 30-day series, a fixed four queries whatever the data.
DASHBOARD_MAX_QUERIES = MAX_QUERIES + 4


def _fill_members(org, n):
    for _ in range(n):
        MembershipFactory(organization=org, role=Role.ISSUER)


def test_members_page_queries_do_not_grow_with_members(owner_client, org, django_assert_max_num_queries):
    _fill_members(org, 5)
    owner_client.get("/portal/")  # the first visit stores the current organization in the session
    with django_assert_max_num_queries(MAX_QUERIES) as small:
        assert owner_client.get("/portal/members/").status_code == 200
    _fill_members(org, 45)
    with django_assert_max_num_queries(MAX_QUERIES) as large:
        response = owner_client.get("/portal/members/")
    assert response.content.count(b"Change role") == 50
    assert len(large.captured_queries) == len(small.captured_queries)


def test_audit_log_with_50_rows_is_bounded(owner_client, owner, org, django_assert_max_num_queries):
    key, _ = api_key_create(actor=Actor(user=owner), organization=org, name="k", role=Role.VIEWER)
    people = UserFactory.create_batch(5)
    for i in range(50):
        audit_record(
            action=f"test.event_{i % 4}",
            organization=org,
            actor=people[i % 5] if i % 2 else None,
            actor_api_key=None if i % 2 else key,
            details={"n": i},
        )
    with django_assert_max_num_queries(MAX_QUERIES):
        response = owner_client.get("/portal/audit-log/")
    assert response.content.count(b'data-label="By"') == 50


def test_invitations_and_api_keys_pages_are_bounded(owner_client, owner, org, django_assert_max_num_queries):
    actor = Actor(user=owner)
    for i in range(30):
        invitation_create(actor=actor, organization=org, email=f"p{i}@example.com", role=Role.VIEWER)
        api_key_create(actor=actor, organization=org, name=f"key {i}", role=Role.VIEWER)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert owner_client.get("/portal/invitations/").status_code == 200
    with django_assert_max_num_queries(MAX_QUERIES):
        assert owner_client.get("/portal/api-keys/").status_code == 200


def test_dashboard_is_bounded(owner_client, org, django_assert_max_num_queries):
    _fill_members(org, 20)
    owner_client.get("/portal/")  # first visit saves the session; measure a steady-state page
    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES):
        assert owner_client.get("/portal/").status_code == 200
