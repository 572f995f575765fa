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
