"""Roles, ordered: owner ⊃ admin ⊃ issuer ⊃ viewer."""

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    ISSUER = "issuer", "Issuer"
    VIEWER = "viewer", "Viewer"


RANK = {Role.VIEWER: 1, Role.ISSUER: 2, Role.ADMIN: 3, Role.OWNER: 4}


def role_at_least(role: str | None, minimum: str) -> bool:
    return role is not None and RANK[Role(role)] >= RANK[Role(minimum)]


# API keys act for machines; ownership stays with people.
API_KEY_ROLE_CHOICES = [(Role.ADMIN, "Admin"), (Role.ISSUER, "Issuer"), (Role.VIEWER, "Viewer")]
