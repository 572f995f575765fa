"""Staff (case worker) pages under /handlaggning/.

Views live in bistand/staff/views/<area>.py so that each area can grow on its own.
Every view that shows person-level data must go through bistand.tenancy.scoping and write an
AccessLog row (see bistand.audit.services.log_access)."""

from django.urls import path

from .views import calculation, home, people

app_name = "staff"

urlpatterns = [
    path("", home.home, name="home"),
    # people and households (bistand.people)
    path("personer/", people.person_list, name="person_list"),
    path("personer/<int:pk>/", people.person_detail, name="person_detail"),
    path("personer/<int:pk>/andra/", people.person_edit, name="person_edit"),
    path("hushall/", people.household_list, name="household_list"),
    path("hushall/<int:pk>/", people.household_detail, name="household_detail"),
    path("atkomstlogg/", people.access_log, name="access_log"),
    # try a calculation (bistand.rules)
    path("berakning/", calculation.calculation, name="calculation"),
]

# payments: approval with four eyes and the bank files (bistand.payments)
from .views import payments  # noqa: E402

urlpatterns += [
    path("utbetalningar/", payments.payment_list, name="payment_list"),
    path("utbetalningar/<int:pk>/attestera/", payments.payment_approve, name="payment_approve"),
    path("utbetalningar/attestera/", payments.payment_approve_many, name="payment_approve_many"),
    path("utbetalningar/<int:pk>/", payments.payment_detail, name="payment_detail"),
    path("utbetalningar/<int:pk>/mottagare/", payments.payment_change_payee, name="payment_change_payee"),
    path("utbetalningar/<int:pk>/stoppa/", payments.payment_cancel, name="payment_cancel"),
    path("utbetalningar/<int:pk>/igen/", payments.payment_reissue, name="payment_reissue"),
    path("utbetalningar/ej-verkstallda/", payments.payment_unexecuted, name="payment_unexecuted"),
    path("utbetalningar/ej-verkstallda-tre-manader/", payments.unpaid_decisions, name="unpaid_decisions"),
    path("utbetalningar/automatisk-attest/", payments.payment_automated, name="payment_automated"),
    path("utbetalningar/bankens-svar/", payments.payment_bank_status, name="payment_bank_status"),
    path("utbetalningar/betalfiler/", payments.payment_export_list, name="payment_export_list"),
    path("utbetalningar/betalfiler/ny/", payments.payment_export_create, name="payment_export_create"),
    path("utbetalningar/betalfiler/<int:pk>/", payments.payment_export_download, name="payment_export_download"),
]

# plans with the client and the worker overview (bistand.plans)
from .views import plans  # noqa: E402

urlpatterns += [
    path("oversikt/", plans.overview, name="overview"),
    path("personer/<int:pk>/planering/", plans.plan_list, name="plan_list"),
    path("planering/<int:pk>/", plans.plan_detail, name="plan_detail"),
    path("planering/<int:pk>/mal/", plans.plan_add_goal, name="plan_add_goal"),
    path("planering/<int:pk>/insats/", plans.plan_add_action, name="plan_add_action"),
    path("planering/<int:pk>/krav/", plans.plan_add_requirement, name="plan_add_requirement"),
    path("planering/<int:pk>/dela/", plans.plan_share, name="plan_share"),
    path("planering/<int:pk>/avsluta/", plans.plan_close, name="plan_close"),
    path("planering/<int:pk>/uppfoljning/", plans.plan_follow_up, name="plan_follow_up"),
    path("planering/atgard/<int:pk>/status/", plans.plan_action_status, name="plan_action_status"),
    path("planering/atgard/<int:pk>/remiss/", plans.plan_action_referral, name="plan_action_referral"),
    path("planering/uppfoljning/<int:pk>/nytta/", plans.plan_follow_up_rate, name="plan_follow_up_rate"),
]

# assessment with the client, screening flags and MI support (bistand.assessment)
from .views import assessment  # noqa: E402

urlpatterns += [
    path("bedomning/", assessment.due_list, name="assessment_due"),
    path("bedomning/instrument/", assessment.instruments, name="assessment_instruments"),
    path("personer/<int:pk>/bedomning/", assessment.person_assessments, name="assessment_person"),
    path("bedomning/<int:pk>/", assessment.occasion_detail, name="assessment_occasion"),
    path("bedomning/<int:pk>/bedom/", assessment.occasion_rate, name="assessment_rate"),
    path("bedomning/<int:pk>/flagga/", assessment.occasion_flag, name="assessment_flag"),
    path("bedomning/<int:pk>/samtal/", assessment.occasion_mi, name="assessment_mi"),
    path("bedomning/<int:pk>/genomford/", assessment.occasion_complete, name="assessment_complete"),
]
urlpatterns += [path("bedomning/installningar/", assessment.settings_page, name="assessment_settings")]

