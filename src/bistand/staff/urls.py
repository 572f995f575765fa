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
    path("utbetalningar/betalfiler/", payments.payment_export_list, name="payment_export_list"),
    path("utbetalningar/betalfiler/ny/", payments.payment_export_create, name="payment_export_create"),
    path("utbetalningar/betalfiler/<int:pk>/", payments.payment_export_download, name="payment_export_download"),
]

# case handling: the unit's inbox and the case page (bistand.casework, decisions, payments)
from .views import cases  # noqa: E402

urlpatterns += [
    path("inkorg/", cases.inbox_view, name="inbox"),
    path("arenden/<int:pk>/", cases.case_detail, name="case_detail"),
    path("arenden/<int:pk>/tilldela/", cases.case_assign, name="case_assign"),
    path("arenden/<int:pk>/anteckningar/", cases.case_note, name="case_note"),
    path("arenden/<int:pk>/komplettering/", cases.case_completion, name="case_completion"),
    path("arenden/<int:pk>/registeruppgifter/", cases.case_fetch_registers, name="case_fetch_registers"),
    path("arenden/<int:pk>/berakna/", cases.case_calculate, name="case_calculate"),
    path("arenden/<int:pk>/beslut/", cases.case_decide, name="case_decide"),
    path("arenden/<int:pk>/beslut/<int:decision_pk>/omprovning/", cases.case_reconsider, name="case_reconsider"),
    path("arenden/<int:pk>/beslut/<int:decision_pk>/utbetalning/", cases.case_schedule_payment,
         name="case_schedule_payment"),
    path("beslut/<int:pk>/brev/", cases.decision_letter, name="decision_letter"),
]
