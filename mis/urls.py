from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from governance.views import preferences as preference_views
from mis import accounts, views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path(
        "accounts/password_reset/",
        accounts.ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    path("approvals/", views.approvals, name="approvals"),
    path(
        "approvals/<str:kind>/<uuid:public_id>/",
        views.approval_decide,
        name="approval-decide",
    ),
    path("favicon.ico", views.favicon, name="favicon"),
    path("settings/e-mail/", views.notification_settings, name="notification-settings"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("customers/", include("customers.urls")),
    path("segments/", include("customers.segments.urls")),
    path("analytics/", include("customers.analytics.urls")),
    path("insight/", include("insight.urls")),
    path("imports/", include("customers.imports.urls")),
    path("duplicates/", include("customers.duplicates.urls")),
    path("quality/", include("customers.quality.urls")),
    path("governance/", include("governance.urls")),
    # Public, no log-in: reached by a signed link (governance/services/preferences.py).
    path("preferences/<str:token>/", preference_views.preferences, name="preferences"),
    path(
        "preferences/confirm/<str:token>/",
        preference_views.preferences_confirm,
        name="preferences-confirm",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("customers.api.urls", "api"))),
    path("api/v1/insight/", include(("insight.api.urls", "insight-api"))),
    path("api/v1/", include(("governance.api.urls", "governance-api"))),
    path("api/v1/", include(("integrations.api.urls", "integrations-api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # A page for people: anonymous visitors go to the login page, as for every page.
    path(
        "api/docs/",
        login_required(SpectacularSwaggerView.as_view(url_name="schema")),
        name="api-docs",
    ),
]

admin.site.site_header = "MIS administration"
admin.site.site_title = "MIS admin"
admin.site.index_title = "Approvals and records"
