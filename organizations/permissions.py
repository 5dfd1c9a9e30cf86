"""DRF glue for tenancy: the acting `Actor` and per-action minimum roles."""

from __future__ import annotations

from rest_framework.request import Request

from .access import Actor
from .models import Organization
from .roles import Role
from .selectors import organization_get_for_actor


def actor_of(request: Request) -> Actor:
    actor = getattr(request, "_certverify_actor", None)
    if actor is None:
        actor = Actor.from_request(request)
        request._certverify_actor = actor
    return actor


class ActorMixin:
    """For viewsets: `self.actor`, and `minimum_roles` mapping action → minimum role."""

    minimum_roles: dict[str, str] = {}
    default_minimum_role: str = Role.VIEWER

    @property
    def actor(self) -> Actor:
        return actor_of(self.request)

    def minimum_role(self) -> str:
        return self.minimum_roles.get(getattr(self, "action", None) or "", self.default_minimum_role)


class NestedInOrganizationMixin(ActorMixin):
    """For routes under /organizations/{organization_slug}/…: resolves and checks the organization."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Resolve tenancy before anything reads the body: an outsider gets 404, not a 400.
        self.get_organization()

    def get_organization(self) -> Organization:
        if not hasattr(self, "_organization"):
            self._organization = organization_get_for_actor(
                self.actor, self.kwargs["organization_slug"], minimum=self.minimum_role()
            )
        return self._organization
