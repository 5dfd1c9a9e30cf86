from django.urls import path

from . import views

urlpatterns = [
    path(
        "organizations/<slug:organization_slug>/usage/", views.UsageView.as_view(), name="organization-usage"
    ),
    path(
        "billing/webhooks/stripe/",
        views.ProviderWebhookView.as_view(provider="stripe"),
        name="billing-webhook-stripe",
    ),
    path(
        "billing/webhooks/razorpay/",
        views.ProviderWebhookView.as_view(provider="razorpay"),
        name="billing-webhook-razorpay",
    ),
]
