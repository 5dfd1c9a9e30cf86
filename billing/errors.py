from core.errors import DomainError


class BillingError(DomainError):
    code = "billing_error"


class UsageLimitExceeded(BillingError):
    """A plan's monthly limit would be passed: HTTP 402 with the limit, the use and where to upgrade."""

    kind = "payment_required"
    code = "plan_limit_reached"

    def __init__(
        self, *, metric: str, label: str, limit: int, used: int, requested: int, plan: str, upgrade_url: str
    ):
        super().__init__(
            f"Your plan ({plan}) allows {limit} {label.lower()} a month; {used} are used and this needs "
            f"{requested}. Upgrade at {upgrade_url}.",
            field=metric,
        )
        self.extra = {
            "limit": {
                "metric": metric,
                "limit": limit,
                "used": used,
                "requested": requested,
                "plan": plan,
                "upgrade_url": upgrade_url,
            }
        }


class FeatureNotInPlan(BillingError):
    kind = "payment_required"
    code = "plan_feature_missing"

    def __init__(self, message: str, *, upgrade_url: str, field: str | None = None):
        super().__init__(f"{message} Upgrade at {upgrade_url}.", field=field)
        self.extra = {"upgrade_url": upgrade_url}
