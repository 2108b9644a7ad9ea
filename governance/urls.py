from django.urls import path

from governance import views, views_access, views_requests

app_name = "governance"

urlpatterns = [
    path("", views.home, name="home"),
    path("access/", views_access.access_usage, name="access-usage"),
    path("access/report.csv", views_access.access_report, name="access-report"),
    path("requests/", views_requests.request_list, name="requests"),
    path("requests/<uuid:public_id>/", views_requests.request_detail, name="request-detail"),
    *(
        path(
            f"requests/<uuid:public_id>/{step}/",
            views_requests.request_act,
            {"step": step},
            name=f"request-{step}",
        )
        for step in ("identity", "extend", "fulfil")
    ),
    path(
        "requests/<uuid:public_id>/package.zip",
        views_requests.request_package,
        name="request-package",
    ),
    path(
        "requests/<uuid:public_id>/certificate.json",
        views_requests.request_certificate,
        name="request-certificate",
    ),
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
