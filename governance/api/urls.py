from django.urls import path
from rest_framework.routers import SimpleRouter

from governance.api import views

router = SimpleRouter()
router.register("purposes", views.PurposeViewSet, basename="purpose")
router.register("consents", views.ConsentViewSet, basename="consent")

urlpatterns = [
    *router.urls,
    path("preference-links/", views.PreferenceLinkView.as_view(), name="preference-link"),
]
