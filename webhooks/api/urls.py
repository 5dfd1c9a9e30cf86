from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("", views.EndpointViewSet, basename="webhook-endpoint")

urlpatterns = router.urls
