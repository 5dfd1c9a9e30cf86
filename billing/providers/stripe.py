"""Stripe: Checkout Sessions through the official SDK; webhooks verified with Stripe-Signature
(HMAC-SHA256 of `t.payload`, 300 s tolerance) by stripe.Webhook.construct_event."""

from __future__ import annotations

import stripe
from django.conf import settings

from .base import BadSignature, Checkout, PaymentProvider, ProviderEvent, ProviderUnavailable, from_unix

TOLERANCE = 300  # seconds between the signature's timestamp and now
ACTIONS = {
    "checkout.session.completed": "activate",
    "invoice.paid": "renew",
    "invoice.payment_failed": "payment_failed",
    "customer.subscription.deleted": "cancel",
}


class StripeProvider(PaymentProvider):
    name = "stripe"
    title = "Stripe"

    def is_configured(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)

    def form_origin(self) -> str:
        return settings.STRIPE_CHECKOUT_BASE

    def _client(self) -> stripe.StripeClient:
        return stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": settings.STRIPE_API_BASE},
            max_network_retries=1,
        )

    def checkout_create(self, *, organization, plan, success_url: str, cancel_url: str) -> Checkout:
        if plan.stripe_price_id:
            item = {"price": plan.stripe_price_id, "quantity": 1}
        else:
            item = {
                "quantity": 1,
                "price_data": {
                    "currency": plan.currency.lower(),
                    "unit_amount": plan.price_minor,
                    "recurring": {"interval": "month"},
                    "product_data": {"name": f"CertVerify {plan.name}"},
                },
            }
        params = {
            "mode": "subscription",
            "line_items": [item],
            "success_url": success_url + "?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": cancel_url,
            "client_reference_id": str(organization.pk),
            "metadata": {"organization_id": str(organization.pk), "plan": plan.code},
            "subscription_data": {"metadata": {"organization_id": str(organization.pk), "plan": plan.code}},
        }
        try:
            session = self._client().v1.checkout.sessions.create(params=params)
        except stripe.StripeError as exc:
            raise ProviderUnavailable(
                f"Stripe did not start the checkout: {exc.user_message or exc}"
            ) from exc
        return Checkout(reference=session.id, url=session.url or "")

    def checkout_paid(self, reference: str) -> dict | None:
        """The session's facts when Stripe says it is paid (the return page asks), else None."""
        try:
            session = self._client().v1.checkout.sessions.retrieve(reference)
        except stripe.StripeError as exc:
            raise ProviderUnavailable(f"Stripe did not answer: {exc.user_message or exc}") from exc
        if session.payment_status != "paid" and session.status != "complete":
            return None
        return {"subscription_id": session.subscription or "", "customer_id": session.customer or ""}

    def event_verify(self, body: bytes, headers) -> tuple[str, dict]:
        signature = headers.get("Stripe-Signature", "")
        try:
            event = stripe.Webhook.construct_event(body, signature, settings.STRIPE_WEBHOOK_SECRET, TOLERANCE)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise BadSignature("The Stripe-Signature does not verify.") from exc
        data = event.to_dict()
        return data["id"], data

    def event_read(self, event_id: str, data: dict) -> ProviderEvent:
        obj = data["data"]["object"]
        metadata = obj.get("metadata") or (obj.get("subscription_details") or {}).get("metadata") or {}
        parsed = ProviderEvent(
            event_id=event_id,
            type=data["type"],
            occurred_at=from_unix(data["created"]),
            action=ACTIONS.get(data["type"], "ignore"),
            payload=data,
            organization_id=int(metadata["organization_id"]) if metadata.get("organization_id") else None,
            plan_code=metadata.get("plan", ""),
            customer_id=obj.get("customer") or "",
        )
        if data["type"] == "checkout.session.completed":
            parsed.reference = obj["id"]
            parsed.subscription_id = obj.get("subscription") or ""
        elif data["type"].startswith("invoice."):
            parsed.subscription_id = obj.get("subscription") or ""
            lines = (obj.get("lines") or {}).get("data") or [{}]
            parsed.period_end = from_unix((lines[0].get("period") or {}).get("end"))
            parsed.invoice = {
                "number": obj.get("number") or obj["id"],
                "amount_minor": obj.get("amount_paid") or obj.get("amount_due") or 0,
                "currency": (obj.get("currency") or "usd").upper(),
                "status": obj.get("status") or "",
                "url": obj.get("hosted_invoice_url") or "",
            }
        else:
            parsed.subscription_id = obj.get("id") or ""
        return parsed
