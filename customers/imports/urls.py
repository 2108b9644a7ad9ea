from django.urls import path

from customers.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.import_new, name="new"),
    path("<uuid:public_id>/", views.import_detail, name="detail"),
    path("<uuid:public_id>/progress/", views.import_progress, name="progress"),
    path("<uuid:public_id>/discard/", views.import_discard, name="discard"),
    path("<uuid:public_id>/errors.csv", views.import_errors, name="errors"),
]
