"""What billing needs from a payment provider, in billing's words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from billing.errors import BillingError


class ProviderUnavailable(BillingError):
    code = "billing_unavailable"
    kind = "conflict"


class BadSignature(BillingError):
    """A webhook or a payment return whose signature does not verify: nothing is changed."""

    code = "bad_signature"


@dataclass
class Checkout:
    reference: str  # Stripe's session id, Razorpay's order or subscription id
    url: str = ""  # where the payer goes (Stripe's hosted page, Razorpay's subscription link)
    form: dict = field(default_factory=dict)  # fields posted to Razorpay's hosted checkout


@dataclass
class ProviderEvent:
    """A verified webhook, reduced to what moves a plan."""

    event_id: str
    type: str
    occurred_at: dt.datetime
    action: str  # activate, renew, payment_failed, cancel or ignore
    payload: dict
    reference: str = ""  # the checkout it completes
    organization_id: int | None = None
    plan_code: str = ""
    subscription_id: str = ""
    customer_id: str = ""
    period_end: dt.datetime | None = None
    invoice: dict | None = None  # number, amount_minor, currency, status, url


class PaymentProvider:
    name = ""
    title = ""

    def is_configured(self) -> bool:
        raise NotImplementedError

    def form_origin(self) -> str:
        """Where the checkout form (or its redirect) leads: the page's CSP form-action must allow it."""
        raise NotImplementedError

    def checkout_create(self, *, organization, plan, success_url: str, cancel_url: str) -> Checkout:
        raise NotImplementedError

    def event_verify(self, body: bytes, headers) -> tuple[str, dict]:
        """(event id, the event as data) when the signature verifies, else BadSignature."""
        raise NotImplementedError

    def event_read(self, event_id: str, data: dict) -> ProviderEvent:
        """A verified (stored) event, reduced to what moves a plan."""
        raise NotImplementedError


def from_unix(value) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(value), tz=dt.UTC) if value else None
