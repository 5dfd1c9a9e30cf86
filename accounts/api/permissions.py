from django.contrib.auth import get_user_model
from rest_framework import permissions


class IsPerson(permissions.BasePermission):
    """Signed in as a person (a JWT), not as an API key: for the endpoints that act on one's own
    account (profile, password, two-factor, logout), which an organization's key does not have."""

    message = "This endpoint is for people signed in with a token; an API key cannot use it."
    code = "person_required"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return isinstance(user, get_user_model()) and user.is_authenticated
