"""Payment providers behind one small interface (base.Provider): Stripe and Razorpay."""

from __future__ import annotations

from .base import BadSignature, Checkout, PaymentProvider, ProviderEvent, ProviderUnavailable
from .razorpay import RazorpayProvider
from .stripe import StripeProvider

PROVIDERS: dict[str, type[PaymentProvider]] = {"stripe": StripeProvider, "razorpay": RazorpayProvider}


def provider_get(name: str) -> PaymentProvider:
    """The provider by name; ProviderUnavailable when unknown or its keys are not set."""
    cls = PROVIDERS.get(name)
    if cls is None:
        raise ProviderUnavailable(f"There is no payment provider called '{name}'.")
    provider = cls()
    if not provider.is_configured():
        raise ProviderUnavailable(f"{cls.title} checkout is not set up on this installation.")
    return provider


def providers_available() -> list[PaymentProvider]:
    return [p for p in (cls() for cls in PROVIDERS.values()) if p.is_configured()]


__all__ = [
    "BadSignature",
    "Checkout",
    "PaymentProvider",
    "ProviderEvent",
    "ProviderUnavailable",
    "provider_get",
    "providers_available",
]