# case handling: the unit's inbox and the case page (bistand.casework, decisions, payments)
from .views import cases, paper  # noqa: E402

urlpatterns += [
    path("inkorg/", cases.inbox_view, name="inbox"),
    path("arenden/", cases.case_list_view, name="case_list"),
    path("personer/<int:pk>/ny-ansokan/", cases.register_paper_application, name="register_paper_application"),
    path("arenden/<int:pk>/pappersansokan/", paper.paper_declaration, name="paper_declaration"),
    path("arenden/<int:pk>/pappersansokan/<str:section>/", paper.paper_step, name="paper_step"),
    path("arenden/<int:pk>/", cases.case_detail, name="case_detail"),
    path("arenden/<int:pk>/tilldela/", cases.case_assign, name="case_assign"),
    path("arenden/<int:pk>/anteckningar/", cases.case_note, name="case_note"),
    path("arenden/<int:pk>/komplettering/", cases.case_completion, name="case_completion"),
    path("arenden/<int:pk>/registeruppgifter/", cases.case_fetch_registers, name="case_fetch_registers"),
    path("arenden/<int:pk>/hushall/godkann/", cases.case_accept_claims, name="case_accept_claims"),
    path("arenden/<int:pk>/berakna/", cases.case_calculate, name="case_calculate"),
    path("arenden/<int:pk>/norm/", cases.case_norm_adjustment, name="case_norm_adjustment"),
    path("arenden/<int:pk>/norm/<int:adjustment_pk>/ta-bort/", cases.case_norm_adjustment_remove,
         name="case_norm_adjustment_remove"),
    path("arenden/<int:pk>/nedsattning/", cases.case_reduction, name="case_reduction"),
    path("arenden/<int:pk>/nedsattning/ta-bort/", cases.case_reduction_remove, name="case_reduction_remove"),
    path("arenden/<int:pk>/radrum/", cases.case_housing_grace, name="case_housing_grace"),
    path("arenden/<int:pk>/beslut/", cases.case_decide, name="case_decide"),
    path("arenden/<int:pk>/beslut/<int:decision_pk>/omprovning/", cases.case_reconsider, name="case_reconsider"),
    path("arenden/<int:pk>/beslut/<int:decision_pk>/utbetalning/", cases.case_schedule_payment,
         name="case_schedule_payment"),
    path("beslut/<int:pk>/brev/", cases.decision_letter, name="decision_letter"),
]

# the monthly run from the web (bistand.casework.monthly)
from .views import monthly  # noqa: E402

urlpatterns += [
    path("manadskorning/", monthly.monthly_run, name="monthly_run"),
    path("manadskorning/starta/", monthly.monthly_run_start, name="monthly_run_start"),
    path("manadskorning/korning/<int:pk>/", monthly.monthly_run_progress, name="monthly_run_progress"),
]

# follow-up: the manager's dashboard and the researcher's start page (bistand.followup)
from .views import followup  # noqa: E402

urlpatterns += [
    path("uppfoljning/", followup.dashboard, name="followup_dashboard"),
    path("uppfoljning/manad/<str:month>/", followup.dashboard_cases, name="followup_cases"),
    path("uppfoljning/statistik/", followup.statistics_page, name="followup_statistics"),
    path("forskning/", followup.research_page, name="research"),
]

# kommunicering (25 § FL) before a decision against the applicant (bistand.applications)
from .views import kommunicering  # noqa: E402

urlpatterns += [path("arenden/<int:pk>/kommunicering/", kommunicering.start, name="case_kommunicering")]

# appeals: registered from paper, rättidsprövning, omprövning, forwarding, avvisning (bistand.appeals)
from .views import appeals  # noqa: E402

urlpatterns += [
    path("arenden/<int:pk>/overklagande/", appeals.register_paper_appeal, name="appeal_register"),
    path("overklagande/<int:pk>/omprovning/", appeals.reconsider, name="appeal_reconsider"),
    path("overklagande/<int:pk>/overlamna/", appeals.forward, name="appeal_forward"),
    path("overklagande/<int:pk>/avvisa/", appeals.dismiss, name="appeal_dismiss"),
    path("overklagande/<int:pk>/brev/<slug:kind>/", appeals.letter, name="appeal_letter"),
]

# the delegationsordning for people: proposals to decide (föredragning) and the anmälan list (bistand.decisions)
from .views import delegation  # noqa: E402

urlpatterns += [
    path("att-besluta/", delegation.to_decide, name="to_decide"),
    path("att-besluta/<int:pk>/", delegation.proposal, name="proposal"),
    path("delegationsbeslut/", delegation.delegation_report, name="delegation_report"),
]
