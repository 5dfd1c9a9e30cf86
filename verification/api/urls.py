from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("verifications", views.VerificationViewSet, basename="verification")
urlpatterns = router.urls
