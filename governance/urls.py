from django.urls import path

from governance import views

app_name = "governance"

urlpatterns = [
    path("", views.home, name="home"),
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
