from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")

nested = SimpleRouter()
nested.register("members", views.MemberViewSet, basename="member")
nested.register("invitations", views.InvitationViewSet, basename="invitation")
nested.register("api-keys", views.APIKeyViewSet, basename="api-key")
nested.register("audit-events", views.AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("", include(router.urls)),
    path("organizations/<slug:organization_slug>/", include(nested.urls)),
    path("invitations/accept/", views.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("invitations/register/", views.InvitationRegisterView.as_view(), name="invitation-register"),
]
