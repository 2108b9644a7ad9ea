from django.urls import path

from customers.duplicates import views

app_name = "duplicates"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("sweep/", views.sweep_start, name="sweep"),
    path("merges/", views.merges, name="merges"),
    path("merges/<uuid:public_id>/undo/", views.undo, name="undo"),
    path("<int:pk>/", views.review, name="review"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/distinct/", views.distinct, name="distinct"),
    path("imports/<uuid:public_id>/held/", views.held, name="held"),
    path("held/<int:pk>/", views.held_review, name="held_review"),
]
