import pytest

from billing.models import Subscription
from billing.plans import plan_get


@pytest.fixture
def free_plan(db):
    """The free plan with small limits, so a test reaches them in a few calls."""
    plan = plan_get("free")  # re-created after a transactional test's flush
    plan.certificates_per_month = 3
    plan.verifications_per_month = 1
    plan.api_keys_per_month = 1
    plan.members_per_month = 1
    plan.webhooks_per_month = 1
    plan.bulk_max_rows = 10
    plan.save()
    return plan


@pytest.fixture
def on_free(org, free_plan):
    Subscription.objects.update_or_create(organization=org, defaults={"plan": free_plan})
    return org
