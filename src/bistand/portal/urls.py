"""The e-service's URLs, under /e-tjanst/."""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.start, name="start"),
    path("logga-in/", views.login, name="login"),
    path("logga-in/klar/", views.login_complete, name="login_complete"),
    path("logga-ut/", views.logout, name="logout"),
    path("sprak/", views.choose_language, name="language"),
    path("mitt-arende/", views.case, name="case"),
    path("mitt-arende/handelser/", views.events_fragment, name="events"),
    path("ansok/", views.new_application, name="new_application"),
    path("ateransok/", views.recurring, name="recurring"),
    path("ansokan/<int:pk>/", views.application_detail, name="application"),
    path("ansokan/<int:pk>/steg/<slug:section>/", views.step, name="step"),
    path("ansokan/<int:pk>/samma/<slug:section>/", views.confirm_unchanged, name="confirm_unchanged"),
    path("ansokan/<int:pk>/bilagor/", views.attachments, name="attachments"),
    path("ansokan/<int:pk>/bilagor/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("ansokan/<int:pk>/granska/", views.review, name="review"),
    path("ansokan/<int:pk>/bekrafta/", views.confirm, name="confirm"),
    path("ansokan/<int:pk>/aterkalla/", views.withdraw, name="withdraw"),
    path("ansokan/<int:pk>/beslut/<int:decision_pk>/", views.decision, name="decision"),
    path("ansokan/<int:pk>/beslut/<int:decision_pk>/brev.pdf", views.decision_letter, name="decision_letter"),
    path("komplettering/<int:pk>/", views.completion, name="completion"),

    # the client's plans (bistand.plans)
    path("planering/", views.plan_list, name="plans"),
    path("planering/<int:pk>/", views.plan_detail, name="plan"),
    path("planering/<int:pk>/uppfoljning/<int:follow_up_pk>/", views.plan_follow_up_rate, name="plan_follow_up_rate"),
    # the client's self-rating before the assessment meeting (bistand.assessment)
    path("skattning/", views.assessment_list, name="assessments"),
    path("skattning/<int:pk>/steg/<int:step>/", views.assessment_step, name="assessment_step"),
    path("skattning/<int:pk>/skicka/", views.assessment_review, name="assessment_review"),
    path("skattning/<int:pk>/klar/", views.assessment_done, name="assessment_done"),
    # appeals (bistand.appeals)
    path("ansokan/<int:pk>/beslut/<int:decision_pk>/overklaga/", views.appeal, name="appeal_decision"),
    path("overklagande/<int:pk>/", views.appeal_detail, name="appeal"),
    path("overklagande/<int:pk>/avvisning.pdf", views.appeal_letter, name="appeal_letter"),
]
