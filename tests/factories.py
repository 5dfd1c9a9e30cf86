"""factory_boy factories shared by every test package."""

from functools import cache

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import User
from organizations.models import Membership, Organization
from organizations.roles import Role

PASSWORD = "correct-horse-battery-staple"


@cache
def _password_hash() -> str:
    # Hash once: Argon2 per user would dominate the suite's run time.
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    email_verified = True
    password = factory.LazyFunction(_password_hash)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Institute {n}")
    slug = factory.Sequence(lambda n: f"institute-{n}")
    country = "DE"
    # Reviewed by default: most tests are about documents, not issuer identity, and an unverified
    # issuer's genuine document is only `inconclusive`. Tests about identity say `unverified`.
    verification_level = "reviewed"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.VIEWER
