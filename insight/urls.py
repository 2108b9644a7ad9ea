from django.urls import path

from insight import views

app_name = "insight"

urlpatterns = [
    path("", views.index, name="index"),
    path("requirements/", views.requirements, name="requirements"),
    path("options/", views.options, name="options"),
]
