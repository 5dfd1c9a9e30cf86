"""An organization always keeps an owner who can sign in, also when owners act at the same moment.

Every change that can take an owner away (a role change, a removal, leaving, closing an account)
locks the organization's row before it counts the owners, so of two concurrent changes the second
sees what the first left.
"""

import threading

import pytest
from django.db import connection

from accounts.services import user_deactivate
from core.errors import DomainError
from organizations.access import Actor
from organizations.models import Membership
from organizations.roles import Role
from organizations.services import membership_change_role, membership_remove
from tests.conftest import auth_client
from tests.factories import MembershipFactory, OrganizationFactory

ITERATIONS = 20

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (DATABASE_URL=postgres://…): SQLite serializes writers, so owners never race",
)


def two_owners():
    org = OrganizationFactory()
    return org, [MembershipFactory(organization=org, role=Role.OWNER) for _ in range(2)]


def authorized(membership) -> Actor:
    """An actor whose roles were read when its request was authenticated, as a request's are."""
    actor = Actor(user=membership.user)
    actor.roles()
    return actor


def both_at_once(first, second) -> list[str]:
    """Run the two calls released together; 'ok' or the domain error's code for each."""
    barrier = threading.Barrier(2)
    outcomes = [None, None]

    def worker(index, call):
        try:
            barrier.wait()
            call()
            outcomes[index] = "ok"
        except DomainError as exc:
            outcomes[index] = exc.code
        except Exception as exc:  # noqa: BLE001 - reported through the outcomes
            outcomes[index] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def active_owners(org) -> int:
    return Membership.objects.filter(organization=org, role=Role.OWNER, user__is_active=True).count()


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("iteration", range(ITERATIONS))
def test_two_owners_demoting_each_other_at_once_leave_exactly_one_owner(iteration):
    org, (a, b) = two_owners()
    actor_a, actor_b = authorized(a), authorized(b)

    outcomes = both_at_once(
        lambda: membership_change_role(actor=actor_a, membership=b, role=Role.ADMIN),
        lambda: membership_change_role(actor=actor_b, membership=a, role=Role.ADMIN),
    )

    assert sorted(outcomes) == ["last_owner", "ok"]
    assert active_owners(org) == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("iteration", range(ITERATIONS))
def test_two_owners_leaving_at_once_leave_exactly_one_owner(iteration):
    org, (a, b) = two_owners()
    actor_a, actor_b = authorized(a), authorized(b)

    outcomes = both_at_once(
        lambda: membership_remove(actor=actor_a, membership=a),
        lambda: membership_remove(actor=actor_b, membership=b),
    )

    assert sorted(outcomes) == ["last_owner", "ok"]
    assert active_owners(org) == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("iteration", range(ITERATIONS))
def test_two_owners_closing_their_accounts_at_once_leave_exactly_one_owner(iteration):
    org, (a, b) = two_owners()

    outcomes = both_at_once(lambda: user_deactivate(user=a.user), lambda: user_deactivate(user=b.user))

    assert sorted(outcomes) == ["last_owner", "ok"]
    assert active_owners(org) == 1


# --- the same rules, one request at a time (any database) ------------------------------------------


@pytest.mark.django_db
def test_an_owner_demoted_meanwhile_cannot_remove_another_owner_on_a_role_read_before(org):
    a, b, c = (MembershipFactory(organization=org, role=Role.OWNER) for _ in range(3))
    actor_b = authorized(b)  # B's request was authenticated while B was still an owner
    membership_change_role(actor=authorized(a), membership=b, role=Role.ADMIN)

    with pytest.raises(DomainError) as refused:
        membership_remove(actor=actor_b, membership=c)

    assert refused.value.code == "role_forbidden"
    assert Membership.objects.filter(pk=c.pk, role=Role.OWNER).exists()


@pytest.mark.django_db
def test_an_owner_whose_account_is_closed_does_not_count_as_the_other_owner(org):
    active, closed = (MembershipFactory(organization=org, role=Role.OWNER) for _ in range(2))
    closed.user.is_active = False
    closed.user.save(update_fields=["is_active"])

    response = auth_client(active.user).delete(f"/api/v1/organizations/{org.slug}/members/{active.pk}/")

    assert response.status_code == 400 and response.json()["error"]["code"] == "last_owner"
    assert Membership.objects.filter(pk=active.pk, role=Role.OWNER).exists()


@pytest.mark.django_db
def test_the_last_owner_cannot_close_their_account(org, owner):
    response = auth_client(owner).delete("/api/v1/auth/me/")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "last_owner"
    assert org.name in response.json()["error"]["message"]
    owner.refresh_from_db()
    assert owner.is_active


@pytest.mark.django_db
def test_an_owner_with_another_owner_can_close_their_account(org, owner):
    MembershipFactory(organization=org, role=Role.OWNER)

    assert auth_client(owner).delete("/api/v1/auth/me/").status_code == 204
    owner.refresh_from_db()
    assert not owner.is_active


@pytest.mark.django_db
def test_the_last_owner_of_a_deactivated_organization_can_close_their_account(org, owner):
    org.is_active = False
    org.save(update_fields=["is_active"])

    assert auth_client(owner).delete("/api/v1/auth/me/").status_code == 204
