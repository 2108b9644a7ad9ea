from django.urls import path

from customers.campaigns import views as campaigns
from customers.segments import views

app_name = "segments"

urlpatterns = [
    path("", views.segment_list, name="list"),
    path("new/", views.segment_create, name="create"),
    path("builder/", views.segment_builder, name="builder"),
    path("count/", views.segment_count, name="count"),
    path("<uuid:public_id>/", views.segment_edit, name="edit"),
    path("<uuid:public_id>/snapshots/", views.snapshot_take, name="snapshot"),
    path("snapshots/<uuid:public_id>/export/", views.snapshot_export, name="snapshot_export"),
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/<uuid:public_id>/", campaigns.campaign_detail, name="campaign"),
]
