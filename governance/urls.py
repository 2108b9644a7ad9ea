from django.urls import path

from governance import views, views_access

app_name = "governance"

urlpatterns = [
    path("", views.home, name="home"),
    path("access/", views_access.access_usage, name="access-usage"),
    path("access/report.csv", views_access.access_report, name="access-report"),
    path(
        "customers/<uuid:public_id>/consents/",
        views.customer_consents,
        name="customer-consents",
    ),
    path(
        "customers/<uuid:public_id>/consents/withdraw/",
        views.consent_withdraw,
        name="consent-withdraw",
    ),
    path(
        "customers/<uuid:public_id>/objection/",
        views.objection_register,
        name="objection",
    ),
]
