from django.urls import path

from customers.quality import views

app_name = "quality"

urlpatterns = [
    path("", views.quality_dashboard, name="dashboard"),
    path("sweep/", views.quality_sweep_now, name="sweep"),
    path("issues/", views.quality_issues, name="issues"),
    path("issues/<int:pk>/fix/", views.quality_issue_fix, name="fix"),
    path("issues/<int:pk>/verified/", views.quality_mark_verified, name="verified"),
    path("issues/<int:pk>/dismiss/", views.quality_issue_dismiss, name="dismiss"),
    path("redundant/", views.redundancy_list, name="redundant"),
    path("redundant/<int:pk>/decide/", views.redundancy_decision, name="decide"),
]
