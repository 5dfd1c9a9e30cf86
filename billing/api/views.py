from django.http import Http404
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors, services
from billing.providers import ProviderUnavailable
from organizations.permissions import actor_of
from organizations.selectors import organization_get_for_actor


class UsageView(APIView):
    """This month's use against the plan's limits, and the last 12 months."""

    @extend_schema(responses={200: dict})
    def get(self, request, organization_slug: str):
        organization = organization_get_for_actor(actor_of(request), organization_slug)
        overview = selectors.billing_overview(organization)
        subscription, plan = overview["subscription"], overview["plan"]
        return Response(
            {
                "organization": organization.slug,
                "plan": {"code": plan.code, "name": plan.name, "over_limit": plan.over_limit},
                "status": subscription.status,
                "grace_until": subscription.grace_until,
                "month": overview["month"].strftime("%Y-%m"),
                "current": selectors.usage_current(organization),
                "history": [
                    {**row, "month": row["month"].strftime("%Y-%m")}
                    for row in selectors.usage_history(organization)
                ],
            }
        )


@method_decorator(csrf_exempt, name="dispatch")
class ProviderWebhookView(APIView):
    """A provider's signed event: stored once and processed by a worker. A bad signature is a 400
    and stores nothing; a replay is a 200 that changes nothing."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    provider = ""

    @extend_schema(request=None, responses={200: dict})
    def post(self, request):
        body = request.body  # the raw bytes are what the signature covers
        try:
            event, created = services.billing_event_receive(
                provider=self.provider, body=body, headers=request.headers
            )
        except ProviderUnavailable as exc:  # not set up here: there is no such endpoint
            raise Http404(exc.message) from exc
        return Response({"received": event.event_id, "duplicate": not created})
