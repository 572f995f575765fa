"""Admin for a municipality's settings for appeals (post days, the förvaltningsrätt). An administrator
sees and edits only the municipality's own row (MunicipalityScopedAdminMixin); every save writes an
audit event (AuditedAdminMixin)."""

from django.contrib import admin

from bistand.audit.admin_mixins import AuditedAdminMixin
from bistand.tenancy.admin_mixins import MunicipalityScopedAdminMixin

from .models import ProcedureSettings


@admin.register(ProcedureSettings)
class ProcedureSettingsAdmin(MunicipalityScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["municipality", "post_delivery_days", "court_name"]
