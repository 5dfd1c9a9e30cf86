"""Razorpay: orders and subscriptions through the official SDK; the payment return verified with
HMAC_SHA256(order_id|payment_id, key_secret), webhooks with X-Razorpay-Signature (HMAC-SHA256 of
the raw body with the webhook secret)."""

from __future__ import annotations

import hashlib
import hmac
import json

import razorpay
from django.conf import settings
from django.utils import timezone

from .base import BadSignature, Checkout, PaymentProvider, ProviderEvent, ProviderUnavailable, from_unix

ACTIONS = {
    "order.paid": "activate",
    "subscription.activated": "activate",
    "subscription.charged": "renew",
    "subscription.pending": "payment_failed",
    "payment.failed": "payment_failed",
    "subscription.halted": "cancel",
    "subscription.cancelled": "cancel",
}


def _signature(message: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class RazorpayProvider(PaymentProvider):
    name = "razorpay"
    title = "Razorpay"

    def is_configured(self) -> bool:
        return bool(
            settings.RAZORPAY_KEY_ID and settings.RAZORPAY_KEY_SECRET and settings.RAZORPAY_WEBHOOK_SECRET
        )

    def form_origin(self) -> str:
        return settings.RAZORPAY_API_BASE

    def _client(self) -> razorpay.Client:
        client = razorpay.Client(
            auth=(settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET), base_url=settings.RAZORPAY_API_BASE
        )
        client.set_app_details({"title": "CertVerify", "version": "1"})
        return client

    def checkout_create(self, *, organization, plan, success_url: str, cancel_url: str) -> Checkout:
        notes = {"organization_id": str(organization.pk), "plan": plan.code}
        try:
            if plan.razorpay_plan_id:  # a recurring plan set up in Razorpay: its hosted link
                subscription = self._client().subscription.create(
                    {"plan_id": plan.razorpay_plan_id, "total_count": 120, "notes": notes}
                )
                return Checkout(reference=subscription["id"], url=subscription.get("short_url", ""))
            order = self._client().order.create(
                {
                    "amount": plan.price_minor,
                    "currency": plan.currency,
                    "receipt": f"org-{organization.pk}",
                    "notes": notes,
                }
            )
        except (razorpay.errors.BadRequestError, razorpay.errors.ServerError, OSError) as exc:
            raise ProviderUnavailable(f"Razorpay did not start the checkout: {exc}") from exc
        form = {
            "key_id": settings.RAZORPAY_KEY_ID,
            "order_id": order["id"],
            "amount": str(plan.price_minor),
            "currency": plan.currency,
            "name": "CertVerify",
            "description": f"{plan.name} plan for {organization.name}",
            "callback_url": success_url,
            "cancel_url": cancel_url,
        }
        return Checkout(
            reference=order["id"], url=f"{settings.RAZORPAY_API_BASE}/v1/checkout/embedded", form=form
        )

    def payment_verify(self, *, order_id: str, payment_id: str, signature: str) -> None:
        """The return from checkout: Razorpay signs order_id|payment_id with the key secret."""
        expected = _signature(f"{order_id}|{payment_id}".encode(), settings.RAZORPAY_KEY_SECRET)
        if not hmac.compare_digest(expected, signature or ""):
            raise BadSignature("The payment signature does not verify.", field="razorpay_signature")

    def event_verify(self, body: bytes, headers) -> tuple[str, dict]:
        expected = _signature(body, settings.RAZORPAY_WEBHOOK_SECRET)
        if not hmac.compare_digest(expected, headers.get("X-Razorpay-Signature", "")):
            raise BadSignature("The X-Razorpay-Signature does not verify.")
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise BadSignature("The body is not JSON.") from exc
        event_id = headers.get("X-Razorpay-Event-Id") or data.get("id") or ""
        if not event_id:
            raise BadSignature("The event has no id.")
        return event_id, data

    def event_read(self, event_id: str, data: dict) -> ProviderEvent:
        payload = data.get("payload") or {}
        order = (payload.get("order") or {}).get("entity") or {}
        subscription = (payload.get("subscription") or {}).get("entity") or {}
        payment = (payload.get("payment") or {}).get("entity") or {}
        notes = subscription.get("notes") or order.get("notes") or payment.get("notes") or {}
        parsed = ProviderEvent(
            event_id=event_id,
            type=data.get("event", ""),
            occurred_at=from_unix(data.get("created_at")) or timezone.now(),
            action=ACTIONS.get(data.get("event", ""), "ignore"),
            payload=data,
            reference=order.get("id") or subscription.get("id") or "",
            organization_id=int(notes["organization_id"]) if notes.get("organization_id") else None,
            plan_code=notes.get("plan", ""),
            subscription_id=subscription.get("id", ""),
            customer_id=subscription.get("customer_id") or "",
            period_end=from_unix(subscription.get("current_end")),
        )
        if payment and parsed.action in ("activate", "renew"):
            parsed.invoice = {
                "number": payment.get("invoice_id") or payment.get("id", ""),
                "amount_minor": payment.get("amount", 0),
                "currency": payment.get("currency", "INR"),
                "status": "paid",
                "url": "",
            }
        return parsed
