from django.urls import path

from governance import views

app_name = "governance"

urlpatterns = [
    path("", views.home, name="home"),
    path("access/", views.access_usage, name="access-usage"),
    path("access/report.csv", views.access_report, name="access-report"),
    path("register/", views.processing_register, name="register"),
    path("register.csv", views.processing_register_csv, name="register-csv"),
    path("procedures/", views.procedure_list, name="procedures"),
    path(
        "procedures/outstanding/",
        views.procedure_outstanding,
        name="procedures-outstanding",
    ),
    path("procedures/<slug:code>/", views.procedure_detail, name="procedure"),
    path(
        "procedures/versions/<int:version_id>/acknowledge/",
        views.procedure_acknowledge,
        name="procedure-acknowledge",
    ),
    path("audit/", views.audit_view, name="audit"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<uuid:public_id>/", views.request_detail, name="request-detail"),
    *(
        path(
            f"requests/<uuid:public_id>/{step}/",
            views.request_act,
            {"step": step},
            name=f"request-{step}",
        )
        for step in ("identity", "extend", "fulfil")
    ),
    path(
        "requests/<uuid:public_id>/package.zip",
        views.request_package,
        name="request-package",
    ),
    path(
        "requests/<uuid:public_id>/certificate.json",
        views.request_certificate,
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
