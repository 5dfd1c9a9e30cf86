"""The usage and plan pages in a real browser at phone and desktop widths, and both checkouts
through the local provider stand-ins (the CSP lets the form go to the provider and back)."""

import pytest

from billing.models import Subscription, UsageCounter
from billing.plans import plan_get, subscription_for
from billing.selectors import months_back
from organizations.roles import Role
from tests.billing.standins import ProviderStandIn
from tests.e2e.conftest import PHONE
from tests.e2e.harness import expect, organization, person, sign_in

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture
def standin(settings):
    server = ProviderStandIn(stripe_key="sk_test_e2e", razorpay_key=("rzp_test_e2e", "rzp-secret"))
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_e2e", "whsec_e2e"
    settings.STRIPE_API_BASE = settings.STRIPE_CHECKOUT_BASE = server.url
    settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET = "rzp_test_e2e", "rzp-secret"
    settings.RAZORPAY_WEBHOOK_SECRET, settings.RAZORPAY_API_BASE = "rzp-hook", server.url
    yield server
    server.close()


@pytest.fixture
def ada_on_free(transactional_db):
    ada = person("ada@northwind.example", "Ada Lovelace")
    org = organization("Northwind University", "northwind", members={ada: Role.OWNER})
    Subscription.objects.update_or_create(organization=org, defaults={"plan": plan_get("free")})
    plan_get("pro"), plan_get("enterprise")
    for index, month in enumerate(months_back(12)):
        UsageCounter.objects.create(
            organization=org, metric="certificates", month=month, used=(index * 7) % 45 + 3
        )
        UsageCounter.objects.create(
            organization=org, metric="verifications", month=month, used=(index * 13) % 90 + 5
        )
    UsageCounter.objects.filter(organization=org, metric="certificates", month=months_back(1)[0]).update(
        used=50
    )
    UsageCounter.objects.create(organization=org, metric="api_keys", month=months_back(1)[0], used=1)
    return ada, org


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_usage_and_plan_pages(new_page, screenshot, ada_on_free, standin, viewport):
    ada, _org = ada_on_free
    page = new_page(viewport)
    sign_in(page, ada.email)
    page.goto("/portal/billing/usage/")
    expect(page.locator("#usage-certificates")).to_contain_text("50 of 50")
    expect(page.locator("#usage-chart rect")).to_have_count(24)
    assert page.locator("#usage-chart").bounding_box()["width"] <= viewport["width"]
    screenshot(page, f"billing-usage-{viewport['width']}")
    page.goto("/portal/billing/plans/")
    expect(page.locator("#plan-card-pro").get_by_role("button", name="Upgrade with Stripe")).to_be_visible()
    screenshot(page, f"billing-plans-{viewport['width']}")
    assert page.console_errors == []


def test_stripe_checkout_in_the_browser_moves_to_pro(new_page, screenshot, ada_on_free, standin):
    ada, org = ada_on_free
    page = new_page(DESKTOP)
    sign_in(page, ada.email)
    page.goto("/portal/billing/plans/")
    page.locator("#plan-card-pro").get_by_role("button", name="Upgrade with Stripe").click()
    expect(page.locator("#current-plan")).to_have_text("Pro")
    expect(page.get_by_text("the plan is active")).to_be_visible()
    screenshot(page, "billing-after-stripe-checkout")
    assert subscription_for(org).plan.code == "pro" and page.console_errors == []


def test_razorpay_checkout_in_the_browser_moves_to_pro(new_page, screenshot, ada_on_free, standin):
    ada, org = ada_on_free
    page = new_page(PHONE)
    sign_in(page, ada.email)
    page.goto("/portal/billing/plans/")
    page.locator("#plan-card-pro").get_by_role("button", name="Upgrade with Razorpay").click()
    screenshot(page, "billing-razorpay-handoff-390")
    page.get_by_role("button", name="Continue to Razorpay").click()
    page.get_by_role("button", name="Pay USD 4900").click()
    expect(page.locator("#current-plan")).to_have_text("Pro")
    expect(page.get_by_text("the plan is active")).to_be_visible()
    screenshot(page, "billing-after-razorpay-checkout-390", full_page=False)
    assert subscription_for(org).plan.code == "pro" and subscription_for(org).provider == "razorpay"
