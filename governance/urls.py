from django.urls import path

from governance import views, views_access, views_records, views_requests

app_name = "governance"

urlpatterns = [
    path("", views.home, name="home"),
    path("access/", views_access.access_usage, name="access-usage"),
    path("access/report.csv", views_access.access_report, name="access-report"),
    path("register/", views_records.processing_register, name="register"),
    path("register.csv", views_records.processing_register_csv, name="register-csv"),
    path("procedures/", views_records.procedure_list, name="procedures"),
    path(
        "procedures/outstanding/",
        views_records.procedure_outstanding,
        name="procedures-outstanding",
    ),
    path("procedures/<slug:code>/", views_records.procedure_detail, name="procedure"),
    path(
        "procedures/versions/<int:version_id>/acknowledge/",
        views_records.procedure_acknowledge,
        name="procedure-acknowledge",
    ),
    path("audit/", views_records.audit_view, name="audit"),
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
