"""The plans an installation starts with (data migration 0002). Staff edit them in the admin; a
plan missing from the database (a test that flushed it) is re-created from here on first use."""

STARTING_PLANS = [
    {
        "code": "free",
        "name": "Free",
        "description": "For trying CertVerify out.",
        "sort_order": 0,
        "price_minor": 0,
        "certificates_per_month": 50,
        "verifications_per_month": 100,
        "api_keys_per_month": 2,
        "members_per_month": 5,
        "webhooks_per_month": 2,
        "gemini_pages_per_month": 20,
        "bulk_max_rows": 100,
        # Proving a domain is what stops a stranger posing as the institution: free by default.
        "custom_domain": True,
        "over_limit": "refuse",
    },
    {
        "code": "pro",
        "name": "Pro",
        "description": "For an institution issuing every month.",
        "sort_order": 10,
        "price_minor": 4900,
        "certificates_per_month": 2000,
        "verifications_per_month": 5000,
        "api_keys_per_month": 20,
        "members_per_month": 50,
        "webhooks_per_month": 20,
        "gemini_pages_per_month": 2000,
        "custom_domain": True,
        "designer_images": True,
        "bulk_max_rows": 5000,
        "over_limit": "partial",
    },
    {
        "code": "enterprise",
        "name": "Enterprise",
        "description": "No monthly limits.",
        "sort_order": 20,
        "price_minor": 49900,
        "custom_domain": True,
        "designer_images": True,
        "over_limit": "partial",
    },
]


def plan_defaults(code: str) -> dict:
    return next(
        (fields for fields in STARTING_PLANS if fields["code"] == code), {"code": code, "name": code.title()}
    )
