from django.urls import path

from insight import views

app_name = "insight"

urlpatterns = [
    path("", views.index, name="index"),
    path("requirements/", views.requirements, name="requirements"),
    path("options/", views.options, name="options"),
    path("strategies/<uuid:public_id>/", views.strategy_detail, name="strategy"),
    path("strategies/<uuid:public_id>/move/", views.strategy_move, name="strategy-move"),
    path("strategies/<uuid:public_id>/plan/", views.strategy_plan, name="plan"),
    path("strategies/<uuid:public_id>/plan/agree/", views.plan_agree, name="plan-agree"),
    path("strategies/<uuid:public_id>/plan/revise/", views.task_revise, name="task-revise"),
    path("revisions/<uuid:public_id>/decide/", views.revision_decide, name="revision-decide"),
    path("insights/", views.insight_list, name="insights"),
    path("insights/<uuid:public_id>/evidence/", views.insight_evidence, name="insight-evidence"),
    path(
        "strategies/<uuid:public_id>/legal-review/",
        views.strategy_legal_review,
        name="strategy-legal-review",
    ),
    path("evaluations/<uuid:public_id>/", views.evaluation_detail, name="evaluation"),
    path("evaluations/<uuid:public_id>/submit/", views.evaluation_submit, name="evaluation-submit"),
    path("feedback/", views.feedback, name="feedback"),
    path("problems/", views.problem_list, name="problems"),
    path("problems/report/", views.problem_report, name="problem-report"),
    path("system/", views.system_page, name="system"),
    path("effectiveness/", views.effectiveness_page, name="effectiveness"),
    path("business-cases/<uuid:public_id>/", views.business_case_detail, name="business-case"),
    path(
        "business-cases/<uuid:public_id>/submit/",
        views.business_case_submit,
        name="business-case-submit",
    ),
    path("stakeholders/", views.stakeholders, name="stakeholders"),
    path("records/<slug:kind>/new/", views.record_form, name="record-new"),
    path("records/<slug:kind>/<str:ident>/edit/", views.record_form, name="record-edit"),
]
