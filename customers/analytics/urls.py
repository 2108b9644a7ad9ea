from django.urls import path

from customers.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.analytics_index, name="index"),
    path("<slug:kind>.csv", views.analytics_csv, name="csv"),
]
