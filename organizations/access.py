"""Who is acting: a person (through their memberships) or an API key (for one organization).

Every selector takes an `Actor`, so tenancy is decided in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.client_ip import client_ip

from .models import APIKey, Membership, Organization
from .roles import RANK, Role, role_at_least


@dataclass
class Actor:
    user: object | None = None  # accounts.User, or None for an API key / anonymous caller
    api_key: APIKey | None = None
    ip: str | None = None
    _roles: dict[int, str] | None = field(default=None, repr=False)

    @classmethod
    def from_request(cls, request) -> Actor:
        auth = getattr(request, "auth", None)
        ip = client_ip(request)
        if isinstance(auth, APIKey):
            return cls(api_key=auth, ip=ip)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return cls(user=user, ip=ip)
        return cls(ip=ip)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None or self.api_key is not None

    def roles(self) -> dict[int, str]:
        """organization id → role, for active organizations."""
        if self._roles is None:
            if self.api_key is not None:
                self._roles = {self.api_key.organization_id: self.api_key.role}
            elif (cached := getattr(self.user, "_certverify_roles", None)) is not None:
                self._roles = dict(cached)  # a JWT user comes with their roles (principals.py)
            elif self.user is not None:
                # order_by(): Membership's default ordering would join users and organizations
                # just to sort a dict's input (this runs on every authenticated request).
                self._roles = dict(
                    Membership.objects.filter(user=self.user, organization__is_active=True)
                    .order_by()
                    .values_list("organization_id", "role")
                )
            else:
                self._roles = {}
        return self._roles

    def role_in(self, organization: Organization | int) -> str | None:
        org_id = organization if isinstance(organization, int) else organization.pk
        return self.roles().get(org_id)

    def has_role(self, organization: Organization | int, minimum: str) -> bool:
        return role_at_least(self.role_in(organization), minimum)

    def organization_ids(self, minimum: str = Role.VIEWER) -> list[int]:
        return [org_id for org_id, role in self.roles().items() if RANK[Role(role)] >= RANK[Role(minimum)]]

    def audit_fields(self) -> dict:
        return {"actor": self.user, "actor_api_key": self.api_key, "ip": self.ip}
