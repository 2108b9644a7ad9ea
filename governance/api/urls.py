from django.urls import path

from governance.api import views
from mis.api.routers import ApiSimpleRouter

router = ApiSimpleRouter()
router.register("purposes", views.PurposeViewSet, basename="purpose")
router.register("consents", views.ConsentViewSet, basename="consent")

urlpatterns = [
    *router.urls,
    path("preference-links/", views.PreferenceLinkView.as_view(), name="preference-link"),
]
