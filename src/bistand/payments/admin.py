"""Admin: the municipality's bank account for payments (IBAN, BIC). Payments themselves are handled on
the staff pages (approval with four eyes), not in the admin."""

from django.contrib import admin

from bistand.audit.admin_mixins import AuditedAdminMixin
from bistand.tenancy.admin_mixins import MunicipalityScopedAdminMixin

from .models import DebtorAccount


@admin.register(DebtorAccount)
class DebtorAccountAdmin(MunicipalityScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["municipality", "name", "iban", "bic"]
    list_select_related = ["municipality"]
    fields = ["municipality", "name", "iban", "bic", "initiating_party_id"]
